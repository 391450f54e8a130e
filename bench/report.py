"""Printing the figures: one table per benchmark, every rate also as a ratio to its peer."""

from __future__ import annotations

import contextlib
import platform
import statistics
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bench.suites import Line

ROOT = Path(__file__).resolve().parents[1]


def context(backend: str) -> dict[str, str]:
    """When, where and on what the figures were taken."""

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "?"

    dirty = "+changes" if git("status", "--porcelain", "--untracked-files=no") else ""
    cpu = "?"
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git("rev-parse", "--short", "HEAD") + dirty,
        "python": platform.python_version(),
        "cpu": cpu,
        "database": backend,
    }


def _spread(values: list[float]) -> str:
    if len(values) < 2:
        return ""
    mean = statistics.mean(values)
    return f" ±{100 * (max(values) - min(values)) / 2 / mean:.0f}%" if mean else ""


def table(title: str, lines: list[Line]) -> str:
    """A fixed-width table: per-round figures averaged, with the spread between rounds.

    "vs peer" divides requests/s by the peer's from the same round; "per CPU-s" divides requests
    per second of the server's CPU time, which holds steadier when other processes share its core.
    """
    header = f"{'':46} {'req/s':>12} {'p50 ms':>8} {'p99 ms':>8} {'vs peer':>13} {'per CPU-s':>13}  {'target':<22} met"
    rows = [title, header, "-" * len(header)]
    for line in lines:
        rps = [r.rps for r in line.results]
        p50 = statistics.mean(r.p50_ms for r in line.results)
        p99 = statistics.mean(r.p99_ms for r in line.results)
        ratio = cpu_ratio = ""
        if line.peers and line.ratios:
            ratio = f"{statistics.mean(line.ratios):.3f}x{_spread(line.ratios)}"
        if line.peers and line.cpu_ratios:
            cpu_ratio = f"{statistics.mean(line.cpu_ratios):.3f}x{_spread(line.cpu_ratios)}"
        met = "" if line.met is None else ("yes" if line.met else "NO")
        errors = sum(r.errors for r in line.results)
        rows.append(
            f"{line.label:46} {statistics.mean(rps):7.0f}{_spread(rps):>5} {p50:8.2f} {p99:8.2f} {ratio:>13}"
            f" {cpu_ratio:>13}  {line.target:<22} {met}"
        )
        notes = [line.note] if line.note else []
        if errors:
            kinds = {k: v for r in line.results for k, v in r.counters.items() if k.startswith(("status", "socket"))}
            notes.append(f"{errors} non-2xx or socket errors" + (f": {kinds}" if kinds else ""))
        cpu = [r.server_cpu for r in line.results if r.server_cpu is not None]
        gen = [r.generator_cpu for r in line.results if r.generator_cpu is not None]
        if cpu and gen:
            notes.append(
                f"server core {100 * statistics.mean(cpu):.0f}% busy, {line.results[0].generator} "
                f"{100 * statistics.mean(gen):.0f}% of its core"
            )
        if len(line.results) > 1:
            notes.append("rounds: " + ", ".join(f"{r.rps:.0f}/s p99 {r.p99_ms:.1f} ms" for r in line.results))
        rows.extend(f"{'':4}{note}" for note in notes)
    return "\n".join(rows)
