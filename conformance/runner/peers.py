"""The peers registry (peers.toml), building peers and running their processes.

>>> [p.name for p in load_registry()][:1]
['python']
"""

from __future__ import annotations

import atexit
import contextlib
import os
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

CONFORMANCE = Path(__file__).resolve().parent.parent
ROOT = CONFORMANCE.parent
REGISTRY = CONFORMANCE / "peers.toml"
EXPECTED_FAILURES = CONFORMANCE / "expected_failures"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _expand(text: str) -> str:
    return text.replace("{python}", sys.executable).replace("{root}", str(ROOT))


@dataclass(frozen=True)
class Peer:
    name: str
    language: str
    workdir: Path
    build: tuple[str, ...]
    run: tuple[str, ...]
    toolchain: tuple[str, ...] = ()
    transports: tuple[str, ...] = ("tcp", "unix")
    # Modes the peer can run at all ("client": it listens, "server": it dials).
    modes: tuple[str, ...] = ("client", "server")
    # Why the modes and transports it lacks cannot run (reported, never counted as passed).
    not_runnable: str = ""

    def missing_toolchain(self) -> list[str]:
        return [tool for tool in self.toolchain if shutil.which(tool) is None]


def load_registry(path: Path = REGISTRY) -> list[Peer]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    peers = []
    for entry in data.get("peer", []):
        peers.append(
            Peer(
                name=entry["name"],
                language=entry.get("language", ""),
                workdir=(ROOT / entry.get("workdir", ".")).resolve(),
                build=tuple(_expand(c) for c in entry.get("build", [])),
                run=tuple(_expand(a) for a in entry["run"]),
                toolchain=tuple(entry.get("toolchain", [])),
                transports=tuple(entry.get("transports", ["tcp", "unix"])),
                modes=tuple(entry.get("modes", ["client", "server"])),
                not_runnable=entry.get("not_runnable", ""),
            )
        )
    return peers


def load_expected_failures(peer: str) -> dict[str, str]:
    """``{"mode/case": reason}`` from expected_failures/<peer>.txt (missing file: none)."""
    path = EXPECTED_FAILURES / f"{peer}.txt"
    if not path.exists():
        return {}
    entries: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, _, reason = line.partition("#")
        if name.strip():
            entries[name.strip()] = reason.strip() or "listed in " + path.name
    return entries


def build(peer: Peer) -> str | None:
    """Run the peer's build commands; None on success, else the reason."""
    for command in peer.build:
        try:
            done = subprocess.run(
                command, shell=True, cwd=peer.workdir, capture_output=True, text=True, timeout=900
            )
        except subprocess.TimeoutExpired:
            return f"build command {command!r} ran past 900 s"
        if done.returncode != 0:
            tail = (done.stdout + done.stderr)[-3000:]
            return f"build command {command!r} exited with {done.returncode}:\n{tail}"
    return None


@dataclass
class PeerProcess:
    """One running peer process; stderr goes to a file for failure messages."""

    argv: list[str]
    cwd: Path
    process: subprocess.Popen[bytes] = field(init=False)
    stderr: IO[bytes] = field(init=False)

    def __post_init__(self) -> None:
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in terminate()
        self.process = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            start_new_session=True,
        )

    def stderr_tail(self, limit: int = 2500) -> str:
        with contextlib.suppress(ValueError, OSError):
            self.stderr.flush()
            self.stderr.seek(0)
            return self.stderr.read().decode("utf-8", "replace")[-limit:]
        return ""

    def describe(self) -> str:
        return f"peer {shlex.join(self.argv)}\n--- peer stderr (tail) ---\n{self.stderr_tail()}"

    def wait_ready(self, timeout: float = 30.0) -> str:
        """The address of the READY line (listen mode)."""
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        line = b""
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.process.poll() is not None:
                raise AssertionError(f"no READY line within {timeout:g} s\n{self.describe()}")
            ready, _, _ = select.select([self.process.stdout], [], [], min(remaining, 0.2))
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 1)
                if not chunk:
                    continue
                line += chunk
        text = line.decode("utf-8", "replace").strip()
        word, _, address = text.partition(" ")
        if word != "READY" or not address:
            raise AssertionError(f"expected 'READY <address>' on stdout, got {text!r}")
        return address

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait(self, timeout: float) -> int | None:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def terminate(self, grace: float = 5.0) -> int | None:
        """SIGTERM, then SIGKILL after ``grace``; the exit code after SIGTERM (None: killed)."""
        code = self.process.poll()
        if code is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            code = self.wait(grace)
            if code is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5.0)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return code

    def close_files(self) -> None:
        with contextlib.suppress(OSError):
            self.stderr.close()


def command(peer: Peer, env: str, mode: str, address: str, token: str | None) -> list[str]:
    argv = [*peer.run, "--env", env, "--mode", mode, "--address", address]
    if token is not None:
        argv += ["--token", token]
    return argv


class ListenerPool:
    """Listening peers, started once per (peer, env, transport, token) and shared by cases.

    Each connection to a peer is a fresh session, so cases do not disturb each other;
    a peer found dead is restarted (the case that killed it fails on its own)."""

    def __init__(self, sockets_dir: Path) -> None:
        self.sockets_dir = sockets_dir
        self.running: dict[tuple[str, str, str, str | None], tuple[PeerProcess, str]] = {}
        self.counter = 0
        # Listeners live in their own process groups: end them even if pytest is interrupted.
        atexit.register(self.close)

    def fresh_address(self, transport: str) -> str:
        if transport in ("tcp", "ws"):
            return f"{transport}://127.0.0.1:0"
        self.counter += 1
        return f"unix://{self.sockets_dir}/p{self.counter}.sock"

    def start(
        self, peer: Peer, env: str, transport: str, token: str | None
    ) -> tuple[PeerProcess, str]:
        argv = command(peer, env, "listen", self.fresh_address(transport), token)
        process = PeerProcess(argv, peer.workdir)
        try:
            return process, process.wait_ready()
        except BaseException:
            process.terminate(1.0)
            raise

    def get(
        self, peer: Peer, env: str, transport: str, token: str | None = None
    ) -> tuple[PeerProcess, str]:
        key = (peer.name, env, transport, token)
        entry = self.running.get(key)
        if entry is not None and entry[0].alive():
            return entry
        entry = self.start(peer, env, transport, token)
        self.running[key] = entry
        return entry

    def close(self) -> None:
        for process, _ in self.running.values():
            process.terminate(3.0)
            process.close_files()
        self.running.clear()


def unix_dir() -> Path:
    # Short paths: a Unix socket path must fit in about 100 bytes.
    return Path(tempfile.mkdtemp(prefix="rlayconf-", dir="/tmp"))
