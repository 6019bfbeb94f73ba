"""Connecting to an address that may not listen yet (a game still starting)."""

from __future__ import annotations

import logging
import time
from typing import Any

from rlay.errors import AddressInUse, ConnectionClosed, InvalidAddress, Timeout, Unreachable
from rlay.transports import Connection, Side, connect

logger = logging.getLogger("rlay.connect")

#: After this many seconds of retrying, say once (at WARNING) that we are still trying.
QUIET_RETRY_SECONDS = 2.0


def connect_with_retry(
    address: str, *, side: Side, retry_timeout: float, **options: Any
) -> Connection:
    """Connect, retrying while nothing listens at ``address``, for up to ``retry_timeout`` s.

    After :data:`QUIET_RETRY_SECONDS` a warning says that it is still trying; when the
    time is up, :class:`~rlay.errors.Unreachable` says how often it tried over how long.

    Example::

        connection = connect_with_retry("tcp://127.0.0.1:7000", side="agent", retry_timeout=10)
    """
    start = time.monotonic()
    deadline = start + retry_timeout
    delay = 0.02
    attempts = 0
    warned = False
    while True:
        remaining = deadline - time.monotonic()
        attempts += 1
        try:
            return connect(address, side=side, timeout=max(0.1, min(remaining, 5.0)), **options)
        except (InvalidAddress, AddressInUse):
            raise
        except (ConnectionClosed, Timeout, OSError) as error:
            now = time.monotonic()
            if now + delay >= deadline:
                raise Unreachable(
                    f"nothing listens at {address} (tried {attempts} times over "
                    f"{now - start:.1f} s; last error: {error}); start the env first, or raise "
                    "connect_timeout"
                ) from error
            if not warned and now - start >= QUIET_RETRY_SECONDS:
                warned = True
                logger.warning(
                    "nothing listens at %s yet; retrying for up to %g s more",
                    address,
                    deadline - now,
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
