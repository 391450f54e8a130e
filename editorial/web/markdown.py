"""Article bodies are Markdown: rendered with markdown-it-py, then sanitised with nh3 (Ammonia).

Raw HTML in the source is escaped by the parser (``html: False``) and whatever HTML comes out is
cleaned again to a fixed list of tags and attributes, so a ``<script>``, an ``onerror=`` or a
``javascript:`` link never reaches a page. The pages' CSP forbids inline scripts as well.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_parser = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(source: str) -> Markup:
    """Safe HTML for a Markdown text."""
    html = _parser.render(source)
    return Markup(
        nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel="noopener noreferrer")
    )
