"""Every ```python block of the documentation runs, so a broken example fails CI.

The pages: ``README.md``, each top-level folder's ``README.md`` (``python/``,
``csharp-unity/``, ``bench/``, ...), ``docs/**/*.md`` and ``conformance/*.md``. Their
fenced ``python`` (or ``py``) blocks are read from the pages when the tests run (never
copied here), and each page's blocks run in order, in one namespace, in a temporary
working directory of their own. One test per page; a failure names the page and the
block's first line, and tracebacks point into the page.

Blocks that need something around them say so in HTML comments right before the fence
(invisible on the rendered page), one directive per comment::

    <!-- snippet: host CartPole-v1 tcp://127.0.0.1:7000 [num_envs=4] [token=T] -->
        Starts a Python reference env host (``rlay.serve``) of that Gymnasium env where
        the page dials ``tcp://127.0.0.1:7000``: the game a ClientEnv talks to. It also
        answers the named command ``time_scale`` (as the Unity binding does).

    <!-- snippet: game ./Build/Game.x86_64 CartPole-v1 [num_envs=4] -->
        Puts a stand-in game program at that path (in the page's working directory): it
        dials the address it is launched with (``RLAY_ADDRESS``, ``RLAY_TOKEN``) and hosts
        the env with ``rlay.dial``. What ``ServerEnv(launch=[...])`` starts.

    <!-- snippet: game godot CartPole-v1 -->
        A bare name (no slash) is put in a folder that goes first on PATH, for a block
        that launches a program by name.

    <!-- snippet: dialer CartPole-v1 ws://127.0.0.1:8765 [num_envs=4] [token=T] -->
        The block listens there itself (a ServerEnv without ``launch``): an env side
        (``rlay.dial``, in a thread) dials it once it listens. What a browser build or a
        game started by hand does.

    <!-- snippet: agent tcp://127.0.0.1:7001 -->
        A ``ServerEnv`` listens where the page's env side dials, resets and steps the env
        once it has dialled in, then closes it. ``agent $RLAY_ADDRESS`` listens on a free
        port and puts its address in ``os.environ["RLAY_ADDRESS"]``. The block must dial
        it: an agent still waiting at the page's end fails the page.

    <!-- snippet: interrupt tcp://127.0.0.1:7000 -->
        The block serves forever at that address: the test dials it (ClientVectorEnv),
        plays a few steps, then interrupts the block as Ctrl-C does (KeyboardInterrupt).
        The block must have been listening and must end by that interrupt.

    <!-- snippet: address tcp://127.0.0.1:7002 -->
        The block itself listens there; nothing else is started.

    <!-- snippet: replace 100_000 => 64 -->
        Replaces text in this block before it runs: training budgets only. The text must
        occur in the block.

    <!-- snippet: compile-only REASON -->
        The block is only compiled (a fragment that cannot run alone). Use it sparingly:
        each one is listed, with its reason, in the test summary.

Every address a directive names is rewritten, in this block and the ones after it, to a
fresh one (a free TCP port, a socket path in a temporary folder), so pages run in
parallel with anything else on the machine. A later directive naming the same address
maps it anew. Fixtures live until the page's end; then every env or host the page's
namespace still holds is closed, and the fixtures are stopped and checked.

Pages whose blocks import ``stable_baselines3`` are marked ``sb3`` and run in the
``sb3`` nox session, where it is installed.
"""

from __future__ import annotations

import _thread
import contextlib
import os
import re
import shlex
import socket
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import pytest
from conftest import COMPILE_ONLY_KEY
from gymnasium.vector import VectorEnv

import rlay

ROOT = Path(__file__).resolve().parents[2]
PAGE_GLOBS = ["README.md", "*/README.md", "docs/**/*.md", "conformance/*.md"]
FIXTURE_TIMEOUT = 60.0

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>[^`\n]*)$")
_DIRECTIVE = re.compile(r"^\s*<!--\s*snippet:\s*(?P<body>.*?)\s*-->\s*$")
_KNOWN = {"host", "game", "dialer", "agent", "interrupt", "address", "replace", "compile-only"}


@dataclass
class Block:
    """One fenced python block and the directives just before it."""

    page: Path
    line: int  # 1-based line of the first code line
    code: str
    directives: list[tuple[str, str]] = field(default_factory=list)

    @property
    def where(self) -> str:
        page = self.page.relative_to(ROOT) if ROOT in self.page.parents else self.page
        return f"{page}:{self.line}"


def pages() -> list[Path]:
    """The documentation pages, sorted."""
    found: set[Path] = set()
    for pattern in PAGE_GLOBS:
        found.update(p for p in ROOT.glob(pattern) if "node_modules" not in p.parts)
    return sorted(found)


def parse_blocks(page: Path) -> list[Block]:
    """The page's python blocks with their directives (comments between blocks reset)."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    pending: list[tuple[str, str]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        directive = _DIRECTIVE.match(line)
        fence = _FENCE.match(line)
        if directive:
            word, _, rest = directive.group("body").partition(" ")
            if word not in _KNOWN:
                raise ValueError(f"{page}:{i + 1}: unknown snippet directive {word!r}")
            pending.append((word, rest.strip()))
        elif fence:
            close = fence.group("fence")
            language = fence.group("info").strip().split(" ")[0].lower()
            start = i + 1
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(close):
                i += 1
            if language in {"python", "py"}:
                indent = len(fence.group("indent"))
                code = "\n".join(text[indent:] for text in lines[start:i])
                blocks.append(Block(page, start + 1, code, pending))
            elif pending:
                raise ValueError(f"{page}:{start}: snippet directives before a non-python block")
            pending = []
        elif line.strip() and pending and not line.lstrip().startswith("<!--"):
            raise ValueError(f"{page}:{i + 1}: snippet directives must come just before a block")
        i += 1
    return blocks


def _free_address(address: str, directory: str) -> str:
    scheme, _, rest = address.partition("://")
    if scheme in {"tcp", "grpc", "ws", "tls"}:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return f"{scheme}://127.0.0.1:{probe.getsockname()[1]}"
    if scheme in {"unix", "shm"}:
        return f"{scheme}://{directory}/{Path(rest).name}"
    raise ValueError(f"no fresh address for {address!r}")


def _options(words: list[str]) -> dict[str, str]:
    options = dict(word.split("=", 1) for word in words)
    unknown = set(options) - {"num_envs", "token"}
    if unknown:
        raise ValueError(f"unknown fixture options {sorted(unknown)}")
    return options


def _set_time_scale(envs: list[gym.Env[Any, Any]], value: Any) -> None:
    for env in envs:
        env.unwrapped.time_scale = float(value)  # type: ignore[attr-defined]


_GAME = """#!{python}
# A stand-in game for the documentation's snippets: it dials the ServerEnv that
# launched it and hosts {env_id} there.
import os
import rlay

def set_time_scale(envs, value):
    for env in envs:
        env.unwrapped.time_scale = float(value)

backend = rlay.GymBackend({env_id!r}, num_envs={num_envs}, calls={{"time_scale": set_time_scale}})
rlay.dial(backend, os.environ["RLAY_ADDRESS"], token=os.environ.get("RLAY_TOKEN"))
"""


class _Agent:
    """A ServerEnv, in a thread, that drives whatever env dials in."""

    def __init__(self) -> None:
        self.env = rlay.ServerVectorEnv(wait=False, accept_timeout=FIXTURE_TIMEOUT)
        self.address = self.env.address
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="snippet-agent", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.env.reset(seed=0)
            for _ in range(5):
                self.env.step(self.env.action_space.sample())
        except BaseException as error:
            self.error = error
        finally:
            self.env.close()

    def check(self) -> None:
        # The block dials it and returns when the agent has closed: nothing left to wait for.
        self.thread.join(5.0)
        if self.thread.is_alive():
            raise AssertionError(f"the agent at {self.address} was never dialled")
        if self.error is not None:
            raise AssertionError(f"the agent at {self.address} failed: {self.error!r}")


class _Dialer:
    """An env side that dials the block's listener (retrying until it listens)."""

    def __init__(self, env_id: str, address: str, num_envs: int) -> None:
        self.address = address
        self.error: BaseException | None = None
        self.thread = threading.Thread(
            target=self._run, args=(env_id, num_envs), name="snippet-dialer", daemon=True
        )
        self.thread.start()

    def _run(self, env_id: str, num_envs: int) -> None:
        try:
            backend = rlay.GymBackend(env_id, num_envs, calls={"time_scale": _set_time_scale})
            rlay.dial(backend, self.address, retry_timeout=FIXTURE_TIMEOUT)
        except BaseException as error:
            self.error = error

    def check(self) -> None:
        # The page's cleanup closed the block's env: the session has ended.
        self.thread.join(10.0)
        if self.thread.is_alive():
            raise AssertionError(f"the env dialling {self.address} never got a session")
        if self.error is not None and not isinstance(self.error, rlay.ConnectionClosed):
            raise AssertionError(f"the env dialling {self.address} failed: {self.error!r}")


class PageRun:
    """The state of one page's run: namespace, address map and fixtures."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.namespace: dict[str, Any] = {"__name__": "__snippet__"}
        self.addresses: dict[str, str] = {}
        self.hosts: list[rlay.Host] = []
        self.agents: list[_Agent] = []
        self.dialers: list[_Dialer] = []
        self.compiled_only: list[str] = []

    def run(self, block: Block) -> None:
        code = block.code
        interrupt: str | None = None
        compile_only: str | None = None
        for word, rest in block.directives:
            args = shlex.split(rest)
            if word == "host":
                env_id, address, *more = args
                opts = _options(more)
                host = rlay.serve(
                    env_id,
                    "tcp://127.0.0.1:0",
                    num_envs=int(opts.get("num_envs", 1)),
                    token=opts.get("token"),
                    calls={"time_scale": _set_time_scale},
                ).start()
                self.hosts.append(host)
                self.addresses[address] = host.address
            elif word == "game":
                path, env_id, *more = args
                opts = _options(more)
                program = Path(self.directory) / path
                if "/" not in path:  # launched by name: found on PATH
                    program = Path(self.directory) / "bin" / path
                    os.environ["PATH"] = f"{program.parent}{os.pathsep}{os.environ['PATH']}"
                program.parent.mkdir(parents=True, exist_ok=True)
                program.write_text(
                    _GAME.format(
                        python=sys.executable,
                        env_id=env_id,
                        num_envs=int(opts.get("num_envs", 1)),
                    )
                )
                program.chmod(program.stat().st_mode | stat.S_IXUSR)
            elif word == "dialer":
                env_id, address, *more = args
                opts = _options(more)
                self.addresses[address] = _free_address(address, self.directory)
                self.dialers.append(
                    _Dialer(env_id, self.addresses[address], int(opts.get("num_envs", 1)))
                )
            elif word == "agent":
                (address,) = args
                agent = _Agent()
                self.agents.append(agent)
                if address == "$RLAY_ADDRESS":
                    os.environ["RLAY_ADDRESS"] = agent.address
                else:
                    self.addresses[address] = agent.address
            elif word in {"interrupt", "address"}:
                (address,) = args
                self.addresses[address] = _free_address(address, self.directory)
                if word == "interrupt":
                    interrupt = self.addresses[address]
            elif word == "replace":
                old, _, new = rest.partition(" => ")
                if old not in code:
                    raise AssertionError(f"{block.where}: 'replace {old}': not in the block")
                code = code.replace(old, new)
            elif word == "compile-only":
                if not rest:
                    raise AssertionError(f"{block.where}: compile-only needs a reason")
                compile_only = rest
        for old, new in self.addresses.items():
            code = code.replace(old, new)
        # Blank lines first, so that tracebacks give the page's own line numbers.
        compiled = compile("\n" * (block.line - 1) + code, str(block.page), "exec")
        if compile_only is not None:
            self.compiled_only.append(f"{block.where}: {compile_only}")
            return
        if interrupt is None:
            exec(compiled, self.namespace)
        else:
            self._run_until_interrupted(compiled, interrupt, block)

    def _run_until_interrupted(self, compiled: Any, address: str, block: Block) -> None:
        state = {"running": True, "interrupted": False}
        lock = threading.Lock()
        errors: list[BaseException] = []

        def drive() -> None:
            try:
                with rlay.ClientVectorEnv(address, connect_timeout=FIXTURE_TIMEOUT) as env:
                    env.reset(seed=0)
                    env.step(env.action_space.sample())
            except BaseException as error:
                errors.append(error)
            with lock:
                if state["running"]:
                    state["interrupted"] = True
                    _thread.interrupt_main()

        driver = threading.Thread(target=drive, name="snippet-interrupt", daemon=True)
        driver.start()
        try:
            exec(compiled, self.namespace)
        except KeyboardInterrupt:
            if not state["interrupted"]:
                raise
        finally:
            with lock:
                state["running"] = False
        if not state["interrupted"]:
            raise AssertionError(f"{block.where}: the block ended before it was interrupted")
        driver.join(FIXTURE_TIMEOUT)
        if errors:
            raise AssertionError(f"{block.where}: dialling the served block failed") from errors[0]

    def close(self) -> None:
        """Close what the page left open, stop the fixtures, raise what they saw."""
        for value in list(self.namespace.values()):
            if isinstance(value, (gym.Env, VectorEnv, rlay.Host)):
                with contextlib.suppress(Exception):
                    value.close()
        for host in self.hosts:
            host.close()
        for agent in self.agents:
            agent.check()
        for dialer in self.dialers:
            dialer.check()


def _page_params() -> Iterator[Any]:
    for page in pages():
        blocks = parse_blocks(page)
        if not blocks:
            continue
        sb3 = any("stable_baselines3" in block.code for block in blocks)
        marks = [pytest.mark.sb3] if sb3 else []
        yield pytest.param(page, id=str(page.relative_to(ROOT)), marks=marks)


PAGES = list(_page_params())


def test_the_documentation_has_python_blocks() -> None:
    """The collector finds the pages (a wrong glob must not make every test vanish)."""
    names = {param.id for param in PAGES}
    assert {"README.md", "docs/python.md", "python/README.md"} <= names


@pytest.mark.parametrize("page", PAGES)
def test_page_snippets_run(
    page: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """Each python block of the page runs, in order, with its directives' fixtures."""
    blocks = parse_blocks(page)
    with tempfile.TemporaryDirectory(prefix="rlay-doc-", dir="/tmp") as directory:
        monkeypatch.chdir(directory)
        monkeypatch.setenv("RLAY_ADDRESS", "")
        monkeypatch.setenv("PATH", os.environ["PATH"])  # a bare-name game goes first
        run = PageRun(directory)
        try:
            for block in blocks:
                try:
                    run.run(block)
                except Exception as error:
                    raise AssertionError(f"the block at {block.where} failed: {error!r}") from error
        finally:
            run.close()
            request.config.stash.setdefault(COMPILE_ONLY_KEY, []).extend(run.compiled_only)


def test_directives_are_parsed(tmp_path: Path) -> None:
    """Directives attach to the next python block; misplaced ones are errors."""
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n<!-- snippet: host CartPole-v1 tcp://127.0.0.1:7000 -->\n"
        "```python\nimport rlay\n```\n\n```py\nx = 1\n```\n"
    )
    first, second = parse_blocks(page)
    assert first.directives == [("host", "CartPole-v1 tcp://127.0.0.1:7000")]
    assert (first.line, first.code) == (5, "import rlay")
    assert (second.directives, second.code) == ([], "x = 1")
    page.write_text("<!-- snippet: host A b -->\n\nSome text.\n\n```python\npass\n```\n")
    with pytest.raises(ValueError, match="just before a block"):
        parse_blocks(page)
    page.write_text("<!-- snippet: hots A b -->\n```python\npass\n```\n")
    with pytest.raises(ValueError, match="unknown snippet directive"):
        parse_blocks(page)


def _run_page(path: Path, text: str) -> PageRun:
    path.write_text(text)
    run = PageRun(str(path.parent))
    try:
        for block in parse_blocks(path):
            run.run(block)
    finally:
        run.close()
    return run


def test_fixtures_hold_blocks_to_their_directives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Host, game and replace work; a block that breaks its directive fails the page."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RLAY_ADDRESS", "")
    monkeypatch.setenv("PATH", os.environ["PATH"])  # a bare-name game goes first
    page = tmp_path / "page.md"
    run = _run_page(
        page,
        "<!-- snippet: host CartPole-v1 tcp://127.0.0.1:7000 -->\n"
        "<!-- snippet: replace STEPS => 3 -->\n"
        "```python\nimport rlay\nenv = rlay.ClientEnv('tcp://127.0.0.1:7000')\n"
        "env.reset(seed=0)\nfor _ in range(STEPS):\n    env.step(0)\n```\n"
        "<!-- snippet: game ./g CartPole-v1 -->\n"
        "```python\nserver = rlay.ServerEnv(launch=['./g'])\nserver.reset()\n```\n"
        "<!-- snippet: compile-only shows a fragment -->\n"
        "```python\nenv.step(undefined_name)\n```\n",
    )
    assert run.compiled_only == [f"{page}:17: shows a fragment"]
    with pytest.raises(AssertionError, match="was never dialled"):
        _run_page(page, "<!-- snippet: agent tcp://127.0.0.1:7001 -->\n```python\nx = 1\n```\n")
    with pytest.raises(AssertionError, match="ended before it was interrupted"):
        _run_page(page, "<!-- snippet: interrupt tcp://127.0.0.1:7002 -->\n```python\nx = 1\n```\n")
    with pytest.raises(AssertionError, match="not in the block"):
        _run_page(page, "<!-- snippet: replace nowhere => 1 -->\n```python\nx = 1\n```\n")


# PyPI's "rlay" is an older, different package: an install line must name this one.
_PYPI_RLAY = re.compile(
    r"pip install\b[^\n`&;|]*?(?<![\w./@-])[\"']?rlay(?:\[[\w,]+\])?[\"']?(?=\s|$|`)(?!\s*@)"
)


@pytest.mark.parametrize("page", [p for p in pages()], ids=lambda p: str(p.relative_to(ROOT)))
def test_install_lines_get_this_project(page: Path) -> None:
    """``pip install rlay`` / ``rlay[extra]`` would install PyPI's other rlay."""
    bad = [
        f"{page.relative_to(ROOT)}:{number}: {line.strip()}"
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
        if _PYPI_RLAY.search(line)
    ]
    assert bad == []
