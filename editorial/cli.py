"""The ``editorial`` command line."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
import uvicorn
from pydantic import ValidationError
from sqlmodel import Session

from editorial.app import create_app
from editorial.auth import services
from editorial.auth.scopes import SCOPES
from editorial.db import Database
from editorial.db.migrate import downgrade, upgrade
from editorial.demo import DEMO_PASSWORD, is_empty, load_demo, parse_role
from editorial.lib.clock import Clock, SystemClock
from editorial.lib.errors import EditorialError
from editorial.lib.logging import configure_logging
from editorial.portability.commands import export_command, import_command
from editorial.revisions.services import verify_all
from editorial.scheduling.services import fire_due
from editorial.scheduling.worker import Scheduler, worker_name
from editorial.settings import Settings, get_settings
from editorial.webhooks.worker import DeliveryWorker


def _settings() -> Settings:
    return get_settings()


@click.group()
def main() -> None:
    """editorial: a Plone-style editorial workflow service."""


@main.command()
@click.option("--host", default=None, help="default: EDITORIAL_HOST or 127.0.0.1")
@click.option("--port", type=int, default=None, help="default: EDITORIAL_PORT or 8000")
@click.option("--demo/--no-demo", default=None, help="load demo data into an empty database")
def serve(host: str | None, port: int | None, demo: bool | None) -> None:
    """Apply migrations and serve the API with uvicorn."""

    settings = _settings()
    upgrade(settings.database_url)
    db = Database(settings)
    if settings.demo_data if demo is None else demo:
        _load_demo(db)
    in_process = settings.scheduler_in_process if settings.scheduler_in_process is not None else settings.is_sqlite
    deliver = settings.is_sqlite if settings.webhook_worker_in_process is None else settings.webhook_worker_in_process
    app = create_app(settings, db=db, run_scheduler=in_process, run_worker=deliver, settle_heap=True)
    uvicorn.run(
        app,
        host=host or settings.host,
        port=port or settings.port,
        access_log=False,
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=10,
    )


@main.command()
@click.option("--once", is_flag=True, help="fire what is due now, then exit")
@click.option("--dry-run", is_flag=True, help="list what is due, fire nothing")
def scheduler(once: bool, dry_run: bool) -> None:
    """Run a scheduler process (any number may run against one PostgreSQL)."""
    settings = _settings()
    configure_logging(settings.log_level)
    database = Database(settings)
    clock = SystemClock()
    try:
        if dry_run:
            for due in fire_due(database, clock, worker=worker_name(), dry_run=True):
                click.echo(f"{due.action}\tarticle {due.article_id}\t{due.lateness_seconds:.1f} s overdue")
            return
        worker = Scheduler(database, clock, standalone=True)
        if once:
            outcomes = worker.run_once()
            for outcome in outcomes:
                click.echo(f"{outcome.action}\tarticle {outcome.article_id}\t{outcome.outcome}\t{outcome.detail}")
            click.echo(f"{len(outcomes)} fired")
            return
        signal.signal(signal.SIGTERM, lambda *_: worker.stop())
        signal.signal(signal.SIGINT, lambda *_: worker.stop())
        click.echo(f"scheduler {worker.worker} running")
        worker.run()
    finally:
        database.dispose()


@main.command()
@click.option("--once", is_flag=True, help="send what is due now, then exit")
def worker(once: bool) -> None:
    """Run a webhook delivery worker (any number may run against one PostgreSQL)."""
    settings = _settings()
    configure_logging(settings.log_level)
    database = Database(settings)
    deliverer = DeliveryWorker(database, SystemClock(), standalone=True)
    try:
        if once:
            results = deliverer.run_once()
            delivered = sum(result.ok for result in results)
            click.echo(f"{len(results)} attempts, {delivered} delivered, {len(results) - delivered} failed")
            return
        signal.signal(signal.SIGTERM, lambda *_: deliverer.stop())
        signal.signal(signal.SIGINT, lambda *_: deliverer.stop())
        click.echo(f"webhook worker {deliverer.name} running")
        deliverer.run()
    finally:
        deliverer.close()
        database.dispose()


@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Upgrade the database to REVISION (default: the latest)."""

    upgrade(_settings().database_url, revision)
    click.echo(f"database at {revision}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Downgrade the database to REVISION ('base' removes every table)."""

    downgrade(_settings().database_url, revision)
    click.echo(f"database at {revision}")


@main.group()
def users() -> None:
    """People and service accounts."""


@users.command("create")
@click.argument("username")
@click.option("--name", "display_name", default=None, help="display name (default: the username)")
@click.option("--role", "roles", multiple=True, help="ROLE or ROLE:DESK; repeat for more")
@click.option("--password", default=None, help="for the web app; prefer --password-stdin")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
def users_create(
    username: str, display_name: str | None, roles: tuple[str, ...], password: str | None, password_stdin: bool
) -> None:
    """Create a user with roles, e.g. --role writer --role editor:news."""

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    try:
        refs = [parse_role(r) for r in roles]
    except ValidationError as error:
        raise click.BadParameter(str(error.errors()[0]["msg"]), param_hint="--role") from None
    with _transaction() as (session, clock):
        services.create_user(
            session,
            username=username,
            display_name=display_name or username,
            password=password,
            roles=refs,
            now=clock.now(),
        )
    click.echo(f"created {username} ({', '.join(roles) or 'no roles'})")


@users.command("list")
def users_list() -> None:
    """List users and their roles."""

    with _transaction(write=False) as (session, _):
        for user in services.list_users(session):
            assert user.id is not None
            grants = ", ".join(f"{g.role}:{g.desk}" if g.desk else g.role for g in services.grants_of(session, user.id))
            state = "" if user.is_active else " (disabled)"
            click.echo(f"{user.username}\t{user.display_name}\t{grants}{state}")


@main.group()
def tokens() -> None:
    """API tokens."""


@tokens.command("create")
@click.argument("username")
@click.option("--expires-in-days", type=click.IntRange(1, 3650), default=None)
@click.option("--name", default="", help="what the token is for")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(SCOPES), help="limit the token; repeat for more")
def tokens_create(username: str, expires_in_days: int | None, name: str, scopes: tuple[str, ...]) -> None:
    """Issue a token for USERNAME; the token is printed alone on the last line."""
    with _transaction() as (session, clock):
        user = services.get_user(session, username)
        token, secret = services.create_token(
            session, user, now=clock.now(), name=name, expires_in_days=expires_in_days, scopes=list(scopes) or None
        )
        expiry = token.expires_at.isoformat() if token.expires_at else "never"
    click.echo(f"token {token.prefix} for {username}, expires {expiry}; it is shown once:")
    click.echo(secret)


@tokens.command("revoke")
@click.argument("prefix")
def tokens_revoke(prefix: str) -> None:
    """Revoke the token with this visible PREFIX."""

    with _transaction() as (session, clock):
        services.revoke_token(session, prefix, now=clock.now())
    click.echo(f"revoked {prefix}")


@main.group()
def revisions() -> None:
    """Revision storage."""


@revisions.command("verify")
def revisions_verify() -> None:
    """Rebuild every revision from its snapshot and deltas and check its content hash."""
    with _transaction(write=False) as (session, _):
        checked, problems = verify_all(session)
    for problem in problems:
        click.echo(problem, err=True)
    click.echo(f"{checked} revisions checked, {len(problems)} problems")
    if problems:
        raise SystemExit(1)


@main.command()
def demo() -> None:
    """Load demo desks' people and articles (into an empty database)."""

    settings = _settings()
    upgrade(settings.database_url)
    if not _load_demo(Database(settings)):
        raise click.ClickException("the database already has users; demo data goes into an empty one")


def _load_demo(database: Database) -> bool:
    with database.transaction() as session:
        if not is_empty(session):
            return False
        tokens = load_demo(session, SystemClock())
    click.echo(f"demo data loaded; every demo user's web password is {DEMO_PASSWORD!r}; API tokens:")
    for username, secret in tokens:
        click.echo(f"  {username:8} {secret}")
    return True


@contextmanager
def _transaction(*, write: bool = True) -> Iterator[tuple[Session, Clock]]:
    """A command's unit of work: a session and the clock; domain errors become clean messages."""
    database = Database(_settings())
    try:
        with database.transaction(write=write) as session:
            yield session, SystemClock()
    except EditorialError as error:
        raise click.ClickException(error.detail) from None
    finally:
        database.dispose()


main.add_command(export_command)
main.add_command(import_command)
