"""Word-, character- and paragraph-level diffs with diff-match-patch, and their three renderings.

Word mode tokenises text into words, whitespace runs and single punctuation marks (so text
round-trips exactly), maps each distinct token to one character (the ``diff_linesToChars``
trick), diffs those, maps back, and cleans up semantically. Character mode alone would split
words ("approv|ed").
"""

from __future__ import annotations

import difflib
import html
import re
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

from diff_match_patch import diff_match_patch

EQUAL, INSERT, DELETE = diff_match_patch.DIFF_EQUAL, diff_match_patch.DIFF_INSERT, diff_match_patch.DIFF_DELETE
Ops = list[tuple[int, str]]

_WORDS = re.compile(r"\w+|\s+|[^\w\s]")
_PARAGRAPHS = re.compile(r"(\n[ \t]*\n\s*)")
_WORD = re.compile(r"\w+")
_SURROGATES = range(0xD800, 0xE000)


class Granularity(StrEnum):
    word = "word"
    char = "char"
    paragraph = "paragraph"


def tokenize(text: str, granularity: Granularity) -> list[str]:
    """Split ``text`` into tokens that join back to exactly ``text``."""
    if granularity is Granularity.word:
        return _WORDS.findall(text)
    if granularity is Granularity.paragraph:
        return [part for part in _PARAGRAPHS.split(text) if part]
    return list(text)


def _code_point(index: int) -> str:
    # Skip the surrogate block so every token maps to a valid, distinct character.
    return chr(index + 1 + (len(_SURROGATES) if index + 1 >= _SURROGATES.start else 0))


def _encode(tokens: Sequence[str], alphabet: dict[str, str]) -> str:
    out = []
    for token in tokens:
        char = alphabet.get(token)
        if char is None:
            char = alphabet[token] = _code_point(len(alphabet))
        out.append(char)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class TextDiff:
    ops: Ops
    coarsened: bool


TWO_LEVEL_CHARS = 20_000
"""Above this size a word diff first aligns paragraphs, then diffs words inside changed ones."""


GIL_SWITCH_SECONDS = 0.001
"""How soon a diff running in a worker thread must hand the GIL to a thread that waits for it."""
_switch_lock = threading.Lock()
_diffs_running = 0
_saved_interval = 0.005


@contextmanager
def _sharing_the_gil() -> Iterator[None]:
    """Shorten the interpreter's switch interval while any diff runs, restoring it after the last one.

    A diff is pure-Python CPU work in a worker thread; the event loop, woken by a request, waits for the
    GIL up to the switch interval (5 ms by default) at every wake-up, and a request can need several:
    the loop stalled up to 13 ms during heavy diffs. With 1 ms it stays under 10 ms (bench/diffs.py).
    """
    global _diffs_running, _saved_interval
    with _switch_lock:
        if _diffs_running == 0:
            _saved_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(GIL_SWITCH_SECONDS, _saved_interval))
        _diffs_running += 1
    try:
        yield
    finally:
        with _switch_lock:
            _diffs_running -= 1
            if _diffs_running == 0:
                sys.setswitchinterval(_saved_interval)


def diff_text(old: str, new: str, granularity: Granularity = Granularity.word, *, budget: float = 0.5) -> TextDiff:
    """Diff two texts; ``coarsened`` says the time budget cut the search short (the diff is still exact)."""
    if old == new:
        return TextDiff([(EQUAL, old)] if old else [], False)
    with _sharing_the_gil():
        deadline = time.time() + budget
        if granularity is Granularity.word and len(old) + len(new) > TWO_LEVEL_CHARS:
            return _paragraphs_then_words(old, new, deadline)
        return _diff(old, new, granularity, deadline)


def _diff(old: str, new: str, granularity: Granularity, deadline: float) -> TextDiff:
    engine = diff_match_patch()
    if granularity is Granularity.char:
        ops = engine.diff_main(old, new, False, deadline)
        coarsened = time.time() >= deadline
        engine.diff_cleanupSemantic(ops)
        return TextDiff([(op, text) for op, text in ops if text], coarsened)
    alphabet: dict[str, str] = {}
    encoded = engine.diff_main(
        _encode(tokenize(old, granularity), alphabet), _encode(tokenize(new, granularity), alphabet), False, deadline
    )
    coarsened = time.time() >= deadline
    # Clean up while each token is still one character, so no edit boundary falls inside a token.
    # Paragraphs are already coarse: semantic clean-up would only swallow the breaks between them.
    if granularity is Granularity.word:
        engine.diff_cleanupSemantic(encoded)
    tokens = {char: token for token, char in alphabet.items()}
    return TextDiff([(op, "".join(tokens[c] for c in chars)) for op, chars in encoded if chars], coarsened)


def _paragraphs_then_words(old: str, new: str, deadline: float) -> TextDiff:
    """Align paragraphs, then diff words within each changed run (diff-match-patch's line mode, by paragraph)."""
    ops: Ops = []
    coarsened = False
    deleted: list[str] = []
    inserted: list[str] = []

    def flush() -> None:
        nonlocal coarsened
        before, after = "".join(deleted), "".join(inserted)
        deleted.clear()
        inserted.clear()
        if before and after:
            if time.time() < deadline:
                sub = _diff(before, after, Granularity.word, deadline)
                coarsened |= sub.coarsened
                ops.extend(sub.ops)
                return
            coarsened = True
        ops.extend((op, text) for op, text in ((DELETE, before), (INSERT, after)) if text)

    for op, text in _diff(old, new, Granularity.paragraph, deadline).ops:
        if op == EQUAL:
            flush()
            ops.append((op, text))
        else:
            (deleted if op == DELETE else inserted).append(text)
    flush()
    return TextDiff(ops, coarsened)


def apply_ops(old: str, ops: Iterable[tuple[int, str]]) -> str:
    """Rebuild the new text from the old one and a diff (checking the diff really starts from ``old``)."""
    out, position = [], 0
    for op, text in ops:
        if op == INSERT:
            out.append(text)
            continue
        if old[position : position + len(text)] != text:
            raise ValueError("the diff does not match the old text")
        if op == EQUAL:
            out.append(text)
        position += len(text)
    if position != len(old):
        raise ValueError("the diff does not cover the old text")
    return "".join(out)


def word_counts(ops: Iterable[tuple[int, str]]) -> tuple[int, int]:
    """Words inserted and words deleted."""
    added = removed = 0
    for op, text in ops:
        if op == INSERT:
            added += len(_WORD.findall(text))
        elif op == DELETE:
            removed += len(_WORD.findall(text))
    return added, removed


def render_html(field: str, ops: Iterable[tuple[int, str]]) -> str:
    """An HTML fragment: one ``<p>`` per paragraph, classed by what happened in it, escaped text in ins/del.

    Inline view shows it as is; a side-by-side view shows it twice, hiding ``ins`` on the old side
    and ``del`` on the new side (``.diff-old ins, .diff-new del { display: none }``).
    """
    paragraphs: list[list[tuple[int, str]]] = [[]]
    for op, text in ops:
        parts = _PARAGRAPHS.split(text)
        for index, part in enumerate(parts):
            if index % 2 == 1:
                paragraphs.append([])
            elif part:
                paragraphs[-1].append((op, part))
    out = [f'<section class="diff-field" data-field="{html.escape(field)}">']
    for paragraph in paragraphs:
        if not paragraph:
            continue
        kinds = {op for op, _ in paragraph}
        label = (
            "equal"
            if kinds == {EQUAL}
            else "inserted"
            if kinds == {INSERT}
            else "deleted"
            if kinds == {DELETE}
            else "changed"
        )
        spans = "".join(_span(op, text) for op, text in paragraph)
        out.append(f'<p class="diff-para {label}">{spans}</p>')
    out.append("</section>")
    return "\n".join(out)


def _span(op: int, text: str) -> str:
    escaped = html.escape(text, quote=True)
    return f"<ins>{escaped}</ins>" if op == INSERT else f"<del>{escaped}</del>" if op == DELETE else escaped


def render_unified(field: str, old: str, new: str, old_label: str, new_label: str) -> str:
    """A unified diff of one field, line by line (paragraphs are lines)."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"a/{field}\t{old_label}",
        tofile=f"b/{field}\t{new_label}",
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
