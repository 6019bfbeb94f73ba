"""The `godot` conformance peer's command line (conformance/PEERS.md), served by one engine.

    python godot/harness/peer.py --env NAME --mode dial --address ws://HOST:PORT [--token T]

Starting the web engine costs seconds, so one engine page serves every session:
the first call starts ``node godot/harness/engine.mjs serve`` (detached; it exits by
itself after 20 idle seconds) and each call hands it one job over a Unix socket,
relays the job's log to stderr and exits with the job's exit code. The engine can
only dial ws:// (a browser has no TCP and cannot listen): anything else exits 2.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PCK = HERE.parent / ".build" / "peer.pck"
START_TIMEOUT = 120.0  # the engine page, a retried start included
JOB_TIMEOUT = 900.0
IDLE_SECONDS = 20


def socket_path() -> Path:
    digest = hashlib.sha256(PCK.read_bytes()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"rlay-godot-{os.getuid()}-{digest}.sock"


def _connect(path: Path) -> socket.socket | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(path))
    except OSError:
        sock.close()
        return None
    return sock


def engine_connection() -> socket.socket:
    """A connection to the serving engine, started here when none runs."""
    path = socket_path()
    sock = _connect(path)
    if sock is not None:
        return sock
    with open(f"{path}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one starter at a time
        sock = _connect(path)
        if sock is not None:
            return sock
        log = open(f"{path}.log", "ab")  # noqa: SIM115 - the engine owns it
        engine = subprocess.Popen(
            ["node", str(HERE / "engine.mjs"), "serve", "--pck", str(PCK),
             "--socket", str(path), "--idle", str(IDLE_SECONDS)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if engine.poll() is not None:
                tail = Path(f"{path}.log").read_text(errors="replace")[-3000:]
                raise SystemExit(f"the Godot engine did not start:\n{tail}")
            sock = _connect(path)
            if sock is not None:
                return sock
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(engine.pid, 9)
        raise SystemExit(
            f"the Godot engine did not listen on {path} within {START_TIMEOUT} s"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env")
    parser.add_argument("--mode", choices=["listen", "dial"])
    parser.add_argument("--address", default="")
    parser.add_argument("--token", default="")
    parser.add_argument(
        "--warm",
        action="store_true",
        help="only start the serving engine (a build step)",
    )
    args = parser.parse_args(argv)
    if args.warm:
        engine_connection().close()
        return 0
    if not args.env or not args.mode:
        parser.error("--env and --mode are required")
    if args.mode != "dial" or not args.address.startswith("ws://"):
        print("the Godot web engine can only dial ws:// addresses", file=sys.stderr)
        return 2
    if not PCK.exists():
        print(
            f"{PCK} is missing: python godot/harness/project.py build peer",
            file=sys.stderr,
        )
        return 2
    job = {
        "env": args.env,
        "mode": args.mode,
        "address": args.address,
        "token": args.token,
    }
    with engine_connection() as sock:
        sock.sendall((json.dumps(job) + "\n").encode("utf-8"))
        sock.settimeout(JOB_TIMEOUT)
        stream = sock.makefile("r", encoding="utf-8", errors="replace")
        for line in stream:
            text = line.rstrip("\n")
            if text.startswith("EXIT "):
                return int(text[5:])
            print(text, file=sys.stderr, flush=True)
    print("the engine ended the job without an exit code", file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main())
