"""Templates: the Jinja environment, filters, and the context every page shares."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, available_timezones

from jinja2 import Environment, PackageLoader, pass_context
from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template import TemplateConfig

from editorial.web.security import TZ_COOKIE, csrf_token

if TYPE_CHECKING:
    from editorial.web.deps import Viewer

UTC_NAME = "UTC"


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA time zone name, sorted (for the time zone selects)."""
    return tuple(sorted(name for name in available_timezones() if "/" in name or name == UTC_NAME))


def zone_of(name: str | None) -> ZoneInfo | None:
    """The zone with this IANA name, or None for anything else."""
    return ZoneInfo(name) if name and name in zone_names() else None


def viewer_zone(request: Request[Any, Any, Any]) -> ZoneInfo:
    """The viewer's time zone, as their browser reported it (UTC until it has)."""
    return zone_of(request.cookies.get(TZ_COOKIE)) or ZoneInfo(UTC_NAME)


@pass_context
def when(context: Any, at: datetime | None, style: str = "long") -> str:
    """A time in the viewer's zone: ``Thu 1 Jan 2026, 10:00 CET`` (``short``: ``10:00``)."""
    if at is None:
        return ""
    local = at.astimezone(context["zone"])
    if style == "short":
        return local.strftime("%H:%M")
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def duration(seconds: float) -> str:
    """A rough, readable length of time: ``3 d 4 h``, ``2 h 5 min``, ``12 min``."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "under a minute"
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def state_label(state: str) -> str:
    return state.replace("_", "-").capitalize()


@cache
def environment() -> Environment:
    """Our package's templates, autoescaped, all compiled (once per process, when the first app is built)."""
    env = Environment(
        loader=PackageLoader("editorial.web", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(when=when, duration=duration, state_label=state_label)
    # Compiling a page's templates took 20-45 ms, and reading the time zone list 36 ms: work the
    # first person to open each page would otherwise wait for.
    for name in env.list_templates():
        env.get_template(name)
    zone_names()
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    """The app's template engine."""
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment()))


def render(
    request: Request[Any, Any, Any],
    viewer: Viewer | None,
    name: str,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Template:
    """A page (or an HTMX fragment) with what every template needs."""
    shared = {
        "viewer": viewer,
        "csrf": csrf_token(request),
        "zone": viewer_zone(request),
        "path": request.url.path,
        "is_htmx": request.headers.get("hx-request") == "true",
    }
    return Template(template_name=name, context={**shared, **context}, status_code=status, headers=headers)
