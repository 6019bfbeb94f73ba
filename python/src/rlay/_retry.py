"""Connecting to an address that may not listen yet (a game still starting)."""

from __future__ import annotations

import time
from typing import Any

from rlay.errors import AddressInUse, ConnectionClosed, InvalidAddress, Timeout
from rlay.transports import Connection, Side, connect


def connect_with_retry(
    address: str, *, side: Side, retry_timeout: float, **options: Any
) -> Connection:
    """Connect, retrying while nothing listens at ``address``, for up to ``retry_timeout`` s.

    Example::

        connection = connect_with_retry("tcp://127.0.0.1:7000", side="agent", retry_timeout=10)
    """
    deadline = time.monotonic() + retry_timeout
    delay = 0.02
    while True:
        remaining = deadline - time.monotonic()
        try:
            return connect(address, side=side, timeout=max(0.1, min(remaining, 5.0)), **options)
        except (InvalidAddress, AddressInUse):
            raise
        except (ConnectionClosed, Timeout, OSError) as error:
            if time.monotonic() + delay >= deadline:
                raise Timeout(
                    f"nothing accepted a connection at {address} within {retry_timeout:g} s "
                    f"(last error: {error})"
                ) from error
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
