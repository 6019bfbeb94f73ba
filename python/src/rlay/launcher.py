"""Start an env program (a game build, a script) and watch it.

The program gets the address to dial as ``-rlay-address ADDR`` (or wherever its command
says ``{address}``) and in the environment (``RLAY_ADDRESS``, ``RLAY_TOKEN``). Its stderr
is read by a background thread, echoed to ours and kept in a bounded buffer, so that when
it dies the error can say how: :class:`~rlay.errors.ProcessDied` carries its exit code and
last lines.

Example::

    process = Launcher(["./Game.x86_64", "-batchmode"], "tcp://127.0.0.1:41000")
    ...
    process.stop()
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import shlex
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import IO

from rlay.errors import ProcessDied

__all__ = ["ADDRESS_FIELD", "ADDRESS_FLAG", "Launcher"]

logger = logging.getLogger("rlay.launcher")

#: The command-line flag that carries the address (Unity-style single dash).
ADDRESS_FLAG = "-rlay-address"
#: In an argument of the command, replaced by the address (then no flag is appended), e.g.
#: ``["peer.exe", "--address", "{address}"]``.
ADDRESS_FIELD = "{address}"


class Launcher:
    """A launched env process with its stderr tail.

    ``echo_stderr`` copies the program's stderr lines to this process's stderr as they
    arrive; ``tail_lines`` of them are kept for :class:`~rlay.errors.ProcessDied`.
    """

    def __init__(
        self,
        command: Sequence[str],
        address: str,
        *,
        token: str | None = None,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        echo_stderr: bool = True,
        tail_lines: int = 20,
    ) -> None:
        if not command:
            raise ValueError("launch needs a command, e.g. ['./Game.x86_64']")
        if any(ADDRESS_FIELD in part for part in command):
            # A program with its own command line says where the address goes.
            self.command = [part.replace(ADDRESS_FIELD, address) for part in command]
        else:
            self.command = [*command, ADDRESS_FLAG, address]
        child_env = dict(os.environ if env is None else env)
        child_env["RLAY_ADDRESS"] = address
        if token:
            child_env["RLAY_TOKEN"] = token
        else:
            child_env.pop("RLAY_TOKEN", None)
        self._tail: collections.deque[str] = collections.deque(maxlen=tail_lines)
        self._echo = echo_stderr
        logger.info("launching %s", shlex.join(self.command))
        try:
            self.process = subprocess.Popen(
                self.command,
                env=child_env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                # Its own session: a Ctrl-C at the terminal reaches Python, whose
                # ServerEnv.close() says goodbye and ends the program, instead of killing
                # the program mid-start with a traceback of its own.
                start_new_session=True,
            )
        except OSError as error:
            raise ProcessDied(shlex.join(self.command), None, str(error)) from error
        assert self.process.stderr is not None
        self._reader = threading.Thread(
            target=self._read_stderr, args=(self.process.stderr,), name="rlay-stderr", daemon=True
        )
        self._reader.start()

    @property
    def pid(self) -> int:
        """The process id."""
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        """The exit code, or None while the program runs."""
        return self.process.poll()

    def stderr_tail(self) -> str:
        """The last lines the program wrote to stderr."""
        return "".join(self._tail).rstrip("\n")

    def died(self, wait: float = 0.0) -> ProcessDied | None:
        """A ProcessDied describing the exit if the program has exited (waiting up to
        ``wait`` seconds for it to do so), else None."""
        try:
            code = self.process.wait(wait) if wait > 0 else self.process.poll()
        except subprocess.TimeoutExpired:
            return None
        if code is None:
            return None
        # The reader reaches end-of-file once the process is gone: wait so the tail is whole.
        self._reader.join(1.0)
        return ProcessDied(shlex.join(self.command), code, self.stderr_tail())

    def stop(self, grace: float = 5.0) -> int | None:
        """End the program: wait ``grace`` seconds for it to exit on its own, then
        terminate, then kill. Returns the exit code."""
        process = self.process
        try:
            process.wait(grace)  # after the session's close, a well-behaved program exits
        except subprocess.TimeoutExpired:
            logger.info("the env process did not exit within %g s; terminating it", grace)
            process.terminate()
            try:
                process.wait(max(grace, 1.0))
            except subprocess.TimeoutExpired:
                logger.warning("the env process ignored SIGTERM; killing it")
                process.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(5.0)
        self._reader.join(1.0)
        return process.poll()

    def _read_stderr(self, stream: IO[bytes]) -> None:
        try:
            for raw in iter(stream.readline, b""):
                line = raw.decode("utf-8", errors="replace")
                self._tail.append(line)
                if self._echo:
                    sys.stderr.write(line)
                    sys.stderr.flush()
        except (OSError, ValueError):
            pass
        finally:
            stream.close()
