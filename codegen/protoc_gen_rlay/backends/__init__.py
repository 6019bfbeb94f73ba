"""Backends: one per language, each a function (model, options) -> [(path, text)].

A backend receives the validated :class:`~protoc_gen_rlay.model.Model` and
the plugin options other than ``lang``; it returns the files to write, with
paths relative to the ``--rlay_out`` directory. Adding a language (cpp,
gdscript) means adding a module here and an entry in ``BACKENDS``.
"""

from __future__ import annotations

from collections.abc import Callable

from protoc_gen_rlay.backends import cpp, csharp, gdscript
from protoc_gen_rlay.model import Model

Backend = Callable[[Model, dict[str, str]], list[tuple[str, str]]]

BACKENDS: dict[str, Backend] = {
    "csharp": csharp.generate,
    "cpp": cpp.generate,
    "gdscript": gdscript.generate,
}
