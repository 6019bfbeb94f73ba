"""PNG bar charts of latest.json, one per payload (log scale): python -m rlaybench.plots DIR."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from rlaybench.payloads import ALL_PAYLOADS
from rlaybench.report import BUSY, label

_COLORS = {"rlay": "#1f77b4", "in-process": "#7f7f7f", "raw socket echo": "#bcbcbc"}
_PEER_COLOR = "#ff7f0e"


def plot_payload(rows: list[dict[str, object]], payload: str, out: Path) -> Path | None:
    these = sorted(
        (r for r in rows if r["payload"] == payload),
        key=lambda r: float(r["median_us"]),  # type: ignore[arg-type]
    )
    if not these:
        return None
    names = [label(r) for r in these]
    med = [float(r["median_us"]) for r in these]  # type: ignore[arg-type]
    lo = [m - float(r["min_us"]) for m, r in zip(med, these, strict=True)]  # type: ignore[arg-type]
    hi = [float(r["max_us"]) - m for m, r in zip(med, these, strict=True)]  # type: ignore[arg-type]
    colors = [_COLORS.get(str(r["system"]).removesuffix(BUSY), _PEER_COLOR) for r in these]
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(these) + 1.6))
    bars = ax.barh(names, med, xerr=[lo, hi], color=colors, capsize=3)
    for bar, r in zip(bars, these, strict=True):
        if str(r["system"]).endswith(BUSY):  # measured beside a busy core: hatched
            bar.set_hatch("//")
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set_xlabel("µs per step (median; bars: min–max over repetitions; log scale)")
    ax.set_title(f"{ALL_PAYLOADS[payload].label}: time per step")
    for y, (m, up) in enumerate(zip(med, hi, strict=True)):
        ax.text((m + up) * 1.15, y, f"{m:,.1f}", va="center", fontsize=8)
    ax.grid(axis="x", which="both", alpha=0.3)
    fig.tight_layout()
    path = out / f"{payload}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent / "results"
    rows = json.loads((out / "latest.json").read_text())
    for payload in ALL_PAYLOADS:
        path = plot_payload(rows, payload, out)
        if path is not None:
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
