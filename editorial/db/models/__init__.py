"""Every table model, imported here so that Alembic sees one metadata."""

from editorial.db.models.articles import Article, ArticleAuthor, Revision
from editorial.db.models.base import metadata
from editorial.db.models.events import Event, EventSequence
from editorial.db.models.identity import ApiToken, Desk, RoleGrant, User
from editorial.db.models.scheduling import ScheduleFiring, SchedulerWorker
from editorial.db.models.webhooks import Webhook, WebhookAttempt, WebhookDelivery
from editorial.db.models.workflow import HistoryEntry

__all__ = [
    "ApiToken",
    "Article",
    "ArticleAuthor",
    "Desk",
    "Event",
    "EventSequence",
    "HistoryEntry",
    "Revision",
    "RoleGrant",
    "ScheduleFiring",
    "SchedulerWorker",
    "User",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "metadata",
]
