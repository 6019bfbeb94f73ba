"""Address parsing: the three schemes, defaults, IPv6 and clear errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlay.address import DEFAULT_HOST, Address, parse_address
from rlay.errors import InvalidAddress

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize(
    ("text", "expected", "canonical"),
    [
        ("tcp://127.0.0.1:5555", Address("tcp", "127.0.0.1", 5555), "tcp://127.0.0.1:5555"),
        ("tcp://:5555", Address("tcp", DEFAULT_HOST, 5555), "tcp://127.0.0.1:5555"),
        ("tcp://:0", Address("tcp", "127.0.0.1", 0), "tcp://127.0.0.1:0"),
        ("tcp://localhost:80", Address("tcp", "localhost", 80), "tcp://localhost:80"),
        ("tcp://0.0.0.0:65535", Address("tcp", "0.0.0.0", 65535), "tcp://0.0.0.0:65535"),
        ("TCP://example.org:1", Address("tcp", "example.org", 1), "tcp://example.org:1"),
        ("  tcp://:7  ", Address("tcp", "127.0.0.1", 7), "tcp://127.0.0.1:7"),
        ("tcp://[::1]:5555", Address("tcp", "::1", 5555), "tcp://[::1]:5555"),
        ("grpc://[fe80::1]:9", Address("grpc", "fe80::1", 9), "grpc://[fe80::1]:9"),
        ("grpc://127.0.0.1:5555", Address("grpc", "127.0.0.1", 5555), "grpc://127.0.0.1:5555"),
        ("grpc://:0", Address("grpc", "127.0.0.1", 0), "grpc://127.0.0.1:0"),
        ("ws://127.0.0.1:5555", Address("ws", "127.0.0.1", 5555), "ws://127.0.0.1:5555"),
        ("WS://[::1]:0", Address("ws", "::1", 0), "ws://[::1]:0"),
        ("unix:///tmp/x.sock", Address("unix", path="/tmp/x.sock"), "unix:///tmp/x.sock"),
        ("unix:///a b/c", Address("unix", path="/a b/c"), "unix:///a b/c"),
    ],
)
def test_valid_addresses(text: str, expected: Address, canonical: str) -> None:
    address = parse_address(text)
    assert address == expected
    assert str(address) == canonical
    assert parse_address(canonical) == address


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "no scheme"),
        ("127.0.0.1:5555", "no scheme"),
        ("http://127.0.0.1:80", "unknown scheme"),
        ("udp://:5", "unknown scheme"),
        ("tcp://127.0.0.1", "missing :PORT"),
        ("tcp://", "missing :PORT"),
        ("tcp://host:", "not a number"),
        ("tcp://host:abc", "not a number"),
        ("tcp://host:-1", "not a number"),
        ("tcp://host:+1", "not a number"),
        ("tcp://host:65536", "not a number"),
        ("tcp://host:٣", "not a number"),
        ("tcp://::1:5555", "brackets"),
        ("tcp://[::1]", "missing :PORT"),
        ("tcp://[::1]5555", "missing :PORT"),
        ("tcp://[]:5555", "[addr]"),
        ("tcp://[::1:5555", "[addr]"),
        ("tcp://host:5555/path", "only HOST:PORT"),
        ("tcp://user@host:5555", "only HOST:PORT"),
        ("tcp://a b:5555", "whitespace"),
        ("grpc://host", "missing :PORT"),
        ("ws://127.0.0.1:5555/path", "only HOST:PORT"),
        ("unix://relative.sock", "absolute path"),
        ("unix://", "absolute path"),
        ("unix:///" + "a" * 200, "longer than"),
        ("unix:///tmp/a\0b", "NUL"),
    ],
)
def test_invalid_addresses(text: str, reason: str) -> None:
    with pytest.raises(InvalidAddress) as caught:
        parse_address(text)
    message = str(caught.value)
    assert reason in message
    assert repr(text) in message or repr(text.strip()) in message
    assert isinstance(caught.value, ValueError)


def test_non_string_is_refused() -> None:
    with pytest.raises(InvalidAddress, match="must be a string"):
        parse_address(5555)  # type: ignore[arg-type]


def test_address_passes_through() -> None:
    address = Address("tcp", "127.0.0.1", 1)
    assert parse_address(address) is address


def test_with_port_and_repr() -> None:
    address = parse_address("grpc://[::1]:0").with_port(40123)
    assert str(address) == "grpc://[::1]:40123"
    assert repr(address) == "Address('grpc://[::1]:40123')"
    assert address.scheme == "grpc"


def test_addresses_are_hashable_and_frozen() -> None:
    address = parse_address("tcp://:1")
    assert {address, parse_address("tcp://127.0.0.1:1")} == {address}
    with pytest.raises(AttributeError):
        address.port = 2  # type: ignore[misc]


_hosts = st.one_of(
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(str),
    st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z][a-z0-9-]{0,10}){0,3}", fullmatch=True),
)


@given(
    scheme=st.sampled_from(["tcp", "grpc", "ws"]),
    host=_hosts,
    port=st.integers(min_value=0, max_value=65535),
)
@settings(max_examples=200, deadline=None)
def test_host_port_round_trip(scheme: str, host: str, port: int) -> None:
    address = Address(scheme, host, port)  # type: ignore[arg-type]
    assert parse_address(str(address)) == address


@given(path=st.from_regex(r"(/[A-Za-z0-9._-]{1,12}){1,5}", fullmatch=True))
@settings(max_examples=100, deadline=None)
def test_unix_round_trip(path: str) -> None:
    address = Address("unix", path=path)
    assert parse_address(str(address)) == address
