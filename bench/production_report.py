"""Printing a production run: operations with their rates and latencies, the cores busy, the audit."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from bench.load import _percentile
from bench.production_load import Records

if TYPE_CHECKING:
    from bench.production import RunResult

OPERATIONS = ("create", "save", "transition", "schedule", "read", "worklist")


def operations_table(records: Records) -> str:
    """Per operation: 2xx per second, p50 and p99 of the 2xx, and the other answers."""
    header = f"{'operation':12} {'2xx':>7} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8}  other answers"
    rows = [header, "-" * len(header)]
    for op in [*OPERATIONS, "total"]:
        if op == "total":
            latencies = sorted(x for values in records.latencies.values() for x in values)
            statuses = dict(sum(records.statuses.values(), Counter()))
        else:
            latencies = sorted(records.latencies.get(op, []))
            statuses = dict(records.statuses.get(op, {}))
        other = ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()) if not 200 <= s < 300)
        rate = len(latencies) / records.seconds if records.seconds else 0.0
        rows.append(
            f"{op:12} {len(latencies):7} {rate:8.1f} {_percentile(latencies, 50):8.1f}"
            f" {_percentile(latencies, 99):8.1f}  {other}"
        )
    if records.connection:
        rows.append("connections: " + ", ".join(f"{k}: {v}" for k, v in sorted(records.connection.items())))
    return "\n".join(rows)


def report(result: RunResult) -> str:
    r = result.records
    lines = [
        f"{result.options.api} API processes, {r.seconds:.1f} s, {result.options.users} virtual users, "
        f"faults {'on' if result.options.faults else 'off'}; stories finished {r.stories_done}; "
        f"scheduled (2xx) {len(r.scheduled)}; saves (2xx) {len(r.saves)}; load average {result.load}",
        operations_table(r),
        "cores busy during the load: " + ", ".join(f"{kind} {cores:.2f}" for kind, cores in result.cpu.items()),
        "",
        result.audit.table(),
    ]
    if any(result.tracebacks.values()):
        lines.append("tracebacks in the process logs (expected around the faults): " + ", ".join(
            f"{name} {n}" for name, n in result.tracebacks.items() if n))  # fmt: skip
    lines.append(f"result: {'PASS' if result.passed else 'FAIL'}")
    return "\n".join(lines)


def summary(result: RunResult) -> dict[str, Any]:
    r = result.records
    ops = {}
    for op in OPERATIONS:
        values = sorted(r.latencies.get(op, []))
        ops[op] = {
            "ok": len(values),
            "per_s": round(len(values) / r.seconds, 2) if r.seconds else 0,
            "p50_ms": round(_percentile(values, 50), 2),
            "p99_ms": round(_percentile(values, 99), 2),
            "statuses": {str(k): v for k, v in sorted(r.statuses.get(op, {}).items())},
        }
    return {
        "api": result.options.api,
        "seconds": round(r.seconds, 2),
        "ok_per_s": round(r.count(2) / r.seconds, 2) if r.seconds else 0,
        "operations": ops,
        "audit": {c.invariant: {"checked": c.checked, "violations": len(c.violations)} for c in result.audit.checks},
        "passed": result.passed,
        "load_average": result.load,
        "cores_busy": {kind: round(cores, 3) for kind, cores in result.cpu.items()},
        "timeline": result.timeline,
    }
