"""Tokens and exposure: who may talk to a listener.

A listener on loopback, a Unix socket or shared memory is reachable from this machine
only. One on any other address is reachable from the network, so it must have a token
(the shared secret the env side checks in the handshake, compared in constant time);
``insecure=True`` overrides that, e.g. on an isolated private network. Tokens not given
to the API come from ``RLAY_TOKEN``.

>>> is_loopback("tcp://127.0.0.1:0"), is_loopback("unix:///tmp/a.sock")
(True, True)
>>> is_loopback("tcp://0.0.0.0:7000")
False
>>> check_exposure("tcp://0.0.0.0:7000", token=None, insecure=False)
Traceback (most recent call last):
...
rlay.errors.UnsafeListener: refusing to listen on tcp://0.0.0.0:7000 without a token: ...
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket

from rlay.address import Address, parse_address
from rlay.errors import UnsafeListener

__all__ = ["TOKEN_VARIABLE", "check_exposure", "is_loopback", "resolve_token"]

logger = logging.getLogger("rlay.security")

#: The environment variable a token is taken from when the API is given none.
TOKEN_VARIABLE = "RLAY_TOKEN"


def resolve_token(token: str | None) -> str | None:
    """``token``, or else ``$RLAY_TOKEN``; empty means none.

    >>> resolve_token("abc")
    'abc'
    """
    if token is None:
        token = os.environ.get(TOKEN_VARIABLE)
    return token or None


def is_loopback(address: str | Address) -> bool:
    """True when only this machine can reach ``address`` (loopback, unix, shm)."""
    parsed = parse_address(address)
    if parsed.scheme in ("unix", "shm"):
        return True
    host = parsed.host
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:  # a host name: loopback only if every address it names is
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(str(i[4][0])).is_loopback for i in infos)


def check_exposure(address: str | Address, *, token: str | None, insecure: bool) -> None:
    """Refuse to listen on a non-loopback ``address`` without a token unless ``insecure``;
    warn when a token would travel in clear there (tcp:// rather than tls://)."""
    if is_loopback(address):
        return
    parsed = parse_address(address)
    if not token and not insecure:
        raise UnsafeListener(
            f"refusing to listen on {parsed} without a token: anyone who can reach this "
            "machine could connect to it. Pass token=... (or set RLAY_TOKEN), best with a "
            "tls:// address so that the token is not sent in clear; or pass insecure=True "
            "(--insecure) to listen anyway, e.g. on an isolated network"
        )
    if token and parsed.scheme == "tcp":
        logger.warning(
            "%s: the token travels unencrypted over tcp://; use tls:// on untrusted networks",
            parsed,
        )
    elif insecure and not token:
        logger.warning("%s: listening without a token (insecure=True)", parsed)
