"""dm_env_rpc: its Python client against a Python server of its Environment service.

The server implements ``Environment.Process`` (one bidirectional gRPC stream per
connection) with the library's generated service and its ``tensor_utils`` packers;
the client is the library's own ``Connection`` (created with
``create_secure_channel_and_connect``, local credentials, unbounded message sizes)
and ``DmEnvAdaptor`` (a ``dm_env.Environment``). Per step one ``StepRequest`` goes
out and one ``StepResponse`` comes back on the stream. dm_env_rpc packs float tensors
as ``repeated float`` and uint8 as bytes, as its library does. It has no batch of
sub-environments in one connection, so the batched payload is not run.
"""

from __future__ import annotations

import argparse
from concurrent import futures
from typing import Any

import numpy as np

from rlaybench import harness
from rlaybench.payloads import Payload, initial_obs, stamp

ACTION_UID, OBS_UID = 1, 1


def _specs(payload: Payload) -> Any:
    from dm_env_rpc.v1 import dm_env_rpc_pb2 as pb

    dtype = pb.DataType.UINT8 if payload.dtype == "uint8" else pb.DataType.FLOAT
    specs = pb.ActionObservationSpecs()
    specs.actions[ACTION_UID].CopyFrom(pb.TensorSpec(name="action", shape=[], dtype=pb.INT32))
    specs.observations[OBS_UID].CopyFrom(
        pb.TensorSpec(name="obs", shape=list(payload.shape), dtype=dtype)
    )
    return specs


def _servicer(payload: Payload) -> Any:
    from dm_env_rpc.v1 import dm_env_rpc_pb2 as pb
    from dm_env_rpc.v1 import dm_env_rpc_pb2_grpc, tensor_utils

    class Echo(dm_env_rpc_pb2_grpc.EnvironmentServicer):  # type: ignore[misc]
        """One echo world; each stream is one connection."""

        def Process(self, requests: Any, context: Any) -> Any:
            specs = _specs(payload)
            obs = initial_obs(payload)
            t = 0
            for request in requests:
                kind = request.WhichOneof("payload")
                response = pb.EnvironmentResponse()
                if kind == "step":
                    for tensor in request.step.actions.values():
                        tensor_utils.unpack_tensor(tensor)
                    t += 1
                    stamp(obs, t)
                    response.step.state = pb.EnvironmentStateType.RUNNING
                    response.step.observations[OBS_UID].CopyFrom(tensor_utils.pack_tensor(obs))
                elif kind == "create_world":
                    response.create_world.world_name = "echo"
                elif kind == "join_world":
                    response.join_world.specs.CopyFrom(specs)
                elif kind == "reset":
                    t = 0
                    response.reset.specs.CopyFrom(specs)
                elif kind == "reset_world":
                    response.reset_world.SetInParent()
                elif kind == "leave_world":
                    response.leave_world.SetInParent()
                elif kind == "destroy_world":
                    response.destroy_world.SetInParent()
                else:
                    response.error.code = 12  # UNIMPLEMENTED
                    response.error.message = f"{kind} is not supported"
                yield response

    return Echo()


def env_side(args: argparse.Namespace, payload: Payload) -> None:
    import grpc
    from dm_env_rpc.v1 import dm_env_rpc_pb2_grpc

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    dm_env_rpc_pb2_grpc.add_EnvironmentServicer_to_server(_servicer(payload), server)
    port = server.add_secure_port("localhost:0", grpc.local_server_credentials())
    server.start()
    harness.announce_ready(f"localhost:{port}")
    server.wait_for_termination(timeout=3600)


def driver(args: argparse.Namespace, payload: Payload) -> None:
    from dm_env_rpc.v1 import connection as dm_connection
    from dm_env_rpc.v1 import dm_env_adaptor

    side = harness.Side(harness.side_command("rlaybench.cases.dmenvrpc", args))
    try:
        address = side.wait_ready()
        conn = dm_connection.create_secure_channel_and_connect(address, timeout=60)
        env, _world = dm_env_adaptor.create_and_join_world(conn, {}, {})
        env.reset()
        actions = [{"action": np.int32(a)} for a in (0, 1)]

        def step(i: int) -> object:
            return env.step(actions[i & 1]).observation["obs"]

        result = harness.measure(step, harness.config_from(args))
        env.close()
        conn.close()
    finally:
        side.proc.terminate()
        side.stop()
    from importlib.metadata import version

    harness.emit(
        "dm_env_rpc",
        "DmEnvAdaptor",
        "grpc",
        payload,
        result,
        shape="bidirectional gRPC stream, one StepRequest/StepResponse per step",
        library="dm-env-rpc " + version("dm-env-rpc"),
    )


def main() -> None:
    harness.run_case(__doc__, env_side, driver)


if __name__ == "__main__":
    main()
