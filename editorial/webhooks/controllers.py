"""``/api/v1/webhooks``: subscriptions, their delivery log and re-delivery (admins)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import Provide
from litestar.params import FromPath, JSONBody, QueryParameter

from editorial.auth.deps import admin_only, provide_admin
from editorial.lib.deps import Admin, AppClock, DbSession
from editorial.lib.paging import Page
from editorial.lib.params import DEFAULT_LIMIT, PageCursor, PageLimit
from editorial.webhooks import services
from editorial.webhooks.schemas import DeliveryRead, WebhookCreate, WebhookCreated, WebhookRead, WebhookUpdate

StatusFilter = Annotated[
    Literal["pending", "delivered", "failed"] | None, QueryParameter(description="only deliveries in this status")
]


class WebhookController(Controller):
    path = "/webhooks"
    tags = ["webhooks"]
    guards = [admin_only]
    dependencies = {"admin": Provide(provide_admin, sync_to_thread=False)}

    @post(sync_to_thread=True)
    def create_webhook(
        self,
        request: Request[Any, Any, Any],
        admin: Admin,
        db_session: DbSession,
        clock: AppClock,
        data: JSONBody[WebhookCreate],
    ) -> WebhookCreated:
        """Subscribe a URL to events; the answer holds the signing secret, shown this once."""
        allow_private = request.app.state.settings.webhook_allow_private_targets
        return services.create_webhook(db_session, data, now=clock.now(), allow_private=allow_private)

    @get(sync_to_thread=True)
    def list_webhooks(self, admin: Admin, db_session: DbSession) -> list[WebhookRead]:
        """Every webhook, without secrets."""
        return [services.webhook_read(w) for w in services.list_webhooks(db_session)]

    @get("/{webhook_id:int}", sync_to_thread=True)
    def get_webhook(self, admin: Admin, db_session: DbSession, webhook_id: FromPath[int]) -> WebhookRead:
        """One webhook, without its secret."""
        return services.webhook_read(services.get_webhook(db_session, webhook_id))

    @patch("/{webhook_id:int}", sync_to_thread=True)
    def update_webhook(
        self,
        admin: Admin,
        db_session: DbSession,
        clock: AppClock,
        webhook_id: FromPath[int],
        data: JSONBody[WebhookUpdate],
    ) -> WebhookRead:
        """Change event types or description, or switch it off or on (on: what it missed is sent)."""
        webhook = services.update_webhook(db_session, webhook_id, data, admin=admin, now=clock.now())
        return services.webhook_read(webhook)

    @delete("/{webhook_id:int}", sync_to_thread=True, status_code=204)
    def delete_webhook(self, admin: Admin, db_session: DbSession, webhook_id: FromPath[int]) -> None:
        """Remove a webhook and its delivery log."""
        services.delete_webhook(db_session, webhook_id)

    @get("/{webhook_id:int}/deliveries", sync_to_thread=True)
    def list_deliveries(
        self,
        admin: Admin,
        db_session: DbSession,
        webhook_id: FromPath[int],
        status: StatusFilter = None,
        cursor: PageCursor = None,
        limit: PageLimit = DEFAULT_LIMIT,
    ) -> Page[DeliveryRead]:
        """Deliveries, newest first, with every attempt, its status code and error."""
        return services.list_deliveries(db_session, webhook_id, status=status, cursor=cursor, limit=limit)

    @post("/{webhook_id:int}/deliveries/{delivery_id:int}/redeliver", sync_to_thread=True, status_code=202)
    def redeliver(
        self,
        admin: Admin,
        db_session: DbSession,
        clock: AppClock,
        webhook_id: FromPath[int],
        delivery_id: FromPath[int],
    ) -> DeliveryRead:
        """Send a delivery again now, with the same webhook-id; its past attempts are kept."""
        return services.redeliver(db_session, webhook_id, delivery_id, now=clock.now())
