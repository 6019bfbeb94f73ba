"""Independent models of the conformance environments, written from ENVIRONMENTS.md.

The checks compare every peer (the Python one included) against these
models, so nothing here is shared with any peer's code. Each model is a
plain ``gymnasium.Env``; the batched environments are the same single-env
dynamics under ``gymnasium.vector.SyncVectorEnv``, as the text specifies.

    >>> env = make("episodes")
    >>> obs, info = env.reset(seed=0)
    >>> int(obs[2]) in range(3, 7)
    True
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces as gs

M64 = (1 << 64) - 1
M32 = (1 << 32) - 1
K0 = 0x0123456789ABCDEF
FNV_BASIS = 0x811C9DC5
FNV_PRIME = 16777619
INF = float("inf")
I32_LO, I32_HI = -(1 << 31), (1 << 31) - 1
I64_LO, I64_HI = -(1 << 63), (1 << 63) - 1
CHARSET = "aZ9 _\u00e9\u03bb\u4e2d"

NAMES = (
    "spaces",
    "episodes",
    "infos",
    "control",
    "large",
    "batched-next-step",
    "batched-same-step",
    "batched-disabled",
)
AUTORESET = {
    "batched-next-step": gym.vector.AutoresetMode.NEXT_STEP,
    "batched-same-step": gym.vector.AutoresetMode.SAME_STEP,
    "batched-disabled": gym.vector.AutoresetMode.DISABLED,
}


def mix(x: int) -> int:
    """splitmix64's output function on a u64."""
    z = (x + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def draw(x: int, j: int) -> int:
    return mix((x + j) & M64)


def uni(x: int, j: int, n: int) -> int:
    return (draw(x, j) >> 33) % n


def s32(v: int) -> int:
    v &= M32
    return v - (1 << 32) if v >> 31 else v


def s64(v: int) -> int:
    v &= M64
    return v - (1 << 64) if v >> 63 else v


def fold(acc: int, data: bytes) -> int:
    for byte in data:
        acc = ((acc ^ byte) * FNV_PRIME) & M32
    return acc


def element_bytes(space: gs.Space[Any], x: Any) -> bytes:
    """Canonical element bytes (ENVIRONMENTS.md section 1)."""
    if isinstance(space, (gs.Box, gs.MultiDiscrete, gs.MultiBinary)):
        dtype = np.dtype(space.dtype).newbyteorder("<")
        return np.ascontiguousarray(np.asarray(x, dtype=dtype)).tobytes()
    if isinstance(space, gs.Discrete):
        return int(x).to_bytes(8, "little", signed=True)
    if isinstance(space, gs.Text):
        return str(x).encode("utf-8") + b"\xff"
    if isinstance(space, gs.Tuple):
        return b"".join(element_bytes(s, v) for s, v in zip(space.spaces, x, strict=True))
    if isinstance(space, gs.Dict):
        return b"".join(element_bytes(s, x[k]) for k, s in space.spaces.items())
    if isinstance(space, gs.OneOf):
        index, value = x
        return bytes([int(index)]) + element_bytes(space.spaces[int(index)], value)
    raise TypeError(f"no canonical bytes for {space}")


def step_state(key: int, t: int, acc: int) -> int:
    return mix(key ^ ((t << 32) | acc))


def odict(*items: tuple[str, gs.Space[Any]]) -> gs.Dict:
    """A Dict space that keeps the given key order (gymnasium sorts plain dicts)."""
    return gs.Dict(OrderedDict(items))


def box(lo: Any, hi: Any, shape: tuple[int, ...], dtype: Any) -> gs.Box:
    dt = np.dtype(dtype)
    low = np.broadcast_to(np.array(lo, dtype=dt), shape).copy()
    high = np.broadcast_to(np.array(hi, dtype=dt), shape).copy()
    return gs.Box(low=low, high=high, shape=shape, dtype=dt)


# --------------------------------------------------------------------------- base


class Model(gym.Env[Any, Any]):
    """Key, step counter and action digest shared by every environment."""

    name = ""
    max_episode_steps = 0
    render_modes: tuple[str, ...] = ()
    render_fps = 0

    def __init__(self, render_mode: str | None = None) -> None:
        self.key = K0
        self.t = 0
        self.acc = FNV_BASIS
        self.render_mode = render_mode
        self.metadata = {"render_modes": list(self.render_modes), "render_fps": self.render_fps}

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        self.key = mix(seed & M64) if seed is not None else mix(self.key)
        self.t = 0
        self.acc = FNV_BASIS
        self.on_reset()
        return self.observe(), self.reset_info()

    def step(self, action: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # gymnasium warns about scalars that are not arrays
            inside = self.action_space.contains(action)
        if not inside:
            raise ValueError(f"action {action!r} not in {self.action_space}")
        self.before_step(action)
        self.acc = fold(self.acc, element_bytes(self.action_space, action))
        self.t += 1
        self.after_step(action)
        reward, terminated, truncated = self.outcome()
        return self.observe(), float(reward), terminated, truncated, self.step_info()

    @property
    def state(self) -> int:
        return step_state(self.key, self.t, self.acc)

    def on_reset(self) -> None:
        pass

    def before_step(self, action: Any) -> None:
        pass

    def after_step(self, action: Any) -> None:
        pass

    def reset_info(self) -> dict[str, Any]:
        return {}

    def step_info(self) -> dict[str, Any]:
        return {}

    def outcome(self) -> tuple[float, bool, bool]:
        return 0.0, False, False

    def observe(self) -> Any:
        raise NotImplementedError


# ------------------------------------------------------------------------- spaces


class Spaces(Model):
    name = "spaces"
    observation_space = odict(
        ("image", box(0, 255, (4, 6, 3), np.uint8)),
        ("clock", box(0, M32, (2,), np.uint32)),
        (
            "ints",
            gs.Tuple(
                (
                    box(-100, 100, (3,), np.int8),
                    box([-1000, -2000], [1000, 3000], (2,), np.int16),
                    box(I32_LO, I32_HI, (2,), np.int32),
                    box(I64_LO, I64_HI, (2,), np.int64),
                )
            ),
        ),
        (
            "uints",
            odict(
                ("u64", box(0, M64, (2,), np.uint64)),
                ("u16", box(0, 65535, (2,), np.uint16)),
                ("u32", box(0, M32, (2,), np.uint32)),
            ),
        ),
        (
            "floats",
            odict(
                ("f32", box([-INF, 0, -1], [INF, INF, 1], (3,), np.float32)),
                ("f16", box(-4, 4, (2,), np.float16)),
                ("f64", box(-INF, INF, (2,), np.float64)),
            ),
        ),
        ("flags", box(False, True, (4,), np.bool_)),
        ("choice", gs.Discrete(5, start=-2)),
        ("grid", gs.MultiDiscrete([[3, 5], [2, 4]], start=[[0, -2], [10, 1]])),
        ("bits", gs.MultiBinary((2, 3))),
        ("word", gs.Text(min_length=1, max_length=6, charset=CHARSET)),
        ("path", gs.Sequence(box(-100, 100, (2,), np.int16), stack=True)),
        ("events", gs.Sequence(gs.Discrete(7, start=1), stack=False)),
        ("net", gs.Graph(node_space=box(-1, 1, (3,), np.float32), edge_space=gs.Discrete(4))),
        ("either", gs.OneOf((gs.Discrete(3), box(-1, 1, (2,), np.float32)))),
    )
    action_space = odict(
        ("move", gs.Discrete(5, start=-2)),
        ("aim", box([-1, -2], [1, 2], (2,), np.float32)),
        ("throttle", box(-INF, INF, (), np.float64)),
        ("buttons", gs.MultiBinary(3)),
        ("gears", gs.MultiDiscrete([3, 4], start=[1, -1])),
        (
            "small",
            gs.Tuple(
                (
                    box(-8, 7, (2,), np.int8),
                    box(0, 65535, (), np.uint16),
                    box(0, M64, (), np.uint64),
                )
            ),
        ),
        ("say", gs.Text(min_length=0, max_length=4, charset="ab\u00e9")),
        ("pick", gs.OneOf((gs.Discrete(2), box(-5, 5, (2,), np.int32)))),
    )

    def outcome(self) -> tuple[float, bool, bool]:
        return (self.acc & 0xFFFF) / 2**8, False, False

    def observe(self) -> Any:
        s = self.state
        u = lambda j, n: uni(s, j, n)  # noqa: E731
        a = u(0, 256)
        image = np.array(
            [[[(a + 37 * y + 11 * x + 101 * c) & 0xFF for c in range(3)] for x in range(6)]
             for y in range(4)],
            dtype=np.uint8,
        )  # fmt: skip
        ints = (
            np.array([u(1 + i, 201) - 100 for i in range(3)], dtype=np.int8),
            np.array([u(4, 2001) - 1000, u(5, 5001) - 2000], dtype=np.int16),
            np.array([s32(draw(s, 6 + i)) for i in range(2)], dtype=np.int32),
            np.array([s64(draw(s, 8 + i)) for i in range(2)], dtype=np.int64),
        )
        uints = OrderedDict(
            u64=np.array([draw(s, 10 + i) for i in range(2)], dtype=np.uint64),
            u16=np.array([draw(s, 12 + i) & 0xFFFF for i in range(2)], dtype=np.uint16),
            u32=np.array([draw(s, 14 + i) & M32 for i in range(2)], dtype=np.uint32),
        )
        f32 = [(u(18, 2**21) - 2**20) / 2**10, u(19, 2**24) / 2**8, (u(20, 2049) - 1024) / 2**10]
        floats = OrderedDict(
            f32=np.array(f32, dtype=np.float32),
            f16=np.array([(u(16 + i, 65) - 32) / 8 for i in range(2)], dtype=np.float16),
            f64=np.array([((draw(s, 21 + i) >> 11) - 2**52) / 2**20 for i in range(2)]),
        )
        nvec, start = [[3, 5], [2, 4]], [[0, -2], [10, 1]]
        grid = [[start[i][j] + u(25 + 2 * i + j, nvec[i][j]) for j in range(2)] for i in range(2)]
        word = "".join(CHARSET[u(31 + k, 8)] for k in range(1 + u(30, 6)))
        path_len = u(37, 4)
        path = np.array(
            [[u(38 + 2 * k, 201) - 100, u(39 + 2 * k, 201) - 100] for k in range(path_len)],
            dtype=np.int16,
        ).reshape(path_len, 2)
        events = tuple(np.int64(1 + u(45 + k, 7)) for k in range(u(44, 4)))
        return OrderedDict(
            image=image,
            clock=np.array([self.t, self.acc], dtype=np.uint32),
            ints=ints,
            uints=uints,
            floats=floats,
            flags=np.array([(draw(s, 23) >> i) & 1 for i in range(4)], dtype=np.bool_),
            choice=np.int64(u(24, 5) - 2),
            grid=np.array(grid, dtype=np.int64),
            bits=np.array([[(draw(s, 29) >> (3 * i + j)) & 1 for j in range(3)] for i in range(2)],
                          dtype=np.int8),
            word=word,
            path=path,
            events=events,
            net=self._graph(s),
            either=self._either(s),
        )  # fmt: skip

    @staticmethod
    def _graph(s: int) -> gs.GraphInstance:
        n, m = 1 + uni(s, 48, 3), uni(s, 49, 4)
        nodes = np.array(
            [[(uni(s, 50 + 3 * i + c, 17) - 8) / 8 for c in range(3)] for i in range(n)],
            dtype=np.float32,
        )
        edges = np.array([uni(s, 59 + e, 4) for e in range(m)], dtype=np.int64)
        links = np.array(
            [[uni(s, 62 + 2 * e, n), uni(s, 63 + 2 * e, n)] for e in range(m)], dtype=np.int64
        ).reshape(m, 2)
        return gs.GraphInstance(nodes=nodes, edges=edges, edge_links=links)

    @staticmethod
    def _either(s: int) -> tuple[np.int64, Any]:
        if uni(s, 68, 2) == 0:
            return np.int64(0), np.int64(uni(s, 69, 3))
        pair = [(uni(s, 69, 9) - 4) / 4, (uni(s, 70, 9) - 4) / 4]
        return np.int64(1), np.array(pair, dtype=np.float32)


# ----------------------------------------------------------------------- episodes


class Episodes(Model):
    name = "episodes"
    max_episode_steps = 6
    observation_space = box([0, 0, 3, 0], [6, 12, 6, 2**31 - 1], (4,), np.int64)
    action_space = gs.Discrete(3)

    def on_reset(self) -> None:
        self.p = 0
        self.target = 3 + uni(self.key, 0, 4)

    def after_step(self, action: Any) -> None:
        self.p += int(action)

    def outcome(self) -> tuple[float, bool, bool]:
        terminated = self.p >= self.target
        reward = self.p / 2 - 1 + (10 if terminated else 0)
        return reward, terminated, self.t >= 6

    def observe(self) -> Any:
        return np.array([self.t, self.p, self.target, self.key >> 33], dtype=np.int64)


# -------------------------------------------------------------------------- infos


class Infos(Model):
    name = "infos"
    observation_space = box(I64_LO, I64_HI, (2,), np.int64)
    action_space = box(-10, 10, (2,), np.int32)

    def on_reset(self) -> None:
        self.s = 0
        self.last = (0, 0)

    def after_step(self, action: Any) -> None:
        a0, a1 = (int(v) for v in action)
        self.s += a0 - 2 * a1
        self.last = (a0, a1)

    def outcome(self) -> tuple[float, bool, bool]:
        return self.s / 2, False, False

    def observe(self) -> Any:
        return np.array([self.t, self.s], dtype=np.int64)

    def reset_info(self) -> dict[str, Any]:
        return self.step_info()

    def step_info(self) -> dict[str, Any]:
        t, s, (a0, a1) = self.t, self.s, self.last
        return {
            "step": t,
            "total": s,
            "half": s / 2,
            "even": t % 2 == 0,
            "label": f"\u03bb-{t}-\u4e2d",
            "key_hi": self.key >> 32,
            "big": -(2**40) - t,
            "vec": np.array([t / 2, s / 4, -0.5], dtype=np.float32),
            "grid": np.array([[t, s], [a0, a1]], dtype=np.int64),
            "mask": np.array([a0 > 0, a1 > 0, s > 0], dtype=np.bool_),
            "nested": {
                "last": [a0, a1],
                "pair": (t, "t"),
                "flags": {"pos": s > 0, "neg": s < 0},
                "nothing": None,
            },
        }


# ------------------------------------------------------------------------ control


class Control(Model):
    name = "control"
    render_modes = ("rgb_array",)
    render_fps = 30
    observation_space = box(-1000000, 1000000, (3,), np.int64)
    action_space = gs.Discrete(4)

    def __init__(self, render_mode: str | None = None) -> None:
        super().__init__(render_mode)
        self.gain = 1

    def on_reset(self) -> None:
        self.x = 0

    def before_step(self, action: Any) -> None:
        if int(action) == 3:
            raise RuntimeError("action 3 is refused")

    def after_step(self, action: Any) -> None:
        self.x += {0: 0, 1: self.gain, 2: -self.gain}[int(action)]

    def outcome(self) -> tuple[float, bool, bool]:
        return self.x / 4, False, False

    def observe(self) -> Any:
        return np.array([self.t, self.x, self.gain], dtype=np.int64)

    def render(self) -> Any:
        if self.render_mode != "rgb_array":
            return None
        return np.array(
            [[[(16 * w + self.t) & 0xFF, (32 * y + self.gain) & 0xFF, self.x & 0xFF]
              for w in range(8)] for y in range(6)],
            dtype=np.uint8,
        )  # fmt: skip

    def set_gain(self, g: Any) -> int:
        if type(g) is not int or not 1 <= g <= 100:
            raise ValueError(f"gain must be an int in 1..100, got {g!r}")
        previous, self.gain = self.gain, g
        return previous

    def get_state(self, _: Any = None) -> dict[str, int]:
        return {"t": self.t, "x": self.x, "gain": self.gain}


# -------------------------------------------------------------------------- large


class Large(Model):
    name = "large"
    observation_space = box(0, 255, (2304, 4096), np.uint8)
    action_space = box(0, 255, (256, 1024), np.uint8)

    def outcome(self) -> tuple[float, bool, bool]:
        return (self.acc & 0xFF) / 2**4, False, False

    def observe(self) -> Any:
        b = (self.key + self.acc + 13 * self.t) & 0xFF
        rows = np.arange(2304, dtype=np.int64)[:, None]
        cols = np.arange(4096, dtype=np.int64)[None, :]
        return ((cols + 7 * rows + b) & 0xFF).astype(np.uint8)


# ------------------------------------------------------------------------ batched


class Batched(Model):
    name = "batched"
    max_episode_steps = 4
    observation_space = odict(
        ("t", gs.Discrete(8)),
        ("pos", box(-64, 64, (2,), np.int32)),
        ("id", box(0, M32, (), np.uint32)),
    )
    action_space = gs.Tuple((gs.Discrete(3, start=-1), box(-3, 3, (), np.int32)))

    def on_reset(self) -> None:
        self.pos = [0, 0]
        self.length = 2 + uni(self.key, 0, 4)

    def after_step(self, action: Any) -> None:
        self.move = (int(action[0]), int(action[1]))
        self.pos = [max(-64, min(64, p + d)) for p, d in zip(self.pos, self.move, strict=True)]

    def outcome(self) -> tuple[float, bool, bool]:
        dx, dy = self.move
        return self.t + dx / 2 + dy / 4, self.t >= self.length, self.t >= 4

    def observe(self) -> Any:
        return OrderedDict(
            t=np.int64(self.t),
            pos=np.array(self.pos, dtype=np.int32),
            id=np.array(self.key >> 32, dtype=np.uint32),
        )

    def reset_info(self) -> dict[str, Any]:
        return {"len": self.length}

    def step_info(self) -> dict[str, Any]:
        return {"pos_sum": self.pos[0] + self.pos[1]}


MODELS: dict[str, type[Model]] = {
    "spaces": Spaces,
    "episodes": Episodes,
    "infos": Infos,
    "control": Control,
    "large": Large,
}
NUM_ENVS = {name: (4 if name.startswith("batched") else 1) for name in NAMES}
NUM_ENVS["multi-agent"] = 1


def make(name: str, render_mode: str | None = None) -> Any:
    """A model env (single) or a SyncVectorEnv of four models (batched)."""
    if name in AUTORESET:
        return gym.vector.SyncVectorEnv([Batched] * 4, autoreset_mode=AUTORESET[name], copy=True)
    return MODELS[name](render_mode=render_mode)


def spaces_of(name: str) -> tuple[gs.Space[Any], gs.Space[Any]]:
    """Observation and action space of one sub-environment."""
    cls = Batched if name in AUTORESET else MODELS[name]
    return cls.observation_space, cls.action_space


def expected_spec(name: str) -> dict[str, Any]:
    """The EnvSpec fields ENVIRONMENTS.md gives for an environment."""
    cls = Batched if name in AUTORESET else MODELS[name]
    return {
        "env_id": f"conformance/{name}",
        "num_envs": NUM_ENVS[name],
        "autoreset_mode": AUTORESET[name].name if name in AUTORESET else "DISABLED",
        "render_modes": list(cls.render_modes),
        "render_fps": float(cls.render_fps),
        "max_episode_steps": cls.max_episode_steps,
        "metadata": [("suite", "rlay-conformance"), ("env", name), ("version", 1)],
    }


# ----------------------------------------------------------------------- multi-agent

MULTI_AGENT = "multi-agent"
MULTI_AGENT_LIMIT = 8


class MultiAgent:
    """ENVIRONMENTS.md section 8, as PettingZoo-style dicts (agents in index order).

    ``reset`` returns ``(observations, infos)`` of the live agents; ``step`` returns
    ``(observations, rewards, terminated, truncated, infos, live)`` of the reported agents,
    ``live`` being the live agents after the step.
    """

    behaviors = (
        ("runner", box(-100, 100, (3,), np.int32), gs.Discrete(5, start=-2)),
        (
            "scout",
            odict(("view", box(-8, 8, (2,), np.float32)), ("tick", gs.Discrete(9))),
            box(-1, 1, (2,), np.float32),
        ),
    )
    agents = (
        ("runner_0", "runner"),
        ("scout_0", "scout"),
        ("runner_1", "runner"),
        ("scout_1", "scout"),
        ("runner_2", "runner"),
    )
    max_episode_steps = MULTI_AGENT_LIMIT

    def __init__(self) -> None:
        self.key = K0
        self.t = 0
        n = len(self.agents)
        self.k = [0] * n
        self.life = [0] * n
        self.alive = [False] * n
        self.live = [False] * n
        self.age = [0] * n
        self.acc = [FNV_BASIS] * n
        self.x = [0] * n
        self.r = [0.0] * n
        self.end = [0] * n

    def space_of(self, i: int) -> tuple[gs.Space[Any], gs.Space[Any]]:
        behavior = self.agents[i][1]
        for name, obs, act in self.behaviors:
            if name == behavior:
                return obs, act
        raise KeyError(behavior)

    def is_runner(self, i: int) -> bool:
        return self.agents[i][1] == "runner"

    def spawn(self, i: int) -> None:
        if self.life[i] > 0:
            self.k[i] = mix(self.k[i])
        self.life[i] += 1
        self.alive[i] = True
        self.age[i] = 0
        self.acc[i] = FNV_BASIS
        self.x[i] = 0
        self.r[i] = 0.0

    def life_length(self, i: int) -> int:
        return 2 + uni(self.k[i], 0, 3)

    def observe(self, i: int) -> Any:
        s = mix(self.k[i] ^ ((self.age[i] << 32) | self.acc[i]))
        if self.is_runner(i):
            return np.array([self.age[i], self.x[i], uni(s, 0, 201) - 100], dtype=np.int32)
        view = np.array([(uni(s, 0, 129) - 64) / 8, (uni(s, 1, 129) - 64) / 8], np.float32)
        return OrderedDict([("view", view), ("tick", self.t)])

    def info(self, i: int) -> dict[str, Any]:
        if not self.is_runner(i):
            return {}
        return {"life": self.life[i], "age": self.age[i], "key_hi": self.k[i] >> 32}

    def names(self, indices: list[int]) -> list[str]:
        return [self.agents[i][0] for i in indices]

    def reset(self, seed: int | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        self.key = mix(seed) if seed is not None else mix(self.key)
        self.t = 0
        for i in range(len(self.agents)):
            self.k[i] = draw(self.key, i)
            self.life[i] = 0
            self.alive[i] = False
            self.live[i] = False
        for i in range(4):
            self.spawn(i)
            self.live[i] = True
        live = [i for i in range(len(self.agents)) if self.live[i]]
        return (
            {self.agents[i][0]: self.observe(i) for i in live},
            {self.agents[i][0]: self.info(i) for i in live},
        )

    def step(self, actions: dict[str, Any]) -> tuple[Any, ...]:
        index = {name: i for i, (name, _) in enumerate(self.agents)}
        acted = sorted(index[a] for a in actions)
        assert acted == [i for i in range(len(self.agents)) if self.live[i]], actions
        for i in acted:
            action = actions[self.agents[i][0]]
            self.acc[i] = fold(self.acc[i], element_bytes(self.space_of(i)[1], action))
            if self.is_runner(i):
                self.x[i] = min(100, max(-100, self.x[i] + int(action)))
        self.t += 1
        for i in range(len(self.agents)):
            if self.alive[i]:
                self.age[i] += 1
        for i in acted:
            if self.is_runner(i):
                self.r[i] += self.x[i] / 4
        for i in range(len(self.agents)):
            if self.alive[i] and not self.is_runner(i):
                self.r[i] += self.age[i] / 8
        terminated = [False] * len(self.agents)
        truncated = [False] * len(self.agents)
        for i in range(len(self.agents)):
            if not self.alive[i]:
                continue
            if self.is_runner(i) and self.age[i] >= self.life_length(i):
                terminated[i] = True
                self.r[i] += 1
            if self.t >= MULTI_AGENT_LIMIT:
                truncated[i] = True
        ended = [i for i in range(len(self.agents)) if terminated[i] or truncated[i]]
        for i in ended:
            self.alive[i] = False
            self.end[i] = self.t
        if self.t < MULTI_AGENT_LIMIT:
            for i in range(len(self.agents)):
                if not self.is_runner(i) or self.alive[i]:
                    continue
                first = i == 4 and self.life[i] == 0 and self.t == 1
                again = self.life[i] > 0 and self.t == self.end[i] + 2
                if first or again:
                    self.spawn(i)
        for i in range(len(self.agents)):
            self.live[i] = self.alive[i] and (self.is_runner(i) or self.t % 2 == 0)
        reported = [
            i
            for i in range(len(self.agents))
            if i in acted or i in ended or (self.live[i] and i not in acted)
        ]
        observations, rewards, infos = {}, {}, {}
        for i in reported:
            name = self.agents[i][0]
            observations[name] = self.observe(i)
            rewards[name] = self.r[i]
            self.r[i] = 0.0
            infos[name] = self.info(i)
        names = self.names(reported)
        return (
            observations,
            rewards,
            {n: terminated[i] for n, i in zip(names, reported, strict=True)},
            {n: truncated[i] for n, i in zip(names, reported, strict=True)},
            infos,
            self.names([i for i in range(len(self.agents)) if self.live[i]]),
        )


def expected_multi_agent_spec() -> dict[str, Any]:
    """The EnvSpec fields ENVIRONMENTS.md section 8 gives."""
    return {
        "env_id": f"conformance/{MULTI_AGENT}",
        "num_envs": 1,
        "autoreset_mode": "DISABLED",
        "render_modes": [],
        "max_episode_steps": MULTI_AGENT_LIMIT,
        "metadata": [("suite", "rlay-conformance"), ("env", MULTI_AGENT), ("version", 1)],
    }
