"""Issue 4, diffs: typical edits against difflib, heavy rewrites against the budget and the event loop.

The corpus is generated here: articles of 1,000 to 20,000 words in paragraphs, drawn from a
Zipf-distributed vocabulary (so the most common words repeat as in real prose), each with a
history of typical edits (a few sentences rewritten, inserted or deleted) and heavy rewrites
(30% of paragraphs replaced).

- Typical edits: ``diff_text`` in word mode against ``difflib.SequenceMatcher(None, a, b)
  .get_opcodes()`` on the same token lists (the ones word mode diffs), pair by pair in one loop;
  the C++ ``fast-diff-match-patch`` on the same token-to-character encoding is shown beside them.
- Heavy rewrites: ``GET /api/v1/articles/{id}/diff`` of a real server, wall time against
  ``EDITORIAL_DIFF_BUDGET_SECONDS``; meanwhile ``GET /health/live`` is sent every few
  milliseconds from outside (its latency against the same probe with no diff running) and a
  lag probe inside the server's event loop records how late each 2 ms sleep wakes up.
"""

from __future__ import annotations

import difflib
import http.client
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import fast_diff_match_patch

from bench import seed
from bench.harness import Server, database, scratch_database
from bench.load import Result
from bench.suites import Line, Options
from editorial.articles import services as articles
from editorial.articles.schemas import ArticleCreate
from editorial.lib.clock import SystemClock
from editorial.revisions.diffing import Granularity, diff_text, tokenize
from editorial.settings import get_settings

SIZES = (1_000, 2_000, 5_000, 10_000, 20_000)
HEAVY_SHARE = 0.3
LAG_INTERVAL = 0.002
"""Seconds the in-server probe sleeps between checks of the event loop."""
HEALTH_INTERVAL = 0.005
"""Seconds between two GET /health/live probes from outside."""

FUNCTION_WORDS = (  # noqa: SIM905
    "the of and to a in that is was he for it with as his on be at by had are but from or have an they which "
    "one you were her all she there would their we him been has when who will more no if out so said what up "
    "its about into than them can only other new some could time these two may then do first any my now such "
    "like our over man me even most made after also did many before must through back years where much your way"
).split()
SYLLABLES = "ba be ca co da de fa fi ga go ha he ka ko la li ma mo na ne pa po ra re sa so ta te va vo za".split()  # noqa: SIM905


def _vocabulary(rng: random.Random, size: int = 6_000) -> tuple[list[str], list[float]]:
    """Function words first, then made-up content words; Zipf weights by rank."""
    words = list(FUNCTION_WORDS)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words, [1 / (rank + 1) for rank in range(len(words))]


class Writer:
    """Deterministic newspaper-like prose: sentences of 6-30 words, commas, numbers, 2-6 sentences a paragraph."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.words, weights = _vocabulary(random.Random(0))
        self.cumulative = list(_accumulate(weights))

    def sentence(self) -> str:
        rng = self.rng
        count = rng.randint(6, 30)
        words = rng.choices(self.words, cum_weights=self.cumulative, k=count)
        if rng.random() < 0.2:
            words[rng.randrange(count)] = str(rng.randint(2, 2030))
        if count > 10 and rng.random() < 0.5:
            words[rng.randrange(3, count - 2)] += ","
        text = " ".join(words)
        return text[0].upper() + text[1:] + rng.choice(".....?")

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(2, 6)))

    def article(self, words: int) -> str:
        paragraphs, count = [], 0
        while count < words:
            paragraphs.append(self.paragraph())
            count += len(paragraphs[-1].split())
        return "\n\n".join(paragraphs)

    def typical_edit(self, text: str) -> str:
        """One to four sentence edits: rewrite, reword a few words, insert or delete a sentence."""
        rng = self.rng
        paragraphs = [_sentences(p) for p in text.split("\n\n")]
        for _ in range(rng.randint(1, 4)):
            paragraph = rng.choice(paragraphs)
            index = rng.randrange(len(paragraph))
            kind = rng.choice(("rewrite", "reword", "insert", "delete"))
            if kind == "rewrite":
                paragraph[index] = self.sentence()
            elif kind == "reword":
                words = paragraph[index].split(" ")
                for _ in range(rng.randint(1, 3)):
                    words[rng.randrange(len(words))] = rng.choice(self.words[100:])
                paragraph[index] = " ".join(words)
            elif kind == "insert":
                paragraph.insert(index, self.sentence())
            elif len(paragraph) > 1:
                del paragraph[index]
        edited = "\n\n".join(" ".join(p) for p in paragraphs)
        return edited if edited != text else self.typical_edit(text)

    def heavy_rewrite(self, text: str, share: float = HEAVY_SHARE) -> str:
        """``share`` of the paragraphs replaced by new ones."""
        paragraphs = text.split("\n\n")
        for index in self.rng.sample(range(len(paragraphs)), round(len(paragraphs) * share)):
            paragraphs[index] = self.paragraph()
        return "\n\n".join(paragraphs)


def _accumulate(weights: Sequence[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def _sentences(paragraph: str) -> list[str]:
    out, start = [], 0
    for index, char in enumerate(paragraph):
        if char in ".?" and (index + 1 == len(paragraph) or paragraph[index + 1] == " "):
            out.append(paragraph[start : index + 1])
            start = index + 2
    if start < len(paragraph):
        out.append(paragraph[start:])
    return out


def typical_pairs(words: int, count: int, *, seed: int) -> list[tuple[str, str]]:
    """An edit history of ``count`` typical edits to one article, as (before, after) pairs."""
    writer = Writer(seed)
    text = writer.article(words)
    pairs = []
    for _ in range(count):
        edited = writer.typical_edit(text)
        pairs.append((text, edited))
        text = edited
    return pairs


# Typical edits, in process.


def _percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _timing(name: str, seconds: Sequence[float], generator: str = "in process") -> Result:
    return Result(
        name=name,
        ok=len(seconds),
        errors=0,
        seconds=sum(seconds),
        p50_ms=1000 * _percentile(seconds, 50),
        p99_ms=1000 * _percentile(seconds, 99),
        generator=generator,
        counters={"p95_us": round(1e6 * _percentile(seconds, 95))},
    )


def _encode(tokens: Sequence[str], alphabet: dict[str, str]) -> str:
    return "".join(alphabet.setdefault(token, chr(0x100 + len(alphabet))) for token in tokens)


def _cpp_word_diff(old: str, new: str, budget: float) -> list[tuple[str, str]]:
    """Word mode with the C++ engine: the same tokens and encoding, ``diff`` with semantic clean-up, mapped back."""
    alphabet: dict[str, str] = {}
    a = _encode(tokenize(old, Granularity.word), alphabet)
    b = _encode(tokenize(new, Granularity.word), alphabet)
    tokens = {char: token for token, char in alphabet.items()}
    ops = fast_diff_match_patch.diff(a, b, timelimit=budget, cleanup="Semantic", counts_only=False)
    return [(op, "".join(tokens[c] for c in chars)) for op, chars in ops]


def _time(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def typical(options: Options) -> list[Line]:
    """p95 of one word diff per typical edit, ours against difflib on the same token lists, per size."""
    edits = 10 if options.quick else 40
    budget = get_settings().diff_budget_seconds
    lines: list[Line] = []
    pooled: dict[str, list[float]] = {"ours": [], "difflib": [], "cpp": []}
    for old, new in typical_pairs(1_000, 3, seed=0):  # warm-up: first calls pay for caches and allocations
        diff_text(old, new, Granularity.word, budget=budget)
        difflib.SequenceMatcher(None, tokenize(old, Granularity.word), tokenize(new, Granularity.word)).get_opcodes()
        _cpp_word_diff(old, new, budget)
    for words in SIZES:
        pairs = typical_pairs(words, edits, seed=words)
        ours: list[list[float]] = [[] for _ in range(options.rounds)]
        peer: list[list[float]] = [[] for _ in range(options.rounds)]
        cpp: list[list[float]] = [[] for _ in range(options.rounds)]
        for round_ in range(options.rounds):
            for old, new in pairs:
                old_words, new_words = tokenize(old, Granularity.word), tokenize(new, Granularity.word)
                ours[round_].append(_time(lambda o=old, n=new: diff_text(o, n, Granularity.word, budget=budget)))
                peer[round_].append(
                    _time(lambda a=old_words, b=new_words: difflib.SequenceMatcher(None, a, b).get_opcodes())
                )
                cpp[round_].append(_time(lambda o=old, n=new: _cpp_word_diff(o, n, budget)))
        for key, runs in (("ours", ours), ("difflib", peer), ("cpp", cpp)):
            pooled[key] += runs[-1]
        lines += _size_lines(f"{words:,} words", ours, peer, cpp)
    last = {k: [v] for k, v in pooled.items()}
    lines += _size_lines("all sizes (last round)", last["ours"], last["difflib"], last["cpp"])
    return lines


def _size_lines(label: str, ours: list[list[float]], peer: list[list[float]], cpp: list[list[float]]) -> list[Line]:
    ours_r = [_timing(f"diff_text {label}", r) for r in ours]
    peer_r = [_timing(f"difflib {label}", r) for r in peer]
    cpp_r = [_timing(f"fast-diff-match-patch {label}", r) for r in cpp]
    p95 = [_percentile(o, 95) / _percentile(p, 95) for o, p in zip(ours, peer, strict=True)]
    p95_cpp = [_percentile(c, 95) / _percentile(p, 95) for c, p in zip(cpp, peer, strict=True)]
    return [
        Line(f"typical, {label}: difflib (peer)", peer_r, peer_r, note=_p95_note(peer)),
        Line(
            f"typical, {label}: diff_text word mode",
            ours_r,
            peer_r,
            target="p95 <= 3x difflib",
            met=max(p95) <= 3,
            note=f"{_p95_note(ours)}; p95 ratio to difflib " + ", ".join(f"{r:.2f}x" for r in p95),
        ),
        Line(
            f"typical, {label}: C++ fast-diff-match-patch",
            cpp_r,
            peer_r,
            note=f"{_p95_note(cpp)}; p95 ratio to difflib " + ", ".join(f"{r:.2f}x" for r in p95_cpp),
        ),
    ]


def _p95_note(runs: list[list[float]]) -> str:
    return "p95 " + ", ".join(f"{1000 * _percentile(r, 95):.2f} ms" for r in runs)


# Heavy rewrites, through a real server.


@dataclass
class Sample:
    at: float
    seconds: float


class HealthProbe(threading.Thread):
    """GET /health/live on one kept-alive connection every few milliseconds; latency of each."""

    def __init__(self, port: int) -> None:
        super().__init__(name="health-probe", daemon=True)
        self.port = port
        self.samples: list[Sample] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.stopped.is_set():
            started = time.perf_counter()
            at = time.time()
            conn.request("GET", "/health/live")
            response = conn.getresponse()
            response.read()
            self.samples.append(Sample(at, time.perf_counter() - started))
            self.stopped.wait(HEALTH_INTERVAL)
        conn.close()

    def stop(self) -> list[Sample]:
        self.stopped.set()
        self.join()
        return self.samples


def _get(port: int, path: str, token: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


HARD = "20,000 words, 90-word vocabulary"
"""The worst case for a diff: bench/seed.py's prose repeats 90 words, so rewritten paragraphs match everywhere."""


def _heavy_pair(label: str, words: int, n: int) -> tuple[str, str]:
    """An article and its heavy rewrite, different for every ``n`` (so no two diffs hit the cache)."""
    author = Writer(seed=words * 1000 + n)
    if label != HARD:
        body = author.article(words)
        return body, author.heavy_rewrite(body)
    body = seed.prose(words, seed=n)
    paragraphs = body.split("\n\n")
    rng = random.Random(n)
    for index in rng.sample(range(len(paragraphs)), round(len(paragraphs) * HEAVY_SHARE)):
        paragraphs[index] = seed.prose(len(paragraphs[index].split()), seed=rng.randrange(10**9))
    return body, "\n\n".join(paragraphs)


def _seed_heavy(url: str, count: int, kinds: Sequence[tuple[str, int]]) -> tuple[str, list[tuple[str, int]]]:
    """Articles whose revision 2 is a heavy rewrite of revision 1, ``count`` of each kind, interleaved."""
    db = database(url)
    people = seed.create_people(db)
    writer = people["writer"]
    made = []
    now = SystemClock().now()
    with db.transaction() as session:
        for n in range(count):
            for label, words in kinds:
                before, after = _heavy_pair(label, words, n)
                create = ArticleCreate(desk="news", title=f"Heavy rewrite {label} {n}", body=before, tags=["bench"])
                article = articles.create(session, writer.principal, create, now=now)
                articles.save(
                    session,
                    writer.principal,
                    article.id,
                    {"body": after},
                    if_match=articles.etag(1),
                    message="heavy rewrite",
                    now=now,
                )
                made.append((label, article.id))
    db.dispose()
    return writer.token, made


def _in_window(samples: list[Sample], windows: list[tuple[float, float]]) -> list[float]:
    return [s.seconds for s in samples if any(start <= s.at <= end for start, end in windows)]


def heavy(options: Options) -> list[Line]:
    """Heavy rewrites through GET /diff: wall time against the budget; event-loop stalls meanwhile."""
    budget = get_settings().diff_budget_seconds
    per_size = 2 if options.quick else 4
    sizes = (5_000, 20_000) if options.quick else SIZES
    kinds = [*((f"{words:,} words", words) for words in sizes), (HARD, 20_000)]
    lines: list[Line] = []
    with scratch_database(options.database_url) as url:
        token, made = _seed_heavy(url, per_size * options.rounds, kinds)
        handle, lag_path = tempfile.mkstemp(prefix="editorial-bench-lag-", suffix=".json")
        os.close(handle)
        server = Server(
            [sys.executable, "-m", "bench.diffs", "serve", "--port", "{port}"],
            env={
                "EDITORIAL_DATABASE_URL": url,
                "EDITORIAL_LOG_LEVEL": "WARNING",
                "EDITORIAL_ACCESS_LOG": "false",
                "EDITORIAL_BENCH_LAG_FILE": lag_path,
            },
        )
        walls: list[list[float]] = []
        by_kind: dict[str, list[float]] = {label: [] for label, _ in kinds}
        coarsened: dict[str, int] = dict.fromkeys(by_kind, 0)
        idle_windows: list[tuple[float, float]] = []
        busy_windows: list[tuple[float, float]] = []
        with server:
            probe = HealthProbe(server.port)
            probe.start()
            queue = list(made)
            for _ in range(options.rounds):
                start = time.time()
                time.sleep(2.0 if options.quick else 4.0)  # the peer: the same probe, nothing else running
                idle_windows.append((start, time.time()))
                this_round: list[float] = []
                for _ in range(per_size * len(kinds)):
                    label, article_id = queue.pop(0)
                    started_at, started = time.time(), time.perf_counter()
                    status, body = _get(server.port, f"/api/v1/articles/{article_id}/diff?from=1&to=2", token)
                    this_round.append(time.perf_counter() - started)
                    by_kind[label].append(this_round[-1])
                    busy_windows.append((started_at, time.time()))
                    assert status == 200, body[:500]
                    coarsened[label] += bool(json.loads(body)["coarsened"])
                walls.append(this_round)
            samples = probe.stop()
        lag = json.loads(Path(lag_path).read_text() or "[]")
        Path(lag_path).unlink(missing_ok=True)
    wall_results = [_timing("GET /diff, heavy rewrite", w, "http.client") for w in walls]
    worst = [max(w) / budget for w in walls]
    lines.append(
        Line(
            f"heavy rewrite, GET /diff wall time ({len(kinds)} kinds x {per_size})",
            wall_results,
            target="max <= 1.1x budget",
            met=max(worst) <= 1.1,
            note=f"budget {budget:g} s; worst/budget by round " + ", ".join(f"{w:.2f}x" for w in worst),
        )
    )
    for label, seconds in by_kind.items():
        lines.append(
            Line(
                f"  heavy rewrite, {label}",
                [_timing(label, seconds, "http.client")],
                note=f"max {max(seconds):.3f} s = {max(seconds) / budget:.2f}x budget;"
                f" {coarsened[label]} of {len(seconds)} coarsened",
            )
        )
    idle = _in_window(samples, idle_windows)
    busy = _in_window(samples, busy_windows)
    idle_r = _timing("GET /health/live, idle", idle, "http.client")
    busy_r = _timing("GET /health/live, during heavy diffs", busy, "http.client")
    lines.append(Line("GET /health/live every 5 ms, idle (peer)", [idle_r], note=f"max {1000 * max(idle):.1f} ms"))
    lines.append(
        Line(
            "GET /health/live every 5 ms, during heavy diffs",
            [busy_r],
            target="max <= 10 ms",
            met=max(busy) <= 0.010,
            note=f"max {1000 * max(busy):.1f} ms; p99/p99 idle {busy_r.p99_ms / idle_r.p99_ms:.1f}x;"
            f" {sum(s > 0.010 for s in busy)} of {len(busy)} over 10 ms",
        )
    )
    in_loop = [late for at, late in lag if any(start <= at <= end for start, end in busy_windows)]
    if in_loop:
        loop_r = _timing("event-loop lag, during heavy diffs", in_loop, "in the server")
        lines.append(
            Line(
                "event-loop lag inside the server, during diffs",
                [loop_r],
                target="max <= 10 ms",
                met=max(in_loop) <= 0.010,
                note=f"max {1000 * max(in_loop):.1f} ms; {sum(s > 0.010 for s in in_loop)} of {len(in_loop)}"
                " wake-ups over 10 ms late",
            )
        )
    return lines


def diffs(options: Options) -> list[Line]:
    """Issue 4: typical edits in process, heavy rewrites through the server."""
    return typical(options) + heavy(options)


# The server under test, with a lag probe in its event loop: ``python -m bench.diffs serve --port N``.


def serve(port: int) -> None:
    """``editorial serve`` as the CLI runs it, plus a task timing 2 ms sleeps on the event loop."""
    import asyncio

    import uvicorn
    import uvloop

    from editorial.app import create_app
    from editorial.db import Database

    settings = get_settings()
    app = create_app(settings, db=Database(settings), run_scheduler=False, settle_heap=True)
    lags: list[tuple[float, float]] = []

    async def probe() -> None:
        while True:  # perf_counter, not loop.time(): uvloop's clock ticks in whole milliseconds
            started = time.perf_counter()
            await asyncio.sleep(LAG_INTERVAL)
            lags.append((time.time(), max(time.perf_counter() - started - LAG_INTERVAL, 0.0)))

    async def main() -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, access_log=False, log_level="warning", timeout_graceful_shutdown=10
        )
        task = asyncio.create_task(probe())
        await uvicorn.Server(config).serve()
        task.cancel()

    # uvicorn re-raises the SIGTERM it caught once it has shut down: let that find a handler that returns.
    signal.signal(signal.SIGTERM, lambda *_: None)
    uvloop.run(main())
    Path(os.environ["EDITORIAL_BENCH_LAG_FILE"]).write_text(json.dumps(lags))


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve(int(sys.argv[sys.argv.index("--port") + 1]))
    else:
        sys.exit("usage: python -m bench.diffs serve --port PORT (the bench starts it; run python -m bench diffs)")
