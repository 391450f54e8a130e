"""Three-way merges of a stale save: the client's edit (base -> mine) onto the head (base -> theirs).

Both sides' edits are located in the base text with diff-match-patch (word level). Edits that
overlap, or insert different text at the same point, are conflicts and are reported with the span
each side wrote; nothing is guessed. Disjoint edits are applied together to the base, at the
positions the diffs found (as diff3 does).

Why not ``patch_apply``: its fuzzy matching relocates a hunk whose context the other side
touched, and with repeated text it applied an edit to the wrong paragraph (a property test
found it). Positions in the base are exact; a fuzzy match is a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from editorial.revisions.diffing import DELETE, EQUAL, Granularity, diff_text

TEXT_FIELDS = ("title", "dek", "body")
LIST_FIELDS = ("tags", "authors")


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``base[start:end]`` with ``text`` (an insertion when start == end)."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class MergeConflict:
    field: str
    start: int
    end: int
    base: str
    mine: str
    theirs: str


def edits(base: str, other: str) -> list[Edit]:
    """The edits that turn ``base`` into ``other``, at word granularity, in base coordinates."""
    found: list[Edit] = []
    position = 0
    for op, text in diff_text(base, other, Granularity.word, budget=2.0).ops:
        if op == EQUAL:
            position += len(text)
        elif op == DELETE:
            found.append(Edit(position, position + len(text), ""))
            position += len(text)
        elif found and found[-1].end == position:  # an insertion right after a deletion replaces it
            last = found[-1]
            found[-1] = Edit(last.start, last.end, last.text + text)
        else:
            found.append(Edit(position, position, text))
    return found


def _clash(a: Edit, b: Edit) -> bool:
    if a == b:
        return False
    if a.start == a.end and b.start == b.end:
        return a.start == b.start and a.text != b.text
    if a.start == a.end:
        return b.start < a.start < b.end
    if b.start == b.end:
        return a.start < b.start < a.end
    return a.start < b.end and b.start < a.end


def _apply(base: str, start: int, end: int, side: list[Edit]) -> str:
    """``base[start:end]`` with the (disjoint) edits that lie inside it applied."""
    out, position = [], start
    for edit in sorted(side, key=lambda e: (e.start, e.end)):
        if edit.start < start or edit.end > end:
            continue
        out.append(base[position : edit.start])
        out.append(edit.text)
        position = edit.end
    out.append(base[position:end])
    return "".join(out)


def merge_text(field: str, base: str, mine: str, theirs: str) -> tuple[str, list[MergeConflict]]:
    """Merge one text field; returns the merged text (meaningless if there are conflicts) and the conflicts."""
    if mine == base or theirs == mine:
        return theirs, []
    if theirs == base:
        return mine, []
    my_edits, their_edits = edits(base, mine), edits(base, theirs)
    clashes = [(m, t) for m in my_edits for t in their_edits if _clash(m, t)]
    if clashes:
        conflicts = []
        for start, end in _spans(clashes):
            side_mine = [e for e in my_edits if start <= e.start and e.end <= end]
            side_theirs = [e for e in their_edits if start <= e.start and e.end <= end]
            conflicts.append(
                MergeConflict(
                    field,
                    start,
                    end,
                    base[start:end],
                    _apply(base, start, end, side_mine),
                    _apply(base, start, end, side_theirs),
                )
            )
        return theirs, conflicts
    return _apply(base, 0, len(base), list(dict.fromkeys(my_edits + their_edits))), []


def _spans(clashes: list[tuple[Edit, Edit]]) -> list[tuple[int, int]]:
    """Union the clashing edits into disjoint base spans."""
    spans = sorted((min(m.start, t.start), max(m.end, t.end)) for m, t in clashes)
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def merge_list(base: list[str], mine: list[str], theirs: list[str]) -> list[str]:
    """Keep theirs, add what mine added, drop what mine removed."""
    added = [item for item in mine if item not in base]
    removed = {item for item in base if item not in mine}
    return [item for item in theirs if item not in removed] + [item for item in added if item not in theirs]


def merge_content(
    base: dict[str, Any], mine: dict[str, Any], theirs: dict[str, Any]
) -> tuple[dict[str, Any], list[MergeConflict]]:
    """Merge whole revisions field by field."""
    merged: dict[str, Any] = {}
    conflicts: list[MergeConflict] = []
    for field in TEXT_FIELDS:
        merged[field], found = merge_text(field, base[field], mine[field], theirs[field])
        conflicts += found
    for field in LIST_FIELDS:
        merged[field] = merge_list(base[field], mine[field], theirs[field])
    return merged, conflicts
