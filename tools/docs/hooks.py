"""MkDocs hooks: the generated parts of the reference, and the checks that keep pages true.

A page asks for generated text with a marker line, replaced at build time::

    <!-- generate: cli -->                 the `rlay` command, from its argument parser
    <!-- generate: protocol-messages -->   every message, enum and service of proto/rlay/v1
    <!-- generate: bench-results -->       bench/results/latest.md
    <!-- generate: bench-plots -->         every plot in bench/results (published by on_files)

and ``reference/errors.md`` is held to ``rlay.errors``: a typed error without a section
there, or a section for an error that no longer exists, fails the (strict) build.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import reference  # noqa: E402  (its folder is put on the path just above)

_MARKER = re.compile(r"^<!-- generate: ([a-z-]+) -->$", re.MULTILINE)


def on_files(files: Files, config: Any, **kwargs: Any) -> Files:
    """Publish the benchmark plots, which live with the results in bench/results."""
    for plot in sorted((ROOT / reference.PLOTS_DIR).glob("*.png")):
        uri = f"{reference.PLOTS_URI}/{plot.name}"
        files.append(File.generated(config, uri, abs_src_path=str(plot)))
    return files


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    """Fill the generated parts of a page and check the errors page."""
    source = page.file.src_uri
    page_dir = source.rsplit("/", 1)[0] if "/" in source else ""
    generators = {
        "cli": reference.cli_markdown,
        "protocol-messages": lambda: reference.protocol_markdown(ROOT),
        "bench-results": lambda: reference.bench_results_markdown(ROOT),
        "bench-plots": lambda: reference.bench_plots_markdown(ROOT, page_dir),
    }

    def generate(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in generators:
            raise PluginError(f"{source}: unknown generated section {name!r}")
        return generators[name]()

    markdown = _MARKER.sub(generate, markdown)
    if source == "reference/errors.md":
        problems = reference.errors_page_problems(markdown)
        if problems:
            raise PluginError(f"{source} does not match rlay.errors: " + "; ".join(problems))
    return markdown
