"""Names of the request-scoped dependencies, marked for Litestar's name-based injection."""

from __future__ import annotations

from typing import TypeAlias

from litestar.di import NamedDependency
from sqlmodel import Session

from editorial.auth.principal import Principal
from editorial.lib.clock import Clock

DbSession: TypeAlias = NamedDependency[Session]
"""``db_session``: the request's session, committed before the response is sent."""
AppClock: TypeAlias = NamedDependency[Clock]
"""``clock``: the injected clock."""
Caller: TypeAlias = NamedDependency[Principal]
"""``principal``: the authenticated caller."""
Admin: TypeAlias = NamedDependency[Principal]
"""``admin``: the caller, who must be an admin."""
