"""A griffe extension: the reST touches of rlay's docstrings, as Markdown for the site.

The package's docstrings are written for ``help()`` and editors: ``Example::`` before an
indented block, ``:class:`Name``` for cross-references. On the site these become
``Example:`` (the block stays a code block) and ```Name```.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|attr|mod|exc|data):`~?([^`]+)`")
_LITERAL_INTRO = re.compile(r"::$", re.MULTILINE)


class RestToMarkdown(griffe.Extension):
    """Rewrites each docstring once, when griffe loads the object."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        docstring = obj.docstring
        if docstring is None:
            return
        text = _ROLE.sub(lambda m: f"`{m.group(1)}`", docstring.value)
        docstring.value = _LITERAL_INTRO.sub(":", text)
