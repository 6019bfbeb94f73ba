"""latest.md: the side-by-side table, the ratios and the targets, from the result rows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rlaybench.cases import instances, multi_agent
from rlaybench.payloads import ALL_PAYLOADS, CONFORMANCE_PAYLOADS, PAYLOADS

Row = dict[str, Any]

# Which raw echo a row is compared with: its own transport; gRPC runs over TCP, and
# shared memory is compared with the fastest socket there is here, unix.
_RAW_TRANSPORT = {"tcp": "tcp", "unix": "unix", "grpc": "tcp", "shm": "unix"}
RAW = "raw socket echo"
INPROC = "in-process"
RLAY = "rlay"
#: The suffix of the rows measured while another process keeps one core busy.
BUSY = " [1 core busy]"


def find(rows: Iterable[Row], **match: str) -> Row | None:
    """The first row whose fields equal ``match``."""
    for row in rows:
        if all(row.get(k) == v for k, v in match.items()):
            return row
    return None


def label(row: Row) -> str:
    parts = [row["system"]]
    if row.get("mode") and row["mode"] not in ("step", "echo"):
        parts.append(row["mode"])
    if row.get("transport") and row["transport"] != "none":
        parts.append(row["transport"])
    return " / ".join(parts)


def _us(x: float) -> str:
    if x >= 1000:
        return f"{x / 1000:,.2f} ms"
    return f"{x:,.1f}" if x >= 10 else f"{x:.2f}"


def _t(x: float) -> str:
    """A duration with its unit."""
    return _us(x) if x >= 1000 else f"{_us(x)} µs"


def _rate(x: float) -> str:
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= scale:
            return f"{x / scale:.2f}{unit}"
    return f"{x:.0f}"


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "—"
    return f"{a / b:.2f}×"


def add_ratios(rows: list[Row]) -> None:
    """Store vs_raw / vs_inprocess (median over the reference's median) in each row."""
    for row in rows:
        ref_inproc = find(rows, system=INPROC, payload=row["payload"])
        raw_t = _RAW_TRANSPORT.get(row["transport"])
        busy = BUSY if row["system"].endswith(BUSY) else ""
        ref_raw = (
            find(rows, system=RAW + busy, transport=raw_t, payload=row["payload"])
            if raw_t
            else None
        )
        if ref_raw is not None and row["system"] != RAW + busy:
            row["vs_raw_echo"] = round(row["median_us"] / ref_raw["median_us"], 3)
            row["raw_echo_transport"] = raw_t
        if ref_inproc is not None and row["system"] != INPROC:
            row["vs_in_process"] = round(row["median_us"] / ref_inproc["median_us"], 3)


def payload_table(rows: list[Row], payload: str) -> list[str]:
    """One markdown table for a payload, fastest first."""
    p = ALL_PAYLOADS[payload]
    these = sorted((r for r in rows if r["payload"] == payload), key=lambda r: r["median_us"])
    if not these:
        return []
    rate_col = "agent-steps/s" if p.batched else "steps/s"
    head = f"| system | median µs/step (min–max) | CPU µs/step | {rate_col} | MB/s "
    head += "| × raw echo | × in-process |"
    out = [f"### {p.label} ({p.obs_bytes:,} B per step)", "", head, "|---" * 7 + "|"]
    for r in these:
        rate = r["agent_steps_per_s"] if p.batched else r["steps_per_s"]
        raw = f"{r['vs_raw_echo']:.2f}× ({r['raw_echo_transport']})" if "vs_raw_echo" in r else "—"
        inproc = f"{r['vs_in_process']:.1f}×" if "vs_in_process" in r else "—"
        # in-process hands over a reference: no bytes move, so no throughput to show
        mbs = "—" if r["system"] == INPROC else f"{r['bytes_per_s'] / 1e6:,.1f}"
        out.append(
            f"| {label(r)} | {_us(r['median_us'])} ({_us(r['min_us'])}–{_us(r['max_us'])}) "
            f"| {_us(r['cpu_us'])} | {_rate(rate)} | {mbs} "
            f"| {raw} | {inproc} |"
        )
    return [*out, ""]


def peer_table(rows: list[Row]) -> list[str]:
    """How many times faster rlay (unix) is than each other system, per payload."""
    peers = sorted(
        {
            (r["system"], r["mode"], r["transport"])
            for r in rows
            if r["system"] not in (RLAY, RAW, INPROC)
        }
    )
    out = [
        "| other system | payload | its median µs | rlay ClientEnv unix | rlay ServerEnv unix |",
        "|---|---|---|---|---|",
    ]
    for system, mode, transport in peers:
        for payload in PAYLOADS:
            other = find(rows, system=system, mode=mode, transport=transport, payload=payload)
            if other is None:
                continue
            cells = []
            for rlay_mode in ("ClientEnv", "ServerEnv"):
                mine = find(rows, system=RLAY, mode=rlay_mode, transport="unix", payload=payload)
                cells.append(_speedup(other["median_us"], mine["median_us"]) if mine else "—")
            name = label({"system": system, "mode": mode, "transport": transport})
            out.append(
                f"| {name} | {payload} | {_us(other['median_us'])} | {cells[0]} | {cells[1]} |"
            )
    return [*out, ""]


def _speedup(theirs: float, ours: float) -> str:
    if ours <= theirs:
        return f"{theirs / ours:.2f}× faster"
    return f"{ours / theirs:.2f}× slower"


def conformance_table(rows: list[Row]) -> list[str]:
    """The same rlay agent side against each binding's conformance peer."""
    peers = sorted({r["system"] for r in rows if r["payload"] in CONFORMANCE_PAYLOADS})
    if not peers:
        return []
    head = "| env | agent side | " + " | ".join(f"{p}: µs/step (CPU)" for p in peers)
    out = [
        "## Env sides in other languages (conformance peers)",
        "",
        "The same rlay agent side against each binding's conformance peer over unix, "
        "hosting the conformance environments (conformance/ENVIRONMENTS.md).",
        "",
        head + " |",
        "|---|---|" + "---|" * len(peers),
    ]
    for payload, p in CONFORMANCE_PAYLOADS.items():
        for mode in ("ClientEnv", "ServerEnv"):
            cells = []
            for peer in peers:
                r = find(rows, system=peer, mode=mode, payload=payload)
                cells.append(f"{_us(r['median_us'])} ({_us(r['cpu_us'])})" if r else "—")
            if any(c != "—" for c in cells):
                out.append(f"| {p.label} | {mode} | " + " | ".join(cells) + " |")
    return [*out, ""]


def _verdict(ok: bool | None) -> str:
    return {True: "**met**", False: "**not met**", None: "not measured"}[ok]


_GODOT = "Godot RL Agents"
_OLD = "rlay 0.0.1"
_CSHARP = "C# peer (mono)"
_PYPEER = "Python peer (rlay.host)"
Target = tuple[str, str, bool | None, str]  # target, which row, met?, the numbers


def targets(rows: list[Row], meta: dict[str, Any]) -> list[Target]:
    """Issue 11's targets, one line per row they apply to."""
    out: list[Target] = []

    def rl(mode: str, transport: str, payload: str, busy: str = "") -> Row | None:
        return find(rows, system=RLAY + busy, mode=mode, transport=transport, payload=payload)

    modes = ("ClientEnv", "ServerEnv")
    for transport in ("unix", "tcp"):
        raw = find(rows, system=RAW, transport=transport, payload="cartpole")
        for mode in modes:
            mine = rl(mode, transport, "cartpole")
            what = f"4-float step <= 1.5× the raw {transport} echo"
            if mine and raw:
                ratio = mine["median_us"] / raw["median_us"]
                text = f"{_t(mine['median_us'])} vs {_t(raw['median_us'])}: {ratio:.2f}×"
                out.append((what, f"{mode} / {transport}", ratio <= 1.5, text))
            else:
                out.append((what, f"{mode} / {transport}", None, ""))
    for payload in ("cartpole", "image"):
        godot = find(rows, system=_GODOT, payload=payload)
        for mode in modes:
            mine = rl(mode, "tcp", payload)
            what = f">= 2.5× faster than Godot RL Agents ({PAYLOADS[payload].label})"
            if mine and godot:
                speedup = godot["median_us"] / mine["median_us"]
                text = f"{_t(mine['median_us'])} vs {_t(godot['median_us'])}: {speedup:.2f}×"
                out.append((what, f"{mode} / tcp", speedup >= 2.5, text))
            else:
                out.append((what, f"{mode} / tcp", None, ""))
    loop = find(rows, system=RLAY, mode="loopback", payload="cartpole")
    out.append(
        (
            "rlay's own cost (loopback) <= 10 µs per 4-float step",
            "loopback",
            loop["median_us"] <= 10.0 if loop else None,
            _t(loop["median_us"]) if loop else "",
        )
    )
    for busy in ("", BUSY):
        raw = find(rows, system=RAW + busy, transport="unix", payload="cartpole")
        for mode in modes:
            mine = rl(mode, "shm", "cartpole", busy)
            old = find(rows, system=_OLD + busy, mode=mode, payload="cartpole")
            where = f"{mode} / shm{busy}"
            what = "shm 4-float step at or below the raw unix echo"
            if mine and raw:
                text = f"{_t(mine['median_us'])} vs {_t(raw['median_us'])}"
                out.append((what, where, mine["median_us"] <= raw["median_us"], text))
            else:
                out.append((what, where, None, ""))
            what = "shm faster than rlay 0.0.1 at no more CPU per step"
            if mine and old:
                ok = mine["median_us"] < old["median_us"] and mine["cpu_us"] <= old["cpu_us"]
                text = (
                    f"{_t(mine['median_us'])} vs {_t(old['median_us'])}; CPU "
                    f"{_t(mine['cpu_us'])} vs {_t(old['cpu_us'])}"
                )
                out.append((what, where, ok, text))
            else:
                out.append((what, where, None, ""))
    for transport in ("unix", "shm"):
        for mode in modes:
            large = rl(mode, transport, "large")
            what = "4 MiB observation at >= 3 GB/s"
            if large:
                gbs = large["bytes_per_s"] / 1e9
                text = f"{gbs:.2f} GB/s ({large['median_us'] / 1000:,.2f} ms per step)"
                out.append((what, f"{mode} / {transport}", gbs >= 3.0, text))
            else:
                out.append((what, f"{mode} / {transport}", None, ""))
    for transport, goal in (("unix", 1.5e6), ("shm", 3e6)):
        for mode in modes:
            batch = rl(mode, transport, "batch64")
            what = f"num_envs=64 at >= {goal / 1e6:g} M agent-steps/s"
            if batch:
                rate = batch["agent_steps_per_s"]
                text = f"{_rate(rate)} ({_t(batch['median_us'])} per batched step)"
                out.append((what, f"{mode} / {transport}", rate >= goal, text))
            else:
                out.append((what, f"{mode} / {transport}", None, ""))
    for mode in modes:
        large = find(rows, system=_CSHARP, mode=mode, payload="conf-large")
        what = "C# env side moves the 9 MiB frame at >= 1 GB/s"
        if large:
            gbs = large["bytes_per_s"] / 1e9
            out.append((what, f"{mode} / unix", gbs >= 1.0, f"{gbs:.2f} GB/s"))
        else:
            out.append((what, f"{mode} / unix", None, ""))
    slower = []
    compared = 0
    for r in rows:
        if r["system"] != _CSHARP:
            continue
        py = find(rows, system=_PYPEER, mode=r["mode"], payload=r["payload"])
        if py:
            compared += 1
            if r["median_us"] > py["median_us"]:
                slower.append(f"{r['payload']} {r['mode']} {r['median_us'] / py['median_us']:.2f}×")
    out.append(
        (
            "C# env side no slower than the Python env side on any row",
            "conformance peers / unix",
            (not slower) if compared else None,
            ("slower on " + ", ".join(slower)) if slower else f"{compared} rows compared",
        )
    )
    imp = meta.get("import_ms")
    out.append(
        (
            "`import rlay` adds <= 50 ms to `import gymnasium`",
            "fresh interpreter, median of runs",
            imp["rlay_over_gymnasium"] <= 50.0 if imp else None,
            (
                f"{imp['rlay_over_gymnasium']:.1f} ms (gymnasium {imp['gymnasium']:.1f} ms, "
                f"both {imp['both']:.1f} ms)"
            )
            if imp
            else "",
        )
    )
    return out


def targets_table(rows: list[Row], meta: dict[str, Any]) -> list[str]:
    out = ["| target | row | verdict | measured |", "|---|---|---|---|"]
    for what, where, ok, text in targets(rows, meta):
        out.append(f"| {what} | {where} | {_verdict(ok)} | {text} |")
    return [*out, ""]


def _passes(meta: dict[str, Any]) -> str:
    """How many passes a row is the median of (empty for one pass)."""
    runs = int(meta.get("runs") or 1)
    if runs == 1:
        return ""
    return (
        f"{runs} passes over every row, interleaved; each row, its ratios and the targets "
        f"are from the pass with the median time (`runs_us` in latest.json has all {runs}); "
        "per pass "
    )


def _median_of(meta: dict[str, Any]) -> str:
    runs = int(meta.get("runs") or 1)
    return f" (each row the median of {runs} passes)" if runs > 1 else ""


def render(rows: list[Row], meta: dict[str, Any]) -> str:
    """The whole latest.md."""
    lines = [
        "# rlay side-by-side benchmark results",
        "",
        f"Run: {meta.get('started', '?')} to {meta.get('finished', '?')} "
        f"({'quick' if meta.get('quick') else 'full'} run: {_passes(meta)}"
        f"{meta.get('reps')} repetitions of ~{meta.get('rep_seconds')} s each after "
        "warm-up). "
        f"Machine: {meta.get('machine', '?')}; load average before/after: "
        f"{meta.get('load_before', '?')} / {meta.get('load_after', '?')}. "
        "The cores are shared with other work, so numbers are noisy: compare rows of one run.",
        "",
        "Time is the median wall time per step over the repetitions (min–max across them); "
        "CPU is user+system time of both processes per step; × raw echo divides by the raw "
        "socket round trip of the same payload on the same transport (gRPC rows: TCP); "
        "× in-process divides by the echo env stepped without any transport. "
        "See bench/README.md for what each row runs.",
        "",
        "## Targets",
        "",
        "Each measured side by side in this run. Rows marked"
        f" `{BUSY.strip()}` ran while another process kept one core busy.",
        "",
        *targets_table(rows, meta),
        "## Per payload",
        "",
    ]
    for payload in ALL_PAYLOADS:
        lines += payload_table(rows, payload)
    lines += ["## rlay over unix against every other row", "", *peer_table(rows)]
    lines += conformance_table(rows)
    lines += instances.table(rows)
    lines += multi_agent.table(rows)
    notes = meta.get("omitted", []) + meta.get("errors", [])
    if notes:
        lines += ["## Not in the table", ""]
        for note in notes:
            what = " / ".join(
                x for x in (note["system"], note.get("mode"), note.get("transport")) if x
            )
            reason = " ".join(str(note["reason"]).split())
            lines.append(f"- {what}, {note['payload']}: {reason}")
        lines.append("")
    if meta.get("libraries"):
        lines += ["## Versions", ""]
        lines += [f"- {k}: {v}" for k, v in sorted(meta["libraries"].items())]
        lines.append("")
    return "\n".join(lines)


def summary_table(rows: list[Row]) -> list[str]:
    """Compact µs-per-step table over the four payloads (README summary)."""
    order: list[tuple[str, str, str]] = []
    for r in rows:
        key = (r["system"], r["mode"], r["transport"])
        if r["payload"] in PAYLOADS and key not in order:
            order.append(key)
    head = "| system | " + " | ".join(p.label for p in PAYLOADS.values()) + " |"
    out = [head, "|---|" + "---|" * len(PAYLOADS)]
    for system, mode, transport in order:
        cells = []
        for payload in PAYLOADS:
            r = find(rows, system=system, mode=mode, transport=transport, payload=payload)
            cells.append(_us(r["median_us"]) if r else "—")
        name = label({"system": system, "mode": mode, "transport": transport})
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    return out


def targets_summary(rows: list[Row], meta: dict[str, Any]) -> list[str]:
    """One line per target and row."""
    return [
        f"- {what} ({where}): {_verdict(ok)} {text}".rstrip()
        for what, where, ok, text in targets(rows, meta)
    ]


def update_readme(readme: str, rows: list[Row], meta: dict[str, Any]) -> str:
    """Replace the text between the results markers of bench/README.md."""
    begin, end = "<!-- results:begin -->", "<!-- results:end -->"
    if begin not in readme or end not in readme:
        return readme
    body = [
        begin,
        f"Run of {meta.get('started', '?')}{_median_of(meta)}, load average before/after "
        f"{meta.get('load_before', '?')} / {meta.get('load_after', '?')}:",
        "",
        *summary_table(rows),
        "",
        "Targets (issue 11), each side by side in this run:",
        "",
        *targets_summary(rows, meta),
        end,
    ]
    head, rest = readme.split(begin, 1)
    return head + "\n".join(body) + rest.split(end, 1)[1]
