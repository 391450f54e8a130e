"""The schedule as an iCalendar feed (RFC 5545), one event per scheduled publication."""

from __future__ import annotations

from datetime import datetime, timedelta

from editorial.scheduling.schemas import ScheduledItem

EVENT_LENGTH = timedelta(minutes=15)


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with CRLF and a space, never splitting a UTF-8 character."""
    out, current = [], ""
    for char in line:
        limit = 75 if not out else 74
        if len((current + char).encode()) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return "\r\n ".join(out)


def _stamp(at: datetime) -> str:
    return at.strftime("%Y%m%dT%H%M%SZ")


def calendar(items: list[ScheduledItem], *, now: datetime, host: str) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//editorial//schedule//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Publication schedule",
    ]
    for item in items:
        verb = "Publish" if item.action == "publish" else "Unpublish"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{item.action}-{item.article}@{host}",
            f"DTSTAMP:{_stamp(now)}",
            f"DTSTART:{_stamp(item.due_at)}",
            f"DTEND:{_stamp(item.due_at + EVENT_LENGTH)}",
            f"SUMMARY:{_escape(f'{verb} [{item.desk}] {item.title}')}",
            f"DESCRIPTION:{_escape(f'Article {item.article} ({item.slug}), now {item.state}.')}",
            f"CATEGORIES:{_escape(item.desk)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
