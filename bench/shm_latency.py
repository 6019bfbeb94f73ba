"""Round trip of a small frame between two processes: shm:// against unix:// and tcp://.

Prints, per transport, the median and 90th percentile round trip and the CPU
time one round trip costs, summed over both processes (user + system, from
``resource.getrusage``; the echo process measures its own share). Run::

    python bench/shm_latency.py --rounds 20000 --size 64

The echo side dials in, so the numbers include nothing but the transport.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from rlay.transports import listen

_ECHO = """
import resource, sys
from rlay.transports import connect

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

connection = connect(sys.argv[1], side="env", timeout=10.0)
start = cpu()
while True:
    frame = connection.recv(timeout=10.0)
    if frame == b"go":  # the warm-up is over: count from here
        start = cpu()
    elif frame == b"stop":
        break
    connection.send(frame)
connection.send(repr(cpu() - start).encode())
connection.recv(timeout=10.0)
"""


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(address: str, rounds: int, size: int) -> dict[str, float]:
    """Median/p90 round trip (µs) and CPU µs per round trip over both processes."""
    listener = listen(address, side="agent")
    child = subprocess.Popen([sys.executable, "-c", _ECHO, listener.address])
    try:
        connection = listener.accept(timeout=30.0)
        payload = b"x" * size
        for _ in range(min(rounds // 10, 2000)):  # warm up
            connection.send(payload)
            connection.recv(timeout=10.0)
        connection.send(b"go")
        connection.recv(timeout=10.0)
        samples = []
        cpu = _cpu()
        clock = time.perf_counter_ns
        for _ in range(rounds):
            started = clock()
            connection.send(payload)
            connection.recv(timeout=10.0)
            samples.append(clock() - started)
        own_cpu = _cpu() - cpu
        connection.send(b"stop")
        child_cpu = float(connection.recv(timeout=10.0))
        connection.send(b"bye")
        connection.close()
        child.wait(timeout=10.0)
    finally:
        listener.close()
        if child.poll() is None:
            child.kill()
    samples.sort()
    return {
        "median_us": statistics.median(samples) / 1e3,
        "p90_us": samples[int(len(samples) * 0.9)] / 1e3,
        "cpu_us": (own_cpu + child_cpu) / rounds * 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20000)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--transports", default="shm,unix,tcp")
    args = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="rlay-bench-", dir="/tmp")
    print(f"{'transport':<10}{'median µs':>11}{'p90 µs':>9}{'CPU µs/rt':>11}")
    try:
        for name in args.transports.split(","):
            address = "tcp://127.0.0.1:0" if name == "tcp" else f"{name}://{directory}/{name}"
            result = measure(address, args.rounds, args.size)
            print(
                f"{name:<10}{result['median_us']:>11.1f}{result['p90_us']:>9.1f}"
                f"{result['cpu_us']:>11.1f}"
            )
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
