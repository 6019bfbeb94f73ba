"""The browser check of the site can fail: a copy of the built site with a broken link,
a console error and a page left out of the navigation is refused, naming each.

Run by ``nox -s docs`` after the build (it needs build/site, node and Chromium)::

    pytest -q tools/docs/test_check_site.py
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "build" / "site"


def test_a_damaged_site_fails_the_check(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(SITE, site)
    # Three pages are enough (and quick): the others go, their links are reported too.
    keep = {
        site,
        site / "concepts",
        site / "concepts" / "tokens",
        site / "concepts" / "dial-directions",
    }
    for index in sorted(site.rglob("index.html"), reverse=True):
        if index.parent not in keep:
            shutil.rmtree(index.parent, ignore_errors=True)
    page = site / "concepts" / "tokens" / "index.html"
    html = page.read_text(encoding="utf-8")
    damage = (
        '<a href="../../no-such-page/">a broken link</a>'
        '<a href="../dial-directions/#no-such-anchor">a broken anchor</a>'
        "<script>console.error('planted error')</script>"
    )
    page.write_text(html.replace("</article>", damage + "</article>", 1), encoding="utf-8")
    orphan = site / "orphan"
    orphan.mkdir()
    (orphan / "index.html").write_text("<html><body><article>orphan</article></body></html>")

    result = subprocess.run(
        ["node", str(ROOT / "tools/docs/check_site.mjs"), str(site), str(tmp_path / "shots")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert "/concepts/tokens/: link to /no-such-page/: no such page or file" in result.stderr
    assert "/dial-directions/#no-such-anchor: no such anchor" in result.stderr
    assert "console error: planted error" in result.stderr
    assert "/orphan/: not reachable from the navigation" in result.stderr
