"""Addresses: where a peer listens or dials.

Eight schemes::

    tcp://HOST:PORT      e.g. tcp://127.0.0.1:5555, tcp://:0, tcp://[::1]:5555
    tls://HOST:PORT      tcp inside TLS, e.g. tls://trainer.lan:5555
    unix:///ABS/PATH     e.g. unix:///tmp/game.sock
    grpc://HOST:PORT     e.g. grpc://127.0.0.1:5555
    grpcs://HOST:PORT    grpc inside TLS, e.g. grpcs://trainer.lan:5555
    ws://HOST:PORT       e.g. ws://127.0.0.1:5555 (WebSocket: what a game in a browser can dial)
    wss://HOST:PORT      ws inside TLS, e.g. wss://trainer.lan:5555
    shm:///ABS/PATH      e.g. shm:///tmp/game (shared memory, met at a Unix socket there)

>>> address = parse_address("tcp://:5555")
>>> address.host, address.port
('127.0.0.1', 5555)
>>> str(address)
'tcp://127.0.0.1:5555'
>>> str(parse_address("unix:///tmp/game.sock"))
'unix:///tmp/game.sock'
"""

from __future__ import annotations

import dataclasses
import os
import sys
from dataclasses import dataclass
from typing import Literal

from rlay.errors import InvalidAddress

__all__ = ["DEFAULT_HOST", "SCHEMES", "Address", "Scheme", "parse_address"]

Scheme = Literal["tcp", "unix", "grpc", "shm", "ws", "tls", "wss", "grpcs"]
SCHEMES: tuple[Scheme, ...] = ("tcp", "unix", "grpc", "shm", "ws", "tls", "wss", "grpcs")
# Schemes whose address is a filesystem path (of a Unix socket).
_PATH_SCHEMES: tuple[Scheme, ...] = ("unix", "shm")

#: The host used when an address names none: loopback, so nothing is exposed
#: to the network unless asked for.
DEFAULT_HOST = "127.0.0.1"

# sun_path holds 108 bytes on Linux and 104 on the BSDs and macOS, both
# including the terminating NUL.
_UNIX_PATH_MAX = 107 if sys.platform.startswith("linux") else 103

_EXAMPLES = (
    "tcp://127.0.0.1:5555, unix:///tmp/rlay.sock, shm:///tmp/rlay, grpc://127.0.0.1:5555 "
    "or ws://127.0.0.1:5555"
)


@dataclass(frozen=True)
class Address:
    """A parsed address; ``str()`` gives its canonical text.

    ``host`` and ``port`` are set for tcp, tls, grpc, grpcs, ws and wss, ``path`` for unix
    and shm.

    >>> Address("grpc", "::1", 80, "")
    Address('grpc://[::1]:80')
    """

    scheme: Scheme
    host: str = ""
    port: int = 0
    path: str = ""

    def __str__(self) -> str:
        if self.scheme in _PATH_SCHEMES:
            return f"{self.scheme}://{self.path}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def __repr__(self) -> str:
        return f"Address({str(self)!r})"

    def with_port(self, port: int) -> Address:
        """The same address on another port (e.g. the one port 0 picked).

        >>> str(parse_address("tcp://:0").with_port(40123))
        'tcp://127.0.0.1:40123'
        """
        return dataclasses.replace(self, port=port)


def parse_address(text: str | Address) -> Address:
    """Parse an address, raising :class:`InvalidAddress` with the reason.

    Whitespace around the text (e.g. a newline from an environment
    variable) is ignored.

    >>> parse_address("tcp://[::1]:7000").host
    '::1'
    >>> parse_address("127.0.0.1:5555")
    Traceback (most recent call last):
    ...
    rlay.errors.InvalidAddress: '127.0.0.1:5555' has no scheme; expected tcp://127.0.0.1:5555, \
unix:///tmp/rlay.sock, shm:///tmp/rlay, grpc://127.0.0.1:5555 or ws://127.0.0.1:5555
    """
    if isinstance(text, Address):
        return text
    if not isinstance(text, str):
        raise InvalidAddress(f"an address must be a string, not {type(text).__name__}")
    scheme, separator, rest = text.strip().partition("://")
    if not separator:
        raise InvalidAddress(f"{text!r} has no scheme; expected {_EXAMPLES}")
    scheme = scheme.lower()
    if scheme not in SCHEMES:
        raise InvalidAddress(f"{text!r}: unknown scheme {scheme!r}; expected {_EXAMPLES}")
    if scheme in _PATH_SCHEMES:
        return Address(scheme, path=_parse_unix_path(text, rest, scheme))
    host, port = _parse_host_port(text, rest)
    return Address(scheme, host=host, port=port)


def _parse_unix_path(text: str, path: str, scheme: str = "unix") -> str:
    if not path.startswith("/"):
        raise InvalidAddress(
            f"{text!r}: a {scheme} address needs an absolute path, e.g. {scheme}:///tmp/rlay.sock"
        )
    if "\0" in path:
        raise InvalidAddress(f"{text!r}: the path contains a NUL character")
    if len(os.fsencode(path)) > _UNIX_PATH_MAX:
        raise InvalidAddress(
            f"{text!r}: the socket path is longer than the {_UNIX_PATH_MAX} bytes "
            "the operating system allows"
        )
    return path


def _parse_host_port(text: str, rest: str) -> tuple[str, int]:
    if "/" in rest or "?" in rest or "#" in rest or "@" in rest:
        raise InvalidAddress(f"{text!r}: expected only HOST:PORT after the scheme")
    if rest.startswith("["):
        host, bracket, tail = rest[1:].partition("]")
        if not bracket or not host:
            raise InvalidAddress(f"{text!r}: an IPv6 host must be written as [addr], e.g. [::1]")
        if not tail.startswith(":"):
            raise InvalidAddress(f"{text!r}: missing :PORT after the host")
        port_text = tail[1:]
    else:
        host, colon, port_text = rest.rpartition(":")
        if not colon:
            raise InvalidAddress(f"{text!r}: missing :PORT (use port 0 to pick a free one)")
        if ":" in host:
            raise InvalidAddress(f"{text!r}: write an IPv6 host in brackets, e.g. tcp://[::1]:5555")
    if any(character.isspace() for character in host):
        raise InvalidAddress(f"{text!r}: the host contains whitespace")
    return host or DEFAULT_HOST, _parse_port(text, port_text)


def _parse_port(text: str, port_text: str) -> int:
    if not port_text.isascii() or not port_text.isdigit():
        raise InvalidAddress(f"{text!r}: the port {port_text!r} is not a number from 0 to 65535")
    port = int(port_text)
    if port > 65535:
        raise InvalidAddress(f"{text!r}: the port {port} is not a number from 0 to 65535")
    return port
