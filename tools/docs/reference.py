"""The generated parts of the reference pages, and the check of the errors page.

Each function returns Markdown (or a list of problems) and imports what it describes,
so the site cannot drift from the code::

    print(cli_markdown())                          # `rlay --help` and every subcommand's help
    print(protocol_markdown(Path(".")))            # proto/rlay/v1, message by message
    errors_page_problems(open("docs/reference/errors.md").read())   # [] when in step
    print(bench_results_markdown(Path(".")))       # bench/results/latest.md, one level down
"""

from __future__ import annotations

import argparse
import inspect
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

# argparse wraps help text to the terminal; the page must not depend on who built it.
_HELP_WIDTH = "88"


def cli_markdown() -> str:
    """The ``rlay`` command: its help, then one section per subcommand."""
    from rlay.cli import build_parser

    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = _HELP_WIDTH
    try:
        parser = build_parser()
        parts = ["```text", f"$ rlay --help\n{parser.format_help().rstrip()}", "```"]
        for name, sub, summary in _subcommands(parser):
            parts += [
                f"## rlay {name}",
                "",
                summary[:1].upper() + summary[1:] + ".",
                "",
            ]
            parts += [
                "```text",
                f"$ rlay {name} --help\n{sub.format_help().rstrip()}",
                "```",
            ]
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous
    return "\n".join(parts) + "\n"


def _subcommands(
    parser: argparse.ArgumentParser,
) -> list[tuple[str, argparse.ArgumentParser, str]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, sub in action.choices.items():
                found.append((name, sub, helps.get(name, "")))
    return found


def protocol_markdown(root: Path) -> str:
    """Every message, enum and service of ``proto/rlay/v1``, with the comments of the files."""
    from google.protobuf import descriptor_pb2

    sys.path.insert(0, str(root / "codegen"))
    from protoc_gen_rlay.model import build_model

    proto_root = root / "proto"
    names = sorted(str(p.relative_to(proto_root)) for p in proto_root.glob("rlay/v1/*.proto"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "set.binpb"
        command = [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            "-I.",
            "--include_source_info",
        ]
        command += ["--include_imports", f"--descriptor_set_out={out}", *names]
        result = subprocess.run(
            command, check=False, cwd=proto_root, capture_output=True, text=True
        )
        if result.returncode != 0:
            raise RuntimeError(f"protoc failed:\n{result.stderr}")
        files = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file
    model = build_model(files, names)
    protos = {f.name: f for f in files}
    parts: list[str] = []
    for file in model.files:
        parts += [f"## `{file.name}`", ""]
        for service, doc in _services(protos[file.name]):
            parts += [f"### service {service.name}", "", _paragraphs(doc), ""]
            for method in service.method:
                streams = "stream " if method.client_streaming else ""
                back = "stream " if method.server_streaming else ""
                parts.append(
                    f"- `rpc {method.name}({streams}{_short(method.input_type)}) returns "
                    f"({back}{_short(method.output_type)})`"
                )
            parts.append("")
        for message in file.messages:
            parts += [f"### {message.name}", "", _paragraphs(message.doc), ""]
            if not message.fields:
                parts += ["No fields.", ""]
                continue
            parts += ["| field | number | type | meaning |", "|---|---|---|---|"]
            for field in message.fields:
                kind = _link(field.type_name) if field.type_name else f"`{field.kind}`"
                if field.repeated:
                    kind = f"repeated {kind}"
                if field.oneof:
                    kind += f" (oneof `{field.oneof}`)"
                parts.append(f"| `{field.name}` | {field.number} | {kind} | {_cell(field.doc)} |")
            parts.append("")
        for enum in file.enums:
            parts += [f"### {enum.name}", "", _paragraphs(enum.doc), ""]
            parts += ["| value | number | meaning |", "|---|---|---|"]
            for value in enum.values:
                parts.append(f"| `{value.name}` | {value.number} | {_cell(value.doc)} |")
            parts.append("")
    return "\n".join(parts)


def _services(proto: object) -> list[tuple[object, str]]:
    comments = {
        tuple(location.path): location.leading_comments.strip()
        for location in proto.source_code_info.location  # type: ignore[attr-defined]
    }
    # 6 is FileDescriptorProto.service.
    return [(s, comments.get((6, i), "")) for i, s in enumerate(proto.service)]  # type: ignore[attr-defined]


def _short(full_name: str) -> str:
    return full_name.rsplit(".", 1)[-1]


def _link(full_name: str) -> str:
    name = _short(full_name)
    if full_name.startswith("rlay."):
        return f"[`{name}`](#{name.lower()})"
    return f"`{full_name}`"


def _cell(doc: str) -> str:
    return " ".join(doc.split()).replace("|", "\\|")


def _paragraphs(doc: str) -> str:
    # Comment lines are wrapped prose; keep blank lines and list items as Markdown sees them.
    return doc


_HEADING = re.compile(r"^## `?([A-Za-z_][A-Za-z0-9_]*)`?\s*$", re.MULTILINE)


def errors_page_problems(markdown: str) -> list[str]:
    """Differences between the page's ``## Name`` sections and the errors in rlay.errors."""
    import rlay.errors

    defined = {
        name
        for name, value in inspect.getmembers(rlay.errors, inspect.isclass)
        if issubclass(value, rlay.errors.RlayError) and value.__module__ == "rlay.errors"
    }
    documented = set(_HEADING.findall(markdown))
    problems = [f"{name} has no section" for name in sorted(defined - documented)]
    problems += [f"{name} is not in rlay.errors" for name in sorted(documented - defined)]
    return problems


PLOTS_DIR = "bench/results"
# Where the plots of bench/results are published on the site (see hooks.on_files).
PLOTS_URI = "benchmark-plots"


def bench_results_markdown(root: Path) -> str:
    """The latest benchmark report, its headings one level down to sit under the page's."""
    report = (root / PLOTS_DIR / "latest.md").read_text(encoding="utf-8")
    return re.sub(r"^(#+) ", r"#\1 ", report, flags=re.MULTILINE)


def bench_plots_markdown(root: Path, page_dir: str) -> str:
    """Every plot of the latest run, as images (names are the payloads they show)."""
    plots = sorted((root / PLOTS_DIR).glob("*.png"))
    if not plots:
        raise RuntimeError(f"no plots in {PLOTS_DIR}: run `nox -s bench`")
    prefix = "../" * (page_dir.count("/") + 1) if page_dir else ""
    return "\n\n".join(
        f"![{plot.stem}]({prefix}{PLOTS_URI}/{plot.name}){{ loading=lazy }}" for plot in plots
    )
