"""gRPC unary in ML-Agents' shape, on the fast protobuf runtime.

The same exchange as the ML-Agents case (Python serves ``UnityToExternalProto``, the
engine stub calls ``Exchange`` once per step with ML-Agents' own messages, loaded
from mlagents-envs' descriptors), but the Python side is written here so that it runs
on the main interpreter's protobuf (upb) instead of the pure-Python protobuf 3.20
that mlagents-envs 0.28 requires. It keeps ML-Agents' structure: a gRPC server with
a 10-thread pool whose handler passes each request to the main thread through a
``multiprocessing.Pipe`` and returns the message the main thread sends back; actions
go out as one ``AgentActionProto`` per agent; observations come back as
``float_data`` and are turned into numpy per agent with ``np.array``. This isolates
the cost of the shape (unary RPC per step, thread hand-off) from the slow protobuf.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent import futures
from multiprocessing import Pipe
from typing import Any

import numpy as np

from rlaybench import harness
from rlaybench.cases.mlagents import BEHAVIOR, load_messages
from rlaybench.payloads import PAYLOADS, Payload

SERVICE = "communicator_objects.UnityToExternalProto"
TIMEOUT = 20.0


class _Python:
    """The Python side: a gRPC server whose handler hands requests to the main thread."""

    def __init__(self, messages: dict[str, Any]) -> None:
        import grpc

        self.m = messages
        self.engine: Any = None  # the stub's Popen, watched while waiting
        self.parent, self.child = Pipe()
        unity = messages["UnityMessageProto"]
        handler = grpc.unary_unary_rpc_method_handler(
            self._exchange,
            request_deserializer=unity.FromString,
            response_serializer=unity.SerializeToString,
        )
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=10))
        self.server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(SERVICE, {"Exchange": handler}),)
        )
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()

    # ML-Agents sends the message objects through the pipe, which pickles them: a
    # protobuf message pickles as its serialized bytes and unpickles by parsing them.
    # The classes here are built at run time and cannot be pickled by name, so the
    # bytes go through the pipe explicitly: the same work.
    def _exchange(self, request: Any, context: Any) -> Any:
        self.child.send_bytes(request.SerializeToString())
        return self.m["UnityMessageProto"].FromString(self.child.recv_bytes())

    def receive(self) -> Any:
        # like ML-Agents' poll_for_timeout: wait in slices, checking the engine is alive
        deadline = time.monotonic() + TIMEOUT
        while not self.parent.poll(0.1):
            if self.engine is not None and self.engine.poll() is not None:
                raise TimeoutError("the engine stub exited")
            if time.monotonic() > deadline:
                raise TimeoutError("the engine stub did not call Exchange")
        return self.m["UnityMessageProto"].FromString(self.parent.recv_bytes())

    def send(self, fill: Any, status: int = 200) -> None:
        message = self.m["UnityMessageProto"]()
        message.header.status = status
        if fill is not None:
            fill(message.unity_input)
        self.parent.send_bytes(message.SerializeToString())

    def initialize(self) -> None:
        first = self.receive().unity_output
        assert first.rl_initialization_output.communication_version

        def init(unity_input: Any) -> None:
            unity_input.rl_initialization_input.seed = 0
            unity_input.rl_initialization_input.communication_version = "1.5.0"

        self.send(init)
        self.receive()  # the engine's next call; ML-Agents discards it too

    def exchange(self, fill: Any) -> Any:
        self.send(fill)
        return self.receive().unity_output


def _decode(infos: Any, payload: Payload) -> np.ndarray:
    rows = [np.array(info.observations[0].float_data.data, dtype=np.float32) for info in infos]
    return np.array(rows, dtype=np.float32).reshape((len(rows), *payload.shape))


def driver(args: argparse.Namespace, payload: Payload) -> None:
    messages = load_messages(args.descriptors)
    python = _Python(messages)
    cmd = [sys.executable, "-m", "rlaybench.cases.mlagents"]
    cmd += [*harness.forward_args(args, address=str(python.port)), "--descriptors"]
    cmd.append(args.descriptors)
    side = harness.Side(cmd, env={**os.environ, "PYTHONPATH": str(harness.BENCH_DIR)})
    python.engine = side.proc
    n = payload.num_envs
    try:
        side.wait_ready()
        try:
            python.initialize()
        except TimeoutError as exc:
            harness.skip(
                "gRPC unary (ML-Agents shape)", "Exchange", "grpc", payload, f"{exc}{side.tail(2)}"
            )
            return
        python.exchange(lambda u: setattr(u.rl_input, "command", 1))  # RESET

        def actions(a: int) -> Any:
            def fill(unity_input: Any) -> None:
                rl_in = unity_input.rl_input
                for _ in range(n):
                    action = messages["AgentActionProto"]()
                    action.vector_actions_deprecated.append(a)
                    action.discrete_actions.append(a)
                    rl_in.agent_actions[BEHAVIOR].value.append(action)
                rl_in.command = 0  # STEP

            return fill

        fills = [actions(0), actions(1)]

        def step(i: int) -> object:
            output = python.exchange(fills[i & 1])
            infos = output.rl_output.agentInfos[BEHAVIOR].value
            return _decode(infos, payload), np.array([x.reward for x in infos], np.float32)

        result = harness.measure(step, harness.config_from(args))
        python.send(None, status=400)
    finally:
        side.stop()
        python.server.stop(None)
    from google.protobuf.internal import api_implementation

    harness.emit(
        "gRPC unary (ML-Agents shape)",
        "Exchange",
        "grpc",
        payload,
        result,
        shape="ML-Agents' messages and Exchange unary RPC, on the fast protobuf runtime",
        library=f"grpcio, protobuf ({api_implementation.Type()})",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    harness.add_common_args(parser)
    parser.add_argument("--descriptors", required=True, help="FileDescriptorSet path")
    args = parser.parse_args()
    driver(args, PAYLOADS[args.payload])


if __name__ == "__main__":
    main()
