"""The payloads every system is measured with: what one step's observation holds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Payload:
    """One observation shape; ``num_envs > 1`` is a batch of that many sub-envs."""

    name: str
    label: str
    shape: tuple[int, ...]
    dtype: str
    num_envs: int = 1

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """Shape of one step's observations (with the batch axis when batched)."""
        return (self.num_envs, *self.shape) if self.num_envs > 1 else self.shape

    @property
    def obs_bytes(self) -> int:
        """Observation bytes one step moves (all sub-envs)."""
        size = int(np.prod(self.batch_shape))
        return size * np.dtype(self.dtype).itemsize

    @property
    def batched(self) -> bool:
        return self.num_envs > 1


PAYLOADS: dict[str, Payload] = {
    p.name: p
    for p in (
        Payload("cartpole", "4 float32 (CartPole-sized)", (4,), "float32"),
        Payload("image", "84x84x3 uint8 image", (84, 84, 3), "uint8"),
        Payload("large", "4 MiB float32", (1 << 20,), "float32"),
        Payload("batch64", "num_envs=64 x 4 float32", (4,), "float32", num_envs=64),
    )
}


# The conformance environments the binding peers host (conformance/ENVIRONMENTS.md):
# rows with these payloads compare env sides written in different languages.
CONFORMANCE_PAYLOADS: dict[str, Payload] = {
    p.name: p
    for p in (
        Payload("conf-infos", "conformance env `infos`: 2 int64 + a rich info dict", (2,), "int64"),
        Payload(
            "conf-large",
            "conformance env `large`: 9 MiB uint8 obs, 256 KiB action",
            (2304, 4096),
            "uint8",
        ),
    )
}
ALL_PAYLOADS: dict[str, Payload] = {**PAYLOADS, **CONFORMANCE_PAYLOADS}


def initial_obs(payload: Payload) -> np.ndarray:
    """A deterministic observation of the payload's shape, values within [0, 1)."""
    size = int(np.prod(payload.batch_shape))
    if payload.dtype == "uint8":
        flat = (np.arange(size) % 251).astype(np.uint8)
    else:
        flat = ((np.arange(size) % 1000) / 1000.0).astype(payload.dtype)
    return flat.reshape(payload.batch_shape)


def stamp(obs: np.ndarray, step: int) -> None:
    """Write the step counter into the first element, so each step's obs differs."""
    flat = obs.reshape(-1)
    if obs.dtype == np.uint8:
        flat[0] = step % 251
    else:
        flat[0] = (step % 1000) / 1000.0


def action_for(payload: Payload, step: int) -> np.ndarray | int:
    """The action the agent sends: Discrete(2) per sub-env."""
    if payload.batched:
        return np.full(payload.num_envs, step & 1, dtype=np.int64)
    return step & 1
