"""Write the golden wire vectors: <name>.binpb (one serialized rlay.v1 message) + <name>.json.

Deterministic: running it again gives the same bytes (test_vectors.py checks that the
committed files are up to date). Every codec of every binding must decode each .binpb
to the message its .json describes and encode that message back to the same bytes.

    python conformance/vectors/generate.py            # rewrite the files
    python conformance/vectors/generate.py --check    # exit 1 if any file is stale
"""

from __future__ import annotations

import argparse
import json
import math
import struct
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message
from rlay.v1 import service_pb2, session_pb2, space_pb2, tensor_pb2, value_pb2

HERE = Path(__file__).resolve().parent
T = tensor_pb2
V = value_pb2
S = space_pb2
P = session_pb2

# ------------------------------------------------------------------------ tensors


def le(fmt: str, *values: Any) -> bytes:
    return struct.pack("<" + fmt, *values)


def f16(x: float) -> bytes:
    return struct.pack("<e", x)


TENSOR_DATA: dict[str, tuple[int, list[int], bytes]] = {
    "bool": (T.DTYPE_BOOL, [2, 2], bytes([1, 0, 0, 1])),
    "int8": (T.DTYPE_INT8, [4], le("4b", -128, -1, 0, 127)),
    "int16": (T.DTYPE_INT16, [3], le("3h", -32768, -2, 32767)),
    "int32": (T.DTYPE_INT32, [1, 3], le("3i", -(2**31), -1, 2**31 - 1)),
    "int64": (T.DTYPE_INT64, [3], le("3q", -(2**63), -1, 2**63 - 1)),
    "uint8": (T.DTYPE_UINT8, [2, 2, 3], bytes([0, 1, 2, 127, 128, 255, 10, 20, 30, 40, 50, 60])),
    "uint16": (T.DTYPE_UINT16, [2], le("2H", 0, 65535)),
    "uint32": (T.DTYPE_UINT32, [2], le("2I", 1, 2**32 - 1)),
    "uint64": (T.DTYPE_UINT64, [2], le("2Q", 2**63, 2**64 - 1)),
    "float16": (T.DTYPE_FLOAT16, [4], f16(1.5) + f16(-0.0) + f16(math.inf) + f16(6.0e-8)),
    "float32": (T.DTYPE_FLOAT32, [5], le("5f", 0.1, -0.0, math.inf, -math.inf, 1e-45)),
    "float64": (T.DTYPE_FLOAT64, [2, 2], le("4d", math.pi, -1e300, 5e-324, -0.0)),
}


def tensor(name: str) -> T.Tensor:
    dtype, shape, data = TENSOR_DATA[name]
    return T.Tensor(dtype=dtype, shape=shape, data=data)


def tensors() -> Iterator[tuple[str, Message, str]]:
    for name in TENSOR_DATA:
        yield f"tensor_{name}", tensor(name), f"a {name} tensor with edge values"
    yield (
        "tensor_scalar",
        T.Tensor(dtype=T.DTYPE_FLOAT64, data=le("d", -2.5)),
        "shape [] = a scalar",
    )
    yield "tensor_empty", T.Tensor(dtype=T.DTYPE_INT16, shape=[0, 3]), "shape [0, 3], no data"
    yield "tensor_default", T.Tensor(), "every field at its default: zero bytes on the wire"
    big = T.Tensor(dtype=T.DTYPE_UINT8, shape=[1, 300, 70000], data=b"")
    yield "tensor_large_dims", big, "multi-byte varints in the packed shape (data left empty)"


# ------------------------------------------------------------------------- spaces


def box(dtype: int, shape: list[int], low: bytes, high: bytes) -> S.Space:
    return S.Space(
        box=S.BoxSpace(
            shape=shape,
            dtype=dtype,
            low=T.Tensor(dtype=dtype, shape=shape, data=low),
            high=T.Tensor(dtype=dtype, shape=shape, data=high),
        )
    )


def discrete(n: int, start: int = 0) -> S.Space:
    return S.Space(discrete=S.DiscreteSpace(n=n, start=start, dtype=T.DTYPE_INT64))


def dict_space(*entries: tuple[str, S.Space]) -> S.Space:
    return S.Space(dict=S.DictSpace(entries=[S.DictSpaceEntry(key=k, space=v) for k, v in entries]))


SPACES: dict[str, Callable[[], S.Space]] = {
    "box": lambda: box(
        T.DTYPE_FLOAT32, [3], le("3f", -math.inf, 0.0, -1.0), le("3f", math.inf, math.inf, 1.0)
    ),
    "box_uint8_image": lambda: box(T.DTYPE_UINT8, [2, 2, 3], bytes(12), bytes([255]) * 12),
    "box_int_unbounded": lambda: S.Space(
        box=S.BoxSpace(
            shape=[2],
            dtype=T.DTYPE_INT32,
            low=T.Tensor(dtype=T.DTYPE_INT32, shape=[2], data=le("2i", -(2**31), 0)),
            high=T.Tensor(dtype=T.DTYPE_INT32, shape=[2], data=le("2i", 2**31 - 1, 9)),
            bounded_below=T.Tensor(dtype=T.DTYPE_BOOL, shape=[2], data=bytes([0, 1])),
            bounded_above=T.Tensor(dtype=T.DTYPE_BOOL, shape=[2], data=bytes([0, 1])),
        )
    ),
    "discrete": lambda: discrete(5, -2),
    "multi_discrete": lambda: S.Space(
        multi_discrete=S.MultiDiscreteSpace(
            nvec=T.Tensor(dtype=T.DTYPE_INT64, shape=[2, 2], data=le("4q", 3, 5, 2, 4)),
            start=T.Tensor(dtype=T.DTYPE_INT64, shape=[2, 2], data=le("4q", 0, -2, 10, 1)),
        )
    ),
    "multi_binary": lambda: S.Space(multi_binary=S.MultiBinarySpace(shape=[2, 3])),
    "text": lambda: S.Space(
        text=S.TextSpace(min_length=1, max_length=6, charset="aZ9 _\u00e9\u03bb\u4e2d")
    ),
    "tuple": lambda: S.Space(tuple=S.TupleSpace(spaces=[discrete(2), SPACES["multi_binary"]()])),
    "dict": lambda: dict_space(
        ("zeta", discrete(3)), ("alpha", SPACES["box"]()), ("mid", discrete(1))
    ),
    "sequence": lambda: S.Space(sequence=S.SequenceSpace(feature_space=discrete(7, 1), stack=True)),
    "graph": lambda: S.Space(
        graph=S.GraphSpace(node_space=SPACES["box"](), edge_space=discrete(4))
    ),
    "graph_no_edges": lambda: S.Space(graph=S.GraphSpace(node_space=discrete(3))),
    "one_of": lambda: S.Space(one_of=S.OneOfSpace(spaces=[discrete(3), SPACES["box"]()])),
    "nested": lambda: dict_space(
        ("outer", S.Space(tuple=S.TupleSpace(spaces=[SPACES["dict"](), SPACES["sequence"]()]))),
        ("choice", SPACES["one_of"]()),
    ),
    "default": lambda: S.Space(),
}


def spaces() -> Iterator[tuple[str, Message, str]]:
    for name, make in SPACES.items():
        yield f"space_{name}", make(), f"Space of kind {name}"


# ------------------------------------------------------------------------- values


def vmap(*entries: tuple[str, V.Value]) -> V.Value:
    return V.Value(
        map_value=V.ValueMap(entries=[V.ValueMapEntry(key=k, value=v) for k, v in entries])
    )


VALUES: dict[str, Callable[[], V.Value]] = {
    "none": lambda: V.Value(),
    "bool_true": lambda: V.Value(bool_value=True),
    "bool_false": lambda: V.Value(bool_value=False),
    "int_zero": lambda: V.Value(int_value=0),
    "int_negative": lambda: V.Value(int_value=-1),
    "int_min": lambda: V.Value(int_value=-(2**63)),
    "int_max": lambda: V.Value(int_value=2**63 - 1),
    "float": lambda: V.Value(float_value=-1234.5678),
    "float_negative_zero": lambda: V.Value(float_value=-0.0),
    "float_infinity": lambda: V.Value(float_value=-math.inf),
    "string_empty": lambda: V.Value(string_value=""),
    "string_unicode": lambda: V.Value(string_value="h\u00e9llo \u03bb \u4e2d \U0001f600"),
    "bytes": lambda: V.Value(bytes_value=bytes(range(0, 256, 17))),
    "tensor": lambda: V.Value(tensor=tensor("int32")),
    "list": lambda: V.Value(
        list_value=V.ValueList(items=[V.Value(int_value=1), V.Value(), V.Value(string_value="two")])
    ),
    "list_empty": lambda: V.Value(list_value=V.ValueList()),
    "tuple": lambda: V.Value(
        tuple_value=V.ValueList(items=[V.Value(int_value=3), V.Value(string_value="t")])
    ),
    "map": lambda: vmap(
        ("zeta", V.Value(int_value=1)), ("alpha", V.Value(bool_value=False)), ("", V.Value())
    ),
    "graph": lambda: V.Value(
        graph_value=V.GraphValue(
            nodes=T.Tensor(dtype=T.DTYPE_FLOAT32, shape=[2, 1], data=le("2f", 0.5, -0.5)),
            edges=T.Tensor(dtype=T.DTYPE_INT64, shape=[1], data=le("q", 3)),
            edge_links=T.Tensor(dtype=T.DTYPE_INT64, shape=[1, 2], data=le("2q", 0, 1)),
        )
    ),
    "one_of": lambda: V.Value(
        one_of_value=V.OneOfValue(index=1, value=V.Value(tensor=tensor("float32")))
    ),
    "nested": lambda: vmap(
        ("step", V.Value(int_value=3)),
        (
            "nested",
            vmap(("last", VALUES["list"]()), ("pair", VALUES["tuple"]()), ("nothing", V.Value())),
        ),
        ("frames", V.Value(list_value=V.ValueList(items=[VALUES["graph"](), VALUES["one_of"]()]))),
    ),
}


def values() -> Iterator[tuple[str, Message, str]]:
    for name, make in VALUES.items():
        yield f"value_{name}", make(), f"Value: {name.replace('_', ' ')}"


# ------------------------------------------------------------------------ session


def env_spec(mode: int) -> P.EnvSpec:
    return P.EnvSpec(
        env_id="conformance/\u00e9nv",
        observation_space=SPACES["nested"](),
        action_space=SPACES["discrete"](),
        num_envs=4,
        autoreset_mode=mode,
        render_modes=["rgb_array", "ansi"],
        render_mode="rgb_array",
        render_fps=29.97,
        max_episode_steps=2**40,
        metadata=vmap(
            ("suite", V.Value(string_value="rlay-conformance")), ("version", V.Value(int_value=1))
        ),
    )


def hello(**extra: Any) -> P.Hello:
    return P.Hello(
        protocol_version=P.ProtocolVersion(major=1, minor=0),
        implementation="rlay-conformance",
        implementation_version="1.0.0",
        capabilities=["render", "call"],
        **extra,
    )


def requests() -> Iterator[tuple[str, Message, str]]:
    R = P.SessionRequest
    yield (
        "request_hello",
        R(hello=hello(token="s3cr\u00e9t", render_mode="rgb_array")),
        "agent hello with token and render mode",
    )
    yield "request_hello_minimal", R(hello=P.Hello()), "a hello with every field at its default"
    seeds = [P.Seed(), P.Seed(value=0), P.Seed(value=2**64 - 1), P.Seed(value=42)]
    yield (
        "request_reset",
        R(
            reset=P.ResetRequest(
                seeds=seeds,
                options=vmap(("difficulty", V.Value(float_value=0.5))),
                mask=[True, False, True, True],
            )
        ),
        "unset seed, seed 0, max seed; options; packed mask",
    )
    yield "request_reset_empty", R(reset=P.ResetRequest()), "reset with no seeds, options or mask"
    actions = V.Value(
        tuple_value=V.ValueList(
            items=[
                V.Value(
                    tensor=T.Tensor(dtype=T.DTYPE_INT64, shape=[4], data=le("4q", 1, 0, -1, 1))
                ),
                V.Value(
                    list_value=V.ValueList(items=[V.Value(string_value=s) for s in "ab\u00e9d"])
                ),
            ]
        )
    )
    yield "request_step", R(step=P.StepRequest(actions=actions)), "batched tuple action"
    yield "request_render", R(render=P.RenderRequest()), "render (empty message, set oneof)"
    yield "request_call", R(call=P.CallRequest(name="set_gain", value=V.Value(int_value=5))), "call"
    yield "request_call_no_value", R(call=P.CallRequest(name="get_state")), "call without a value"
    yield "request_close", R(close=P.CloseRequest()), "close"
    yield "request_empty", R(), "a SessionRequest with no kind (a PROTOCOL error when received)"


def responses() -> Iterator[tuple[str, Message, str]]:
    R = P.SessionResponse
    for mode in P.AutoresetMode.values():
        name = P.AutoresetMode.Name(mode).removeprefix("AUTORESET_MODE_").lower()
        yield (
            f"response_hello_{name}",
            R(hello=hello(env_spec=env_spec(mode))),
            f"env hello with a full EnvSpec, autoreset {name}",
        )
    obs = V.Value(tensor=tensor("int64"))
    yield (
        "response_reset",
        R(
            reset=P.ResetResponse(
                observations=obs,
                infos=[
                    vmap(("len", V.Value(int_value=3))),
                    V.Value(map_value=V.ValueMap()),
                    VALUES["nested"](),
                ],
            )
        ),
        "reset reply with infos",
    )
    step = P.StepResponse(
        observations=obs,
        rewards=T.Tensor(dtype=T.DTYPE_FLOAT64, shape=[3], data=le("3d", 1.5, 0.0, -0.25)),
        terminated=T.Tensor(dtype=T.DTYPE_BOOL, shape=[3], data=bytes([0, 1, 0])),
        truncated=T.Tensor(dtype=T.DTYPE_BOOL, shape=[3], data=bytes([0, 1, 1])),
        infos=[vmap(("pos_sum", V.Value(int_value=-7))), vmap(), vmap()],
        finals=[
            P.FinalStep(
                index=1,
                observation=V.Value(tensor=tensor("int8")),
                info=vmap(("pos_sum", V.Value(int_value=2))),
            ),
            P.FinalStep(index=0),
        ],
    )
    yield "response_step", R(step=step), "step reply with finals (one with index 0 and nothing set)"
    yield "response_step_minimal", R(step=P.StepResponse()), "step reply with every field unset"
    frames = [V.Value(tensor=tensor("uint8")), V.Value(), V.Value(string_value="+--+\n")]
    yield "response_render", R(render=P.RenderResponse(frames=frames)), "frames: rgb, none, ansi"
    yield "response_call", R(call=P.CallResponse(value=vmap(("t", V.Value(int_value=2))))), "call"
    yield "response_call_empty", R(call=P.CallResponse()), "call reply without a value"
    yield "response_close", R(close=P.CloseResponse()), "close"
    for code in P.ErrorCode.values():
        name = P.ErrorCode.Name(code).removeprefix("ERROR_CODE_").lower()
        message = "" if code == 0 else f"{name}: d\u00e9tails"
        yield (
            f"response_error_{name}",
            R(error=P.Error(code=code, message=message)),
            f"error {name}",
        )


def service() -> Iterator[tuple[str, Message, str]]:
    yield (
        "attach_request",
        service_pb2.AttachRequest(response=P.SessionResponse(close=P.CloseResponse())),
        "AgentService.Attach: env -> agent",
    )
    yield (
        "attach_response",
        service_pb2.AttachResponse(request=P.SessionRequest(hello=hello(token="t"))),
        "AgentService.Attach: agent -> env",
    )
    yield "protocol_version", P.ProtocolVersion(major=1, minor=2), "a ProtocolVersion alone"
    yield "env_spec_unspecified", env_spec(P.AUTORESET_MODE_UNSPECIFIED), "an EnvSpec alone"
    yield "seed_zero", P.Seed(value=0), "seed 0: present, so encoded (field 1, value 0)"
    yield "seed_unset", P.Seed(), "no seed: zero bytes"


# -------------------------------------------------------------- multi-agent (1.1)


def multi_agent_spec() -> P.EnvSpec:
    """Two behaviours with different spaces; three possible agents."""
    return P.EnvSpec(
        env_id="conformance/chase",
        num_envs=1,
        autoreset_mode=P.AUTORESET_MODE_DISABLED,
        max_episode_steps=50,
        behaviors=[
            P.BehaviorSpec(
                name="chaser", observation_space=SPACES["box"](), action_space=discrete(5)
            ),
            P.BehaviorSpec(
                name="evader",
                observation_space=SPACES["dict"](),
                action_space=SPACES["multi_binary"](),
            ),
        ],
        agents=[
            P.AgentSpec(name="chaser_0", behavior="chaser"),
            P.AgentSpec(name="chaser_1", behavior="chaser"),
            P.AgentSpec(name="\u00e9vader_0", behavior="evader"),
        ],
    )


def float64s(*values: float) -> T.Tensor:
    return T.Tensor(dtype=T.DTYPE_FLOAT64, shape=[len(values)], data=le(f"{len(values)}d", *values))


def bools(*values: int) -> T.Tensor:
    return T.Tensor(dtype=T.DTYPE_BOOL, shape=[len(values)], data=bytes(values))


def chaser_observations(n: int) -> V.Value:
    data = le(f"{3 * n}f", *[float(i) - 1.5 for i in range(3 * n)])
    return V.Value(tensor=T.Tensor(dtype=T.DTYPE_FLOAT32, shape=[n, 3], data=data))


def multi_agent() -> Iterator[tuple[str, Message, str]]:
    yield "behavior_spec", multi_agent_spec().behaviors[1], "a BehaviorSpec alone"
    yield "agent_spec", multi_agent_spec().agents[2], "an AgentSpec alone (unicode name)"
    yield (
        "response_hello_multi_agent",
        P.SessionResponse(
            hello=P.Hello(
                protocol_version=P.ProtocolVersion(major=1, minor=1),
                implementation="rlay-conformance",
                implementation_version="1.1.0",
                capabilities=["render", "call", "multi_agent"],
                env_spec=multi_agent_spec(),
            )
        ),
        "env hello of a multi-agent env: behaviours and agents, no single-agent spaces",
    )
    yield (
        "request_hello_multi_agent",
        P.SessionRequest(
            hello=P.Hello(
                protocol_version=P.ProtocolVersion(major=1, minor=1),
                implementation="rlay-conformance",
                implementation_version="1.1.0",
                capabilities=["render", "call", "multi_agent"],
            )
        ),
        "agent hello that speaks multi-agent",
    )
    evader_obs = vmap(
        ("zeta", V.Value(tensor=T.Tensor(dtype=T.DTYPE_INT64, shape=[1], data=le("q", 2)))),
        ("alpha", chaser_observations(1)),
        ("mid", V.Value(tensor=T.Tensor(dtype=T.DTYPE_INT64, shape=[1], data=le("q", 0)))),
    )
    yield (
        "response_reset_multi_agent",
        P.SessionResponse(
            reset=P.ResetResponse(
                agents=[
                    P.AgentBatch(
                        behavior="chaser",
                        agents=["chaser_0", "chaser_1"],
                        observations=chaser_observations(2),
                        infos=[vmap(("seed", V.Value(int_value=7))), vmap()],
                    ),
                    P.AgentBatch(
                        behavior="evader", agents=["\u00e9vader_0"], observations=evader_obs
                    ),
                ]
            )
        ),
        "reset reply: the live agents of each behaviour, infos of one batch only",
    )
    actions = [
        P.AgentActions(
            behavior="chaser",
            agents=["chaser_1", "chaser_0"],
            actions=V.Value(tensor=T.Tensor(dtype=T.DTYPE_INT64, shape=[2], data=le("2q", 4, 0))),
        ),
        P.AgentActions(
            behavior="evader",
            agents=["\u00e9vader_0"],
            actions=V.Value(
                tensor=T.Tensor(dtype=T.DTYPE_INT8, shape=[1, 2, 3], data=bytes([1, 0, 1, 0, 0, 1]))
            ),
        ),
    ]
    yield (
        "request_step_multi_agent",
        P.SessionRequest(step=P.StepRequest(agent_actions=actions)),
        "step with per-behaviour batched actions (agents in any order)",
    )
    yield (
        "agent_actions_empty",
        P.AgentActions(behavior="evader"),
        "AgentActions with no agents (accepted, means nothing)",
    )
    step = P.StepResponse(
        agents=[
            P.AgentBatch(
                behavior="chaser",
                agents=["chaser_0", "chaser_1"],
                observations=chaser_observations(2),
                rewards=float64s(1.0, -0.5),
                terminated=bools(0, 1),
                truncated=bools(0, 0),
                infos=[vmap(), vmap(("caught", V.Value(bool_value=True)))],
                live=bools(1, 0),
            ),
            P.AgentBatch(
                behavior="evader",
                agents=["\u00e9vader_0"],
                observations=evader_obs,
                rewards=float64s(0.0),
                terminated=bools(0),
                truncated=bools(1),
                live=bools(0),
            ),
        ]
    )
    yield (
        "response_step_multi_agent",
        P.SessionResponse(step=step),
        "step reply: one live agent, one terminated and one truncated (final observations)",
    )


def vectors() -> list[tuple[str, Message, str]]:
    out = [*tensors(), *spaces(), *values(), *requests(), *responses(), *service()]
    out += [*multi_agent()]
    names = [name for name, _, _ in out]
    assert len(names) == len(set(names)), "duplicate vector names"
    return out


def files(name: str, message: Message, description: str) -> dict[str, bytes]:
    body = {
        "message": message.DESCRIPTOR.full_name,
        "description": description,
        "json": json_format.MessageToDict(message, preserving_proto_field_name=True),
    }
    text = json.dumps(body, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    return {
        f"{name}.binpb": message.SerializeToString(deterministic=True),
        f"{name}.json": text.encode("utf-8"),
    }


def expected_files() -> dict[str, bytes]:
    result: dict[str, bytes] = {}
    for name, message, description in vectors():
        result.update(files(name, message, description))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if stale")
    args = parser.parse_args(argv)
    wanted = expected_files()
    present = {p.name for p in HERE.iterdir() if p.suffix in {".binpb", ".json"}}
    stale = sorted(
        n
        for n, data in wanted.items()
        if not (HERE / n).exists() or (HERE / n).read_bytes() != data
    )
    extra = sorted(present - set(wanted))
    if args.check:
        for name in stale + extra:
            print(f"stale: {name}", file=sys.stderr)
        return 1 if stale or extra else 0
    for name in stale:
        (HERE / name).write_bytes(wanted[name])
    for name in extra:
        (HERE / name).unlink()
    print(f"{len(wanted) // 2} vectors; {len(stale)} files written, {len(extra)} removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
