"""The caller of a request or job, with the roles it holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is acting: a user (through a token or a session) or the system itself."""

    user_id: int | None
    username: str
    display_name: str
    grants: tuple[tuple[str, str | None], ...] = ()
    scopes: frozenset[str] | None = None
    """Token scopes; ``None`` means the token is limited by its roles alone."""
    expires_at: datetime | None = None
    """When the token this principal came from expires."""

    def roles_on(self, desk_id: str) -> frozenset[str]:
        """Roles held on ``desk_id``, counting global grants."""
        return frozenset(role for role, desk in self.grants if desk is None or desk == desk_id)

    @property
    def is_admin(self) -> bool:
        return any(role == "admin" and desk is None for role, desk in self.grants)

    @property
    def is_system(self) -> bool:
        return self.user_id is None


SYSTEM = Principal(user_id=None, username="system", display_name="Scheduler", grants=(("system", None),))
