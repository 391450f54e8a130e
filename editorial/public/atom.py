"""Atom (RFC 4287) feeds of a desk's live articles."""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree as ET

from editorial.public.schemas import PublicArticle

ATOM = "http://www.w3.org/2005/Atom"


def feed(desk_id: str, title: str, articles: list[PublicArticle], *, base_url: str, now: datetime) -> bytes:
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    _text(root, "id", f"{base_url}/feeds/{desk_id}.atom")
    _text(root, "title", f"{title}: latest")
    _text(root, "updated", max((a.published_at for a in articles), default=now).isoformat())
    ET.SubElement(root, f"{{{ATOM}}}link", rel="self", href=f"{base_url}/feeds/{desk_id}.atom")
    for article in articles:
        entry = ET.SubElement(root, f"{{{ATOM}}}entry")
        url = f"{base_url}/public/articles/{article.slug}"
        _text(entry, "id", f"{url}#revision-{article.revision}")
        _text(entry, "title", article.title)
        _text(entry, "updated", article.published_at.isoformat())
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=url)
        for name in article.authors or ["editorial"]:
            _text(ET.SubElement(entry, f"{{{ATOM}}}author"), "name", name)
        for tag in article.tags:
            ET.SubElement(entry, f"{{{ATOM}}}category", term=tag)
        _text(entry, "summary", article.dek)
        content = _text(entry, "content", article.body)
        content.set("type", "text")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    element.text = text
    return element
