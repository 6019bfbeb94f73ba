"""What a case gets: agents and raw connections to the peer under test, in either mode.

``client`` mode: the peer listens (one shared process per env) and the runner dials,
with rlay.ClientEnv / ClientVectorEnv or a raw socket. ``server`` mode: the runner
listens, with rlay.ServerEnv / ServerVectorEnv or a raw socket, and starts the peer
to dial in; every session is its own peer process.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import rlay

from runner import model
from runner.peers import ListenerPool, Peer, PeerProcess, command
from runner.raw import Raw, RawListener
from runner.raw_ws import RawWsListener

REPLY_TIMEOUT = 20.0
ACCEPT_TIMEOUT = 15.0
EXIT_TIMEOUT = 5.0


@dataclass
class Harness:
    peer: Peer
    mode: str  # "client" or "server"
    transport: str  # "tcp", "unix" or "ws"
    pool: ListenerPool
    dialers: list[PeerProcess] = field(default_factory=list)

    # -- agents through the Python SDK ------------------------------------------------

    @contextlib.contextmanager
    def agent(
        self,
        env: str,
        *,
        token: str | None = None,
        agent_token: str | None = None,
        render_mode: str | None = None,
        expect_clean_exit: bool = True,
    ) -> Iterator[Any]:
        """A connected rlay env (single or vector, as the environment is); closed on exit.

        ``token`` is the peer's (env side's) token, ``agent_token`` the one the agent sends
        (default: the same)."""
        agent_token = token if agent_token is None else agent_token
        vector = model.NUM_ENVS[env] > 1
        multi = env == model.MULTI_AGENT  # a PettingZoo ParallelEnv
        if self.mode == "client":
            _, address = self.pool.get(self.peer, env, self.transport, token)
            cls: Any = rlay.ClientVectorEnv if vector else rlay.ClientEnv
            cls = rlay.ParallelClientEnv if multi else cls
            agent = cls(
                address,
                token=agent_token,
                timeout=REPLY_TIMEOUT,
                connect_timeout=10.0,
                render_mode=render_mode,
            )
            try:
                yield agent
            finally:
                agent.close()
            return
        cls = rlay.ServerVectorEnv if vector else rlay.ServerEnv
        cls = rlay.ParallelServerEnv if multi else cls
        agent = cls(
            self.pool.fresh_address(self.transport),
            token=agent_token,
            timeout=REPLY_TIMEOUT,
            accept_timeout=ACCEPT_TIMEOUT,
            render_mode=render_mode,
            wait=False,
        )
        process = self.dial(env, agent.address, token)
        try:
            try:
                accept_while_alive(agent, process)
            except rlay.RlayError:
                raise  # a case may expect it (a refused token, a refused render mode)
            except Exception as error:
                raise AssertionError(f"{error}\n{process.describe()}") from error
            yield agent
        finally:
            agent.close()
        if expect_clean_exit:
            self.expect_exit(process, zero=True)

    def connect(self, env: str, *, token: str | None = None, render_mode: str | None = None) -> Any:
        """Open an agent without a context manager (for handshake failures); client mode."""
        vector = model.NUM_ENVS[env] > 1
        cls: Any = rlay.ClientVectorEnv if vector else rlay.ClientEnv
        _, address = self.pool.get(self.peer, env, self.transport, None)
        return cls(address, token=token, timeout=REPLY_TIMEOUT, connect_timeout=10.0,
                   render_mode=render_mode)  # fmt: skip

    # -- raw sessions ---------------------------------------------------------------------

    @contextlib.contextmanager
    def raw(self, env: str, *, token: str | None = None) -> Iterator[Raw]:
        """A raw connection to the peer: client mode dials it, server mode lets it dial in.

        In server mode ``self.dialers[-1]`` is the peer's process."""
        if self.mode == "client":
            _, address = self.pool.get(self.peer, env, self.transport, token)
            conn = Raw.connect(address)
        else:
            address = self.pool.fresh_address(self.transport)
            listener: Any = (
                RawWsListener(address) if address.startswith("ws://") else RawListener(address)
            )
            try:
                process = self.dial(env, listener.address, token)
                try:
                    conn = listener.accept(ACCEPT_TIMEOUT, alive=process.alive)
                except TimeoutError as error:
                    raise AssertionError(f"{error}\n{process.describe()}") from error
            finally:
                listener.close()
        try:
            yield conn
        finally:
            conn.close()

    def listening_address(self, env: str, token: str | None = None) -> str:
        _, address = self.pool.get(self.peer, env, self.transport, token)
        return address

    def listening_process(self, env: str, token: str | None = None) -> PeerProcess:
        process, _ = self.pool.get(self.peer, env, self.transport, token)
        return process

    # -- peer processes -------------------------------------------------------------------

    def dial(self, env: str, address: str, token: str | None) -> PeerProcess:
        process = PeerProcess(command(self.peer, env, "dial", address, token), self.peer.workdir)
        self.dialers.append(process)
        return process

    def expect_exit(self, process: PeerProcess, *, zero: bool) -> int:
        code = process.wait(EXIT_TIMEOUT)
        if code is None:
            raise AssertionError(f"the dialling peer did not exit within {EXIT_TIMEOUT:g} s\n"
                                 f"{process.describe()}")  # fmt: skip
        if zero and code != 0:
            raise AssertionError(f"the dialling peer exited with {code}, expected 0\n"
                                 f"{process.describe()}")  # fmt: skip
        if not zero and code == 0:
            raise AssertionError(f"the dialling peer exited with 0 after a failed session\n"
                                 f"{process.describe()}")  # fmt: skip
        return code

    def cleanup(self) -> None:
        for process in self.dialers:
            process.terminate(2.0)
            process.close_files()
        self.dialers.clear()


def accept_while_alive(agent: Any, process: PeerProcess) -> None:
    """``agent.accept()``, but fail at once when the dialling peer exits without dialling
    (e.g. a peer that does not know the environment), not after the whole accept timeout."""
    outcome: list[BaseException | None] = []
    thread = threading.Thread(target=_accept_into, args=(agent, outcome), daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.2)
        if thread.is_alive() and not process.alive():
            thread.join(1.0)  # it may have dialled just before exiting
            if thread.is_alive():
                raise AssertionError(f"the peer exited without dialling\n{process.describe()}")
    if outcome and outcome[0] is not None:
        raise outcome[0]


def _accept_into(agent: Any, outcome: list[BaseException | None]) -> None:
    try:
        agent.accept()
        outcome.append(None)
    except BaseException as error:
        outcome.append(error)
