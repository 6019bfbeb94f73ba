"""The spin budget: how long a receiver polls for a frame before it sleeps.

A process that sleeps until its peer's reply wakes 40-60 µs later on a busy VM, and
comes back to a cold cache; one that polls for a few tens of microseconds catches a
quick reply at once. Polling burns a core, so it is bounded and adaptive: a receiver
spins for about twice the recent wait (at least :data:`SPIN_FLOOR_NS` while replies
come in time), never longer than :data:`SPIN_CAP_NS`, and not at all once replies take
longer than the cap (a human-paced game, a long policy update)::

    >>> budget = SpinBudget()
    >>> budget.ns == SPIN_CAP_NS
    True
    >>> for _ in range(40):
    ...     budget.adapt(1_000_000)  # replies 1 ms apart: spinning would only burn CPU
    >>> budget.ns
    0
"""

from __future__ import annotations

__all__ = ["SPIN_CAP_NS", "SPIN_FLOOR_NS", "SpinBudget"]

#: The longest spin: a peer's wake-up (40-60 µs on a busy VM) plus a typical env step,
#: so that two peers that both slept once settle back into spinning.
SPIN_CAP_NS = 150_000
#: The shortest spin while replies come in time: a reply a little late costs a wake-up.
SPIN_FLOOR_NS = 20_000


class SpinBudget:
    """Nanoseconds to spin before the next sleep, adapted after every wait."""

    __slots__ = ("ns",)

    def __init__(self) -> None:
        self.ns = SPIN_CAP_NS

    def adapt(self, gap_ns: int) -> None:
        """Record that the last frame came ``gap_ns`` after the wait for it began."""
        target = 0 if gap_ns > SPIN_CAP_NS else min(max(2 * gap_ns, SPIN_FLOOR_NS), SPIN_CAP_NS)
        # A quarter of the way per wait, so that one outlier changes little (floor
        # division: a decay reaches exactly zero).
        self.ns += (target - self.ns) // 4
