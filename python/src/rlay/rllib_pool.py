"""A pool of already running games that RLlib's sub-environments lease, one game each.

Connect mode with a fixed list gives runner ``w`` the entries ``(w - 1) * M`` onwards. A
:class:`GamePool` instead lends addresses on demand: a named Ray actor (no CPU of its
own) holds the addresses, each sub-environment leases one when it is created and gives
it back when it closes, so every game serves exactly one sub-environment at a time,
whichever runners exist. A lease is held by the sub-env's slot ("env runner 2, sub-env
0"): a runner that RLlib restarts after its process died gets its games back, though
its old envs never closed.

Example::

    pool = GamePool(["tcp://10.0.0.5:7000", "tcp://10.0.0.6:7000"])
    address = pool.lease("env runner 1, sub-env 0")   # "tcp://10.0.0.5:7000"
    pool.leases()          # {"env runner 1, sub-env 0": "tcp://10.0.0.5:7000"}
    pool.release("env runner 1, sub-env 0")
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from rlay.errors import InvalidValue

__all__ = ["GamePool"]

# A reply of the pool's actor comes within this many seconds, or the call fails.
_REPLY_TIMEOUT = 30.0
_actor_class: Any = None


class _Lender:
    """The state of a pool, inside its Ray actor: addresses and who holds which."""

    def __init__(self, addresses: list[str]) -> None:
        self.addresses = addresses
        self.held: dict[str, str] = {}  # holder -> address

    def lease(self, holder: str) -> str | None:
        if holder in self.held:  # the same slot again (a restarted runner): its game
            return self.held[holder]
        taken = set(self.held.values())
        for address in self.addresses:
            if address not in taken:
                self.held[holder] = address
                return address
        return None

    def release(self, holder: str) -> None:
        self.held.pop(holder, None)

    def leases(self) -> dict[str, str]:
        return dict(self.held)

    def size(self) -> int:
        return len(self.addresses)


def _actor() -> Any:
    global _actor_class
    if _actor_class is None:
        import ray

        _actor_class = ray.remote(num_cpus=0)(_Lender)
    return _actor_class


class GamePool:
    """Addresses of running games, lent to one holder each, in a named Ray actor.

    ``GamePool(addresses)`` creates the actor (``ray.init()`` first if it has not run); its
    :attr:`name` finds it from any process of the Ray job (:meth:`named`). The actor
    lives as long as the driver that created it.
    """

    def __init__(self, addresses: Sequence[str], *, name: str | None = None) -> None:
        import ray

        if not ray.is_initialized():
            ray.init()
        if not addresses:
            raise InvalidValue("a game pool needs at least one address")
        if len(set(addresses)) != len(addresses):
            raise InvalidValue(f"the game pool lists an address twice: {list(addresses)}")
        self.name = name or f"rlay-pool-{uuid.uuid4().hex[:8]}"
        self._handle = _actor().options(name=self.name).remote(list(addresses))
        # Wait until it answers, so that a runner that looks it up by name finds it.
        ray.get(self._handle.size.remote(), timeout=_REPLY_TIMEOUT)

    @classmethod
    def named(cls, name: str) -> GamePool:
        """The pool called ``name``, from any process of the Ray job."""
        import ray

        pool = cls.__new__(cls)
        pool.name = name
        try:
            pool._handle = ray.get_actor(name)
        except ValueError as error:
            raise InvalidValue(
                f"no game pool {name!r} in this Ray job (it ends with the driver that created it)"
            ) from error
        return pool

    def _call(self, method: str, *args: Any) -> Any:
        import ray

        return ray.get(getattr(self._handle, method).remote(*args), timeout=_REPLY_TIMEOUT)

    def lease(self, holder: str) -> str:
        """An address no other holder has (the one ``holder`` already holds, if any);
        :class:`rlay.InvalidValue` naming ``holder`` and the pool when all are lent."""
        address: str | None = self._call("lease", holder)
        if address is None:
            held = self.leases()
            lent = "; ".join(f"{who}: {where}" for who, where in sorted(held.items()))
            raise InvalidValue(
                f"{holder} has no game: the pool {self.name!r} lends {len(held)} games and "
                f"every one is leased ({lent}); add games to the pool or use fewer env "
                "runners x num_envs_per_env_runner"
            )
        return address

    def release(self, holder: str) -> None:
        """Give back what ``holder`` leased (nothing if it holds nothing)."""
        self._call("release", holder)

    def leases(self) -> dict[str, str]:
        """Each holder and the address it leased."""
        held: dict[str, str] = self._call("leases")
        return held

    def __reduce__(self) -> Any:
        return (GamePool.named, (self.name,))
