"""tls:// and tokens: certificates made at test time; every failure typed, the listener lives."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from conftest import IN_CI, TIMEOUT

import rlay
from rlay.security import check_exposure, is_loopback

pytestmark = pytest.mark.timeout(60)

TOKEN = "s3cret-token"


@dataclass(frozen=True)
class Pki:
    server: rlay.TLSOptions  # the listener's certificate, for localhost and 127.0.0.1
    client: rlay.TLSOptions  # trusts the CA that signed it
    stranger: rlay.TLSOptions  # trusts another CA only
    ca: str
    client_cert: tuple[str, str]  # a client certificate signed by the CA


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    # Imported here: sessions that only select other markers (sb3, rllib) collect this
    # module without the cryptography package.
    from certs import issue, make_ca

    directory = tmp_path_factory.mktemp("pki")
    ca = make_ca(directory, "rlay-test")
    other = make_ca(directory, "other")
    cert, key = issue(directory, ca, "server", ["localhost", "127.0.0.1"])
    client_cert = issue(directory, ca, "client", ["agent"], client=True)
    return Pki(
        server=rlay.TLSOptions(certfile=cert, keyfile=key),
        client=rlay.TLSOptions(cafile=ca.cert_path),
        stranger=rlay.TLSOptions(cafile=other.cert_path),
        ca=ca.cert_path,
        client_cert=client_cert,
    )


@pytest.fixture
def tls_host(pki: Pki) -> Iterator[rlay.Host]:
    with rlay.serve("CartPole-v1", "tls://127.0.0.1:0", tls=pki.server, token=TOKEN) as host:
        yield host


def _need(scheme: str) -> None:
    if scheme == "grpcs" and not IN_CI:
        pytest.importorskip("grpc")


# The checks every TLS transport passes alike: tcp inside TLS and gRPC inside TLS.
SECURE = ["tls", "grpcs"]


@pytest.fixture(params=SECURE)
def secure_host(pki: Pki, request: pytest.FixtureRequest) -> Iterator[rlay.Host]:
    _need(request.param)
    address = f"{request.param}://127.0.0.1:0"
    with rlay.serve("CartPole-v1", address, tls=pki.server, token=TOKEN) as host:
        yield host


def _trajectory(env: gym.Env, steps: int = 60) -> list[tuple[list[float], float, bool, bool]]:
    obs, _ = env.reset(seed=11)
    out = [(np.asarray(obs).tolist(), 0.0, False, False)]
    for t in range(steps):
        obs, reward, terminated, truncated, _ = env.step((t * 7 // 3) % 2)
        out.append((np.asarray(obs).tolist(), float(reward), terminated, truncated))
        if terminated or truncated:
            obs, _ = env.reset()
            out.append((np.asarray(obs).tolist(), 0.0, False, False))
    return out


def _works(address: str, tls: rlay.TLSOptions | None, token: str | None = TOKEN) -> None:
    with rlay.ClientEnv(address, tls=tls, token=token, timeout=TIMEOUT) as env:
        obs, _ = env.reset(seed=0)
        assert obs.shape == (4,)


@pytest.mark.parametrize("scheme", SECURE)
def test_tls_and_a_token_on_a_network_address_reproduce_a_local_trajectory(
    pki: Pki, scheme: str
) -> None:
    _need(scheme)
    # Bound to every interface (not loopback), so the token is required; dialled locally.
    host = rlay.serve("CartPole-v1", f"{scheme}://0.0.0.0:0", tls=pki.server, token=TOKEN)
    host.start()
    try:
        port = host.address.rsplit(":", 1)[1]
        with rlay.ClientEnv(f"{scheme}://127.0.0.1:{port}", tls=pki.client, token=TOKEN) as env:
            remote = _trajectory(env)
        local = _trajectory(gym.make("CartPole-v1"))
        assert remote == local
        assert any(step[2] for step in local)  # an episode ended on the way
    finally:
        host.close()


def test_a_client_that_does_not_trust_the_ca_gets_a_tls_error(
    secure_host: rlay.Host, pki: Pki
) -> None:
    address = secure_host.address
    with pytest.raises(rlay.TLSError, match="not trusted"):
        rlay.ClientEnv(address, tls=pki.stranger, token=TOKEN, connect_timeout=TIMEOUT)
    _works(address, pki.client)  # the listener keeps serving


def test_a_wrong_host_name_gets_a_tls_error(secure_host: rlay.Host, pki: Pki) -> None:
    wrong = rlay.TLSOptions(cafile=pki.ca, server_hostname="game.example.org")
    with pytest.raises(rlay.TLSError, match=r"game\.example\.org"):
        rlay.ClientEnv(secure_host.address, tls=wrong, token=TOKEN, connect_timeout=TIMEOUT)
    _works(secure_host.address, pki.client)


def test_a_plaintext_client_is_told_the_listener_wants_tls(tls_host: rlay.Host, pki: Pki) -> None:
    plain = tls_host.address.replace("tls://", "tcp://")
    with pytest.raises(rlay.Unauthenticated, match="accepts TLS connections only"):
        rlay.ClientEnv(plain, token=TOKEN, connect_timeout=TIMEOUT)
    _works(tls_host.address, pki.client)


@pytest.mark.parametrize("plain", ["tcp", "grpc"])
def test_a_tls_client_to_a_plaintext_listener_gets_a_tls_error(pki: Pki, plain: str) -> None:
    _need("grpcs" if plain == "grpc" else "tls")
    with rlay.serve("CartPole-v1", f"{plain}://127.0.0.1:0") as host:
        secure = host.address.replace(f"{plain}://", "tls://" if plain == "tcp" else "grpcs://")
        with pytest.raises(rlay.TLSError, match=f"plaintext {plain}://"):
            rlay.ClientEnv(secure, tls=pki.client, connect_timeout=TIMEOUT)
        _works(host.address, None, token=None)


def test_the_token_is_checked_over_tls(secure_host: rlay.Host, pki: Pki) -> None:
    address = secure_host.address
    with pytest.raises(rlay.Unauthenticated):
        rlay.ClientEnv(address, tls=pki.client, token="wrong", connect_timeout=TIMEOUT)
    _works(address, pki.client)


@pytest.mark.parametrize("scheme", SECURE)
def test_client_certificates_when_the_listener_asks_for_them(pki: Pki, scheme: str) -> None:
    _need(scheme)
    server = rlay.TLSOptions(
        certfile=pki.server.certfile,
        keyfile=pki.server.keyfile,
        cafile=pki.ca,
        require_client_cert=True,
    )
    with rlay.serve("CartPole-v1", f"{scheme}://127.0.0.1:0", tls=server) as host:
        cert, key = pki.client_cert
        _works(host.address, rlay.TLSOptions(certfile=cert, keyfile=key, cafile=pki.ca), None)
        # Refused in the handshake or at the first read (grpc: the channel never connects).
        with pytest.raises(rlay.RlayError):
            rlay.ClientEnv(host.address, tls=pki.client, connect_timeout=3.0, timeout=TIMEOUT)
        _works(host.address, rlay.TLSOptions(certfile=cert, keyfile=key, cafile=pki.ca), None)


def test_a_server_env_over_tls_with_a_dialling_env(pki: Pki) -> None:
    env = rlay.ServerEnv("tls://127.0.0.1:0", tls=pki.server, token=TOKEN, wait=False)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            rlay.dial("CartPole-v1", env.address, tls=pki.client, token=TOKEN)
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        obs, _ = env.reset(seed=3)
        np.testing.assert_array_equal(obs, gym.make("CartPole-v1").reset(seed=3)[0])
    finally:
        env.close()
        thread.join(TIMEOUT)
    assert not errors


@pytest.mark.parametrize("scheme", SECURE)
def test_a_listener_without_its_certificate_says_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, scheme: str
) -> None:
    _need(scheme)
    monkeypatch.delenv("RLAY_TLS_CERT", raising=False)
    with pytest.raises(rlay.TLSError, match="needs a certificate"):
        rlay.serve("CartPole-v1", f"{scheme}://127.0.0.1:0")


def test_certificates_from_the_environment(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    assert pki.server.certfile
    assert pki.server.keyfile
    monkeypatch.setenv("RLAY_TLS_CERT", pki.server.certfile)
    monkeypatch.setenv("RLAY_TLS_KEY", pki.server.keyfile)
    monkeypatch.setenv("RLAY_TLS_CA", pki.ca)
    with rlay.serve("CartPole-v1", "tls://127.0.0.1:0") as host:
        _works(host.address, None, token=None)


# -- tokens and exposure --------------------------------------------------------------


def test_a_network_listener_without_a_token_refuses_to_start() -> None:
    with pytest.raises(rlay.UnsafeListener, match="without a token") as caught:
        rlay.serve("CartPole-v1", "tcp://0.0.0.0:0")
    assert "insecure=True" in str(caught.value)
    assert "RLAY_TOKEN" in str(caught.value)
    with pytest.raises(rlay.UnsafeListener):
        rlay.ServerEnv("tcp://0.0.0.0:0", accept_timeout=0.1)
    with rlay.serve("CartPole-v1", "tcp://0.0.0.0:0", insecure=True) as host:
        port = host.address.rsplit(":", 1)[1]
        _works(f"tcp://127.0.0.1:{port}", None, token=None)


def test_the_cli_refuses_a_network_listener_without_a_token() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rlay", "serve", "CartPole-v1", "--address", "tcp://0.0.0.0:0"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(Path.home())},
    )
    assert result.returncode == 1
    assert "refusing to listen on tcp://0.0.0.0:0 without a token" in result.stderr
    assert "--insecure" in result.stderr


def test_the_token_comes_from_rlay_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RLAY_TOKEN", TOKEN)
    with rlay.serve("CartPole-v1", "tcp://0.0.0.0:0") as host:  # a token: allowed
        port = host.address.rsplit(":", 1)[1]
        address = f"tcp://127.0.0.1:{port}"
        _works(address, None, token=None)  # ClientEnv takes RLAY_TOKEN too
        with pytest.raises(rlay.Unauthenticated):
            rlay.ClientEnv(address, token="wrong", connect_timeout=TIMEOUT)


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("tcp://127.0.0.1:0", True),
        ("tcp://127.8.0.1:0", True),
        ("tcp://[::1]:0", True),
        ("tcp://localhost:0", True),
        ("unix:///tmp/x.sock", True),
        ("tcp://0.0.0.0:0", False),
        ("tls://[::]:0", False),
        ("tcp://192.0.2.7:0", False),
    ],
)
def test_which_addresses_are_loopback(address: str, loopback: bool) -> None:
    assert is_loopback(address) is loopback


def test_check_exposure_allows_loopback_and_tokens() -> None:
    check_exposure("tcp://127.0.0.1:0", token=None, insecure=False)
    check_exposure("tls://0.0.0.0:0", token="x", insecure=False)
    check_exposure("tcp://0.0.0.0:0", token=None, insecure=True)


# -- wss:// ---------------------------------------------------------------------------


def test_wss_reproduces_a_local_trajectory_and_checks_the_certificate(pki: Pki) -> None:
    if not IN_CI:
        pytest.importorskip("websockets")
    with rlay.serve("CartPole-v1", "wss://127.0.0.1:0", tls=pki.server, token=TOKEN) as host:
        assert host.address.startswith("wss://")
        with pytest.raises(rlay.TLSError, match="not trusted"):
            rlay.ClientEnv(host.address, tls=pki.stranger, token=TOKEN, connect_timeout=TIMEOUT)
        with rlay.ClientEnv(host.address, tls=pki.client, token=TOKEN) as env:
            remote = _trajectory(env)
    assert remote == _trajectory(gym.make("CartPole-v1"))


# -- grpcs:// ---------------------------------------------------------------------------


@pytest.fixture
def grpcs_host(pki: Pki) -> Iterator[rlay.Host]:
    _need("grpcs")
    with rlay.serve("CartPole-v1", "grpcs://127.0.0.1:0", tls=pki.server, token=TOKEN) as host:
        yield host


def test_grpcs_a_plaintext_client_is_told_the_listener_wants_tls(
    grpcs_host: rlay.Host, pki: Pki
) -> None:
    plain = grpcs_host.address.replace("grpcs://", "grpc://")
    with pytest.raises(rlay.TLSError, match="is a TLS listener: dial grpcs://"):
        rlay.ClientEnv(plain, token=TOKEN, connect_timeout=TIMEOUT)
    _works(grpcs_host.address, pki.client)


@pytest.mark.parametrize(("scheme", "package"), [("wss", "websockets"), ("grpcs", "grpc")])
def test_a_game_dials_a_secure_server_env(pki: Pki, scheme: str, package: str) -> None:
    if not IN_CI:
        pytest.importorskip(package)
    env = rlay.ServerEnv(f"{scheme}://127.0.0.1:0", tls=pki.server, wait=False)
    thread = threading.Thread(
        target=rlay.dial, args=("CartPole-v1", env.address), kwargs={"tls": pki.client}
    )
    thread.start()
    try:
        obs, _ = env.reset(seed=5)
        np.testing.assert_array_equal(obs, gym.make("CartPole-v1").reset(seed=5)[0])
    finally:
        env.close()
        thread.join(TIMEOUT)
