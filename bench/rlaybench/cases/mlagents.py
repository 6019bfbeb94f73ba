"""Unity ML-Agents' shape: Python is the gRPC server, the engine calls a unary Exchange.

The driver is mlagents-envs' real ``UnityEnvironment`` (its ``RpcCommunicator``
serves ``UnityToExternalProto`` with a thread pool and hands each request to the
main thread through a pipe). The stub engine is a gRPC client that, like Unity's
``RpcCommunicator.cs``, sends the initialization output, then calls ``Exchange``
once per step with a ``UnityMessageProto`` holding one ``AgentInfoProto`` per agent
(observation as ``ObservationProto.float_data``, uncompressed) and receives the
actions in the reply. mlagents-envs 0.28.0 needs protobuf 3.20.x, which on Python
3.11 runs as pure Python; the stub, standing in for Unity's C# code, builds the very
same messages (schema loaded from mlagents-envs' descriptors) with the fast protobuf
runtime of the main interpreter. ML-Agents has no uint8 observation on the wire
(images are PNG or float32), so the image travels as float32, uncompressed. gRPC's
default 4 MiB receive limit, which ML-Agents keeps, refuses the 4 MiB observation.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from typing import Any

import numpy as np

from rlaybench import harness
from rlaybench.payloads import PAYLOADS, Payload, initial_obs

BEHAVIOR = "Echo?team=0"
API_VERSION = "1.5.0"
_MESSAGES = (
    "UnityMessageProto",
    "ObservationProto",
    "AgentInfoProto",
    "UnityRLInitializationOutputProto",
    "BrainParametersProto",
    "UnityRLCapabilitiesProto",
    "AgentActionProto",
)


# ------------------------------------------------------------------------------ stub engine


def load_messages(descriptor_set: str) -> dict[str, Any]:
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    with open(descriptor_set, "rb") as fh:
        files = descriptor_pb2.FileDescriptorSet.FromString(fh.read())
    pool = descriptor_pool.DescriptorPool()
    pending = list(files.file)
    while pending:  # add each file after its dependencies
        done = {f.name for f in files.file if f not in pending}
        ready = [f for f in pending if all(d in done for d in f.dependency)]
        for f in ready:
            pool.Add(f)
            pending.remove(f)
        if not ready:
            raise RuntimeError("descriptor set has unresolved dependencies")
    return {
        name: message_factory.GetMessageClass(
            pool.FindMessageTypeByName(f"communicator_objects.{name}")
        )
        for name in _MESSAGES
    }


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


class _Engine:
    """Builds the per-step output message, as Unity does each Academy step."""

    def __init__(self, payload: Payload, messages: dict[str, Any]) -> None:
        self.payload, self.m = payload, messages
        self.obs = initial_obs(payload).astype(np.float32)
        self.rows = self.obs if payload.batched else self.obs[np.newaxis]

    def observation(self, row: np.ndarray) -> Any:
        # ObservationProto{shape=1, float_data=4 {data=1 packed}}: the packed floats
        # are written as raw bytes, which is what a native encoder does.
        data = row.reshape(-1).tobytes()
        inner = b"\x0a" + _varint(len(data)) + data
        obs = self.m["ObservationProto"].FromString(b"\x22" + _varint(len(inner)) + inner)
        obs.shape.extend(self.payload.shape)
        return obs

    def output(self, t: int, *, init: bool) -> Any:
        message = self.m["UnityMessageProto"]()
        message.header.status = 200
        self.rows[:, 0] = (t % 1000) / 1000.0
        infos = message.unity_output.rl_output.agentInfos[BEHAVIOR]
        for i, row in enumerate(self.rows):
            info = infos.value.add()
            info.reward, info.id = 1.0, i
            info.observations.append(self.observation(row))
        if init:
            out = message.unity_output.rl_initialization_output
            out.name, out.communication_version = "EchoAcademy", API_VERSION
            out.package_version = "2.2.1-exp.1"
            out.capabilities.baseRLCapabilities = True
            out.capabilities.hybridActions = True
            brain = out.brain_parameters.add()
            brain.brain_name, brain.is_training = BEHAVIOR, True
            brain.action_spec.num_discrete_actions = 1
            brain.action_spec.discrete_branch_sizes.append(2)
        return message


def env_side(args: argparse.Namespace, payload: Payload) -> None:
    import grpc

    messages = load_messages(args.descriptors)
    engine = _Engine(payload, messages)
    unity_message = messages["UnityMessageProto"]
    harness.announce_ready()
    channel = grpc.insecure_channel(f"localhost:{args.address}")
    grpc.channel_ready_future(channel).result(timeout=60)
    exchange = channel.unary_unary(
        "/communicator_objects.UnityToExternalProto/Exchange",
        request_serializer=unity_message.SerializeToString,
        response_deserializer=unity_message.FromString,
    )
    t, init = 0, True
    while True:
        reply = exchange(engine.output(t, init=init), timeout=120)
        init = False
        if reply.header.status != 200:
            return  # Python closed the environment
        rl_input = reply.unity_input.rl_input
        actions = rl_input.agent_actions[BEHAVIOR].value if rl_input.agent_actions else []
        if rl_input.command == 1:  # RESET
            t = 0
        elif len(actions):
            t += 1


# ------------------------------------------------------------------------------ driver


def write_descriptors() -> str:
    import importlib
    import pkgutil

    from google.protobuf import descriptor_pb2
    from mlagents_envs import communicator_objects

    files = descriptor_pb2.FileDescriptorSet()
    for module in pkgutil.iter_modules(communicator_objects.__path__):
        if module.name.endswith("_pb2"):
            mod = importlib.import_module(f"mlagents_envs.communicator_objects.{module.name}")
            mod.DESCRIPTOR.CopyToProto(files.file.add())
    fd, path = tempfile.mkstemp(prefix="rlaybench-mlagents-", suffix=".pb")
    os.write(fd, files.SerializeToString())
    os.close(fd)
    return path


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def driver(args: argparse.Namespace, payload: Payload) -> None:
    from google.protobuf.internal import api_implementation
    from mlagents_envs.base_env import ActionTuple
    from mlagents_envs.environment import UnityEnvironment
    from mlagents_envs.exception import UnityEnvironmentException

    class Environment(UnityEnvironment):  # type: ignore[misc]
        """UnityEnvironment whose liveness check watches the stub engine process."""

        stub: Any = None

        def _poll_process(self) -> None:
            if self.stub is not None and self.stub.poll() is not None:
                raise UnityEnvironmentException("the engine stub exited")

    descriptors = write_descriptors()
    port = _free_port()
    cmd = [args.stub_python, "-m", "rlaybench.cases.mlagents"]
    cmd += [*harness.forward_args(args, address=str(port)), "--descriptors", descriptors]
    side = harness.Side(cmd, env={**os.environ, "PYTHONPATH": str(harness.BENCH_DIR)})
    Environment.stub = side.proc
    env = None
    try:
        side.wait_ready()
        try:
            env = Environment(file_name=None, base_port=port, timeout_wait=20)
        except UnityEnvironmentException as exc:
            time.sleep(0.2)
            harness.skip("ML-Agents", "UnityEnvironment", "grpc", payload, f"{exc}{side.tail(2)}")
            return
        env.reset()
        n = payload.num_envs
        actions = [ActionTuple(discrete=np.full((n, 1), a, dtype=np.int32)) for a in (0, 1)]

        def step(i: int) -> object:
            env.set_actions(BEHAVIOR, actions[i & 1])
            env.step()
            decision, _terminal = env.get_steps(BEHAVIOR)
            return decision.obs[0]

        result = harness.measure(step, harness.config_from(args))
    finally:
        if env is not None:
            env.close()
        side.stop()
        os.unlink(descriptors)
    from importlib.metadata import version

    harness.emit(
        "ML-Agents",
        "UnityEnvironment",
        "grpc",
        payload,
        result,
        shape="gRPC unary Exchange per step; Python is the server, the engine calls",
        library=f"mlagents-envs {version('mlagents-envs')}, protobuf {version('protobuf')} "
        f"({api_implementation.Type()})",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    harness.add_common_args(parser)
    parser.add_argument("--descriptors", default="", help="(env side) FileDescriptorSet path")
    parser.add_argument("--stub-python", default="python3", help="interpreter of the stub")
    parser.add_argument("--dump-descriptors", action="store_true", help="print a descriptor path")
    args = parser.parse_args()
    if args.dump_descriptors:
        print(write_descriptors())
        return
    payload = PAYLOADS[args.payload]
    (env_side if args.side == "env" else driver)(args, payload)


if __name__ == "__main__":
    main()
