"""Gymnasium environments that listen and let the env program dial in.

This is the direction for games that cannot listen (WebGL, consoles, behind NAT)
and for launching a build from Python, as ML-Agents does::

    env = rlay.ServerEnv(launch=["./Game.x86_64", "-batchmode"])
    obs, info = env.reset(seed=0)
    env.close()   # says goodbye, then ends the program after a grace period

Without ``launch``, start the program yourself and give it ``env.address``; pass
``wait=False`` to get the object (and its address) before the program connects.
"""

from __future__ import annotations

import functools
import logging
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gymnasium.envs.registration import EnvSpec

from rlay.client_env import RemoteEnv, RemoteVectorEnv, _AgentCore
from rlay.errors import (
    ConnectionClosed,
    ProcessDied,
    ProtocolError,
    RlayError,
    Timeout,
    VersionMismatch,
)
from rlay.launcher import Launcher
from rlay.security import check_exposure, resolve_token
from rlay.session import AgentSession
from rlay.transports import Listener, listen
from rlay.wire import DEFAULT_MAX_FRAME_SIZE

if TYPE_CHECKING:
    from rlay.transports.tls import TLSOptions

__all__ = ["ServerEnv", "ServerVectorEnv"]

logger = logging.getLogger("rlay.server_env")

# How often the accept loop looks at the launched process.
_POLL = 0.1
# Handshake failures that mean "this connection is not our env": dropped, and the wait
# goes on. A real env refusing us (Unauthenticated, RemoteError: a wrong token or render
# mode) or declaring spaces rlay cannot hold is the agent's problem and is raised.
_NOT_AN_ENV = (ProtocolError, VersionMismatch, ConnectionClosed, Timeout)


class _Listening(_AgentCore):
    """Listen, optionally launch, accept one env, run the handshake; watch the process."""

    _listener: Listener | None
    _launcher: Launcher | None

    def __init__(
        self,
        address: str = "tcp://127.0.0.1:0",
        *,
        launch: Sequence[str] | None = None,
        token: str | None = None,
        timeout: float | None = 30.0,
        accept_timeout: float = 60.0,
        render_mode: str | None = None,
        launch_env: Mapping[str, str] | None = None,
        launch_cwd: str | None = None,
        close_grace: float = 5.0,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        wait: bool = True,
        tls: TLSOptions | None = None,
        insecure: bool = False,
    ) -> None:
        token = resolve_token(token)
        check_exposure(address, token=token, insecure=insecure)
        self._listen_and_launch(
            address,
            launch=launch,
            token=token,
            launch_env=launch_env,
            launch_cwd=launch_cwd,
            max_frame_size=max_frame_size,
            tls=tls,
        )
        self._close_grace = close_grace
        self._settings = (token, timeout, accept_timeout, render_mode)
        self._spec_kwargs = {"address": address, "launch": launch, "token": token}
        if wait:
            self.accept()
        else:
            self._lazy_attach = self.accept

    def accept(self) -> None:
        """Wait for the env program to dial in and run the handshake (done by the
        constructor unless ``wait=False``; also on first use).

        A connection that is not a working env (garbage, a port scanner, an HTTP client,
        a client that leaves or stays silent, a build with another protocol version) is
        dropped with a logged warning, and the wait goes on until ``accept_timeout``.
        """
        if self._session is not None:
            return
        self._lazy_attach = None
        token, timeout, accept_timeout, render_mode = self._settings
        deadline = time.monotonic() + accept_timeout
        dropped: list[str] = []
        try:
            while True:
                session = self._accept_session(deadline, accept_timeout, timeout, dropped)
                try:
                    self._attach(session, token=token, render_mode=render_mode)
                except ProcessDied:
                    raise
                except _NOT_AN_ENV as error:
                    session.close()
                    reason = str(error).splitlines()[0]
                    dropped.append(reason)
                    logger.warning(
                        "dropped a connection to %s that is not a working env: %s; "
                        "waiting on for the env",
                        self.address,
                        reason,
                    )
                    continue
                session.timeout = timeout
                break
            # One session per ServerEnv: later dialers are refused by the closed listener.
            self._close_listener()
        except BaseException:
            self._shutdown(0.0)
            raise
        self._accepted()

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        """The launched program (``pid``, ``returncode``, ``poll()``), or None without
        ``launch``; still there after :meth:`close`, for its exit code."""
        return self._process

    def _accepted(self) -> None:
        """Called once the env is attached."""

    def _listen_and_launch(
        self,
        address: str,
        *,
        launch: Sequence[str] | None,
        token: str | None,
        launch_env: Mapping[str, str] | None,
        launch_cwd: str | None,
        max_frame_size: int,
        tls: TLSOptions | None = None,
    ) -> None:
        self._launcher = None
        self._process: subprocess.Popen[bytes] | None = None
        self._listener = listen(address, side="agent", max_frame_size=max_frame_size, tls=tls)
        self.address: str = str(self._listener.address)
        if launch is not None:
            try:
                self._launcher = Launcher(
                    launch, self.address, token=token, env=launch_env, cwd=launch_cwd
                )
            except BaseException:
                self._listener.close()
                raise
            self._process = self._launcher.process
        else:
            logger.info("waiting for an env to dial %s", self.address)

    def _accept_session(
        self, deadline: float, accept_timeout: float, timeout: float | None, dropped: list[str]
    ) -> AgentSession:
        listener = self._listener
        if listener is None:
            raise ConnectionClosed("the env is closed")
        while True:
            self._raise_if_died()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                detail = " (the launched program is still running)" if self._launcher else ""
                if dropped:
                    detail += (
                        f"; dropped {len(dropped)} connection(s) that were not a working env,"
                        f" the last: {dropped[-1]}"
                    )
                raise Timeout(f"no env dialled {self.address} within {accept_timeout:g} s{detail}")
            try:
                connection = listener.accept(min(_POLL, remaining))
                break
            except Timeout:
                continue
        # The handshake may take no longer than what is left of the accept time.
        handshake = remaining if timeout is None else min(timeout, remaining)
        return AgentSession(connection, timeout=handshake, on_lost=self._on_lost)

    def _close_listener(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def _raise_if_died(self, wait: float = 0.0) -> None:
        if self._launcher is not None:
            died = self._launcher.died(wait)
            if died is not None:
                raise died

    def _on_lost(self, error: RlayError) -> None:
        # The connection broke or went silent: if the program died, say so instead.
        if self._launcher is not None:
            died = self._launcher.died(wait=1.0)
            if died is not None:
                raise died from error

    def _close_then_shutdown(self, say_goodbye: Callable[[], None]) -> None:
        """Close the session with ``say_goodbye``, then end the launched program (grace
        period, terminate, kill) even if the goodbye failed."""
        self._lazy_attach = None
        try:
            say_goodbye()
        finally:
            self._shutdown(self._close_grace)

    def _shutdown(self, grace: float) -> None:
        self._close_listener()
        if self._launcher is not None:
            code = self._launcher.stop(grace)
            logger.info("env process exited with code %s", code)
            self._launcher = None


class ServerEnv(_Listening, RemoteEnv):
    """Listen at ``address``; the env program dials in; act as a gymnasium.Env.

    ``launch=[program, args...]`` starts the program with ``-rlay-address ADDR`` appended
    and RLAY_ADDRESS / RLAY_TOKEN in its environment, and ends it on :meth:`close`. If it
    dies before or during the session, :class:`~rlay.errors.ProcessDied` says how (exit
    code, last stderr lines). ``accept_timeout`` bounds the wait for it to dial in;
    ``timeout`` bounds every reply. ``token`` defaults to ``$RLAY_TOKEN``; an address
    other than loopback needs one unless ``insecure=True``; ``tls`` holds the
    certificate of a ``tls://`` address (:class:`rlay.TLSOptions`).

    Example::

        env = rlay.ServerEnv(launch=[sys.executable, "-m", "rlay", "dial", "CartPole-v1"])
        obs, info = env.reset(seed=0)
        obs, reward, terminated, truncated, info = env.step(0)
        env.close()
    """

    def _accepted(self) -> None:
        assert self._description is not None
        self.spec = EnvSpec(
            id="rlay/ServerEnv-v0",
            entry_point="rlay.server_env:ServerEnv",
            max_episode_steps=self._description.max_episode_steps,
            kwargs=dict(self._spec_kwargs),
        )

    def close(self) -> None:
        """Say goodbye, then end the launched program (grace period, terminate, kill)."""
        self._close_then_shutdown(super().close)


class ServerVectorEnv(_Listening, RemoteVectorEnv):
    """:class:`ServerEnv` for env programs with ``num_envs`` sub-environments.

    Example::

        envs = rlay.ServerVectorEnv(launch=["./Game.x86_64", "--areas", "8"])
        obs, infos = envs.reset(seed=0)
    """

    def close_extras(self, **kwargs: Any) -> None:
        """Say goodbye, then end the launched program."""
        self._close_then_shutdown(functools.partial(super().close_extras, **kwargs))
