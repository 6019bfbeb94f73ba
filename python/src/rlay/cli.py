"""The ``rlay`` command.

::

    rlay serve CartPole-v1 --address tcp://127.0.0.1:7000   # host an env; ClientEnv dials it
    rlay serve gridenv:Grid-v0                               # your own env (./gridenv.py)
    rlay dial CartPole-v1 -rlay-address tcp://127.0.0.1:7000 # dial a ServerEnv
    rlay serve mpe2.simple_spread_v3:parallel_env            # host a PettingZoo parallel env
    rlay info tcp://127.0.0.1:7000                           # describe a listening env
    rlay demo                                                # CartPole both ways, timed

``serve`` prints ``rlay: listening on ADDR`` as its first line of stdout, so scripts
can start it with port 0 and read the port it got.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any, cast

from rlay._version import __version__
from rlay.errors import RlayError
from rlay.session import AgentSession, EnvDescription

__all__ = ["build_parser", "main"]

logger = logging.getLogger("rlay.cli")

_AUTORESET_CHOICES = ["next_step", "same_step", "disabled"]


def _common() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "-v", "--verbose", action="count", default=0, help="log more (twice: debug)"
    )
    return parent


_ENV_HELP = (
    "a Gymnasium id (CartPole-v1); MODULE:ID imports MODULE first, as gymnasium.make does "
    "(gridenv:Grid-v0 for a gridenv.py that registers Grid-v0); or an entry point "
    "MODULE:CALLABLE, a class or function that returns a Gymnasium env (gridenv:GridEnv) or "
    "a PettingZoo parallel env (mpe2.simple_spread_v3:parallel_env). The current folder is "
    "importable."
)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _env_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("env_id", metavar="ENV", help=_ENV_HELP)
    parser.add_argument(
        "--env-kwargs",
        type=_json_object,
        default=None,
        metavar="JSON",
        help="keyword arguments for the env, e.g. '{\"max_cycles\": 50}'",
    )
    parser.add_argument(
        "--num-envs", type=_positive_int, default=1, help="sub-environments (default 1)"
    )
    parser.add_argument(
        "--autoreset-mode",
        choices=_AUTORESET_CHOICES,
        default=None,
        help="default: disabled for one env, next_step for more",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("RLAY_TOKEN") or None,
        help="shared secret the agent must present (default: $RLAY_TOKEN)",
    )
    parser.add_argument("--render-mode", default=None, help="render mode when the agent asks none")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``rlay`` command."""
    parser = argparse.ArgumentParser(
        prog="rlay", description="Expose a program as a Gymnasium environment, and use one."
    )
    parser.add_argument("--version", action="version", version=f"rlay {__version__}")
    common = _common()
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        parents=[common],
        help="host a Gymnasium or PettingZoo env; agents dial it (ClientEnv, ParallelClientEnv)",
    )
    _env_options(serve)
    serve.add_argument(
        "--address", default="tcp://127.0.0.1:0", help="where to listen (default: a free port)"
    )
    serve.add_argument(
        "--insecure",
        action="store_true",
        help="listen on a non-loopback address without a token (else refused); "
        "tls:// addresses take their certificate from RLAY_TLS_CERT and RLAY_TLS_KEY",
    )

    dial = commands.add_parser(
        "dial",
        parents=[common],
        help="host a Gymnasium or PettingZoo env by dialling an agent (ServerEnv and co)",
    )
    _env_options(dial)
    dial.add_argument(
        "--address",
        "-rlay-address",
        dest="address",
        default=os.environ.get("RLAY_ADDRESS") or None,
        help="the agent's address (default: $RLAY_ADDRESS)",
    )
    dial.add_argument(
        "--retry-timeout",
        type=float,
        default=30.0,
        help="keep trying to connect for this many seconds (default 30)",
    )

    info = commands.add_parser("info", parents=[common], help="describe an env that listens")
    info.add_argument("address", metavar="ADDR")
    info.add_argument("--token", default=os.environ.get("RLAY_TOKEN") or None)
    info.add_argument("--timeout", type=float, default=10.0, help="seconds to wait (default 10)")

    demo = commands.add_parser(
        "demo", parents=[common], help="CartPole through rlay both ways, with a random policy"
    )
    demo.add_argument("--steps", type=int, default=None, help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (130 after Ctrl-C)."""
    args = build_parser().parse_args(argv)
    _setup_logging(args.verbose)
    # A polite `kill` stops the command cleanly (sessions closed, no traceback, exit 0);
    # Ctrl-C does the same with the shell's exit status for it, 130.
    signal.signal(signal.SIGTERM, _terminate)
    try:
        handler = _COMMANDS[args.command]
        return handler(args)
    except _Terminated:
        logger.info("terminated")
        return 0
    except KeyboardInterrupt:
        print("rlay: interrupted", file=sys.stderr)
        return 130
    except (RlayError, OSError, ValueError) as error:
        logger.debug("failed", exc_info=True)
        print(f"rlay: error: {error}", file=sys.stderr)
        return 1


class _Terminated(BaseException):
    """SIGTERM arrived (a BaseException, so that no ``except Exception`` swallows it)."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise _Terminated


def _setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="rlay: %(levelname)s %(name)s: %(message)s")


def _json_object(text: str) -> dict[str, Any]:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"expected a JSON object, got {text!r}")
    return value


def resolve_env(text: str) -> str | Callable[..., Any]:
    """The env an ``ENV`` argument names: a registered Gymnasium id, or a factory.

    ``MODULE:ID`` imports MODULE (from the current folder too), which registers ID, as
    ``gymnasium.make`` does; ``MODULE:NAME`` where NAME is an attribute of the module is an
    entry point, a class or function returning an env. Raises ValueError with one line
    that says what is wrong, before anything listens or dials::

        resolve_env("CartPole-v1")        # -> "CartPole-v1"
        resolve_env("gridenv:Grid-v0")    # imports gridenv.py -> "Grid-v0"
        resolve_env("gridenv:GridEnv")    # -> the GridEnv class
    """
    import importlib

    import gymnasium

    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())  # the console script does not put it there
    env_id = text
    if ":" in text:
        module_name, _, name = text.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            raise ValueError(f"cannot import {module_name!r} for {text!r}: {error}") from error
        if name.isidentifier() and hasattr(module, name):
            factory = getattr(module, name)
            if not callable(factory):
                raise ValueError(f"{text!r} is not callable: an entry point must return an env")
            return cast("Callable[..., Any]", factory)
        env_id = name
    try:
        gymnasium.spec(env_id)
    except gymnasium.error.Error as error:
        raise ValueError(str(error)) from error
    return env_id


def _known_env(text: str) -> str | Callable[..., Any] | None:
    """Resolve the env before listening, so that a typo fails now, not at the first agent."""
    try:
        return resolve_env(text)
    except ValueError as error:
        print(f"rlay: error: {error}", file=sys.stderr)
        return None


def _serve(args: argparse.Namespace) -> int:
    from rlay.host import serve

    env = _known_env(args.env_id)
    if env is None:
        return 2

    host = serve(
        env,
        args.address,
        env_kwargs=args.env_kwargs,
        num_envs=args.num_envs,
        autoreset_mode=args.autoreset_mode,
        token=args.token,
        render_mode=args.render_mode,
        insecure=args.insecure,
    )
    try:
        print(f"rlay: listening on {host.address}", flush=True)
        host.serve_forever()
    finally:
        host.close()
    return 0


def _dial(args: argparse.Namespace) -> int:
    from rlay.host import dial

    if not args.address:
        print(
            "rlay: error: no address: pass --address, -rlay-address or set RLAY_ADDRESS",
            file=sys.stderr,
        )
        return 2
    env = _known_env(args.env_id)
    if env is None:
        return 2
    logger.info("dialling %s", args.address)
    dial(
        env,
        args.address,
        env_kwargs=args.env_kwargs,
        num_envs=args.num_envs,
        autoreset_mode=args.autoreset_mode,
        token=args.token,
        render_mode=args.render_mode,
        retry_timeout=args.retry_timeout,
    )
    return 0


def _info(args: argparse.Namespace) -> int:
    from rlay.transports import connect

    connection = connect(args.address, side="agent", timeout=args.timeout)
    session = AgentSession(connection, timeout=args.timeout)
    try:
        description = session.hello(token=args.token, multi_agent=True)
    finally:
        session.close()
    print(describe(description))
    return 0


def describe(description: EnvDescription) -> str:
    """A readable, multi-line summary of an env's description."""
    mode = description.autoreset_mode
    rows: list[tuple[str, Any]] = [
        ("env", description.env_id),
        ("implementation", f"{description.implementation} {description.implementation_version}"),
        ("capabilities", ", ".join(description.capabilities) or "-"),
        ("num envs", description.num_envs),
        ("autoreset mode", mode.name.lower() if mode is not None else "-"),
        ("render modes", ", ".join(description.render_modes) or "-"),
        ("render mode", description.render_mode or "-"),
        ("render fps", description.render_fps if description.render_fps else "-"),
        ("max episode steps", description.max_episode_steps or "-"),
    ]
    layout = description.agents
    if layout is None:
        rows[3:3] = [
            ("observation space", description.observation_space),
            ("action space", description.action_space),
        ]
    else:
        for behavior in layout.behaviors:
            agents = ", ".join(layout.agents_of(behavior.name))
            rows.append((f"behaviour {behavior.name}", f"agents {agents}"))
            rows.append(("  observation space", behavior.observation_space))
            rows.append(("  action space", behavior.action_space))
    rows.extend((f"metadata.{key}", value) for key, value in description.metadata.items())
    width = max(len(name) for name, _ in rows) + 1
    return "\n".join(f"{name + ':':<{width}} {value}" for name, value in rows)


def _demo(args: argparse.Namespace) -> int:
    from rlay.demo import run_demo

    steps = args.steps
    if steps is None:
        steps = int(os.environ.get("RLAY_DEMO_STEPS", "5000"))
    run_demo(steps)
    return 0


_COMMANDS = {"serve": _serve, "dial": _dial, "info": _info, "demo": _demo}
