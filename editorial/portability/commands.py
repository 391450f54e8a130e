"""``editorial export`` and ``editorial import``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TextIO

import click

from editorial.db import Database
from editorial.db.migrate import upgrade
from editorial.portability.exporting import export_lines
from editorial.portability.importing import ImportRefused, import_lines
from editorial.settings import get_settings


@click.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="default: standard output")
@click.option("--password-hashes", is_flag=True, help="include password hashes, so people keep signing in")
def export_command(output: str | None, password_hashes: bool) -> None:
    """Write every desk, person, article with every revision, history, event and firing as JSON Lines."""
    database = Database(get_settings())
    try:
        with database.transaction(write=False) as session:
            if database.engine.dialect.name == "postgresql":  # one snapshot for every statement of the export
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            if output is None:
                _write(export_lines(session, password_hashes=password_hashes), sys.stdout)
                return
            with open(output, "w", encoding="utf-8", newline="\n") as file:
                _write(export_lines(session, password_hashes=password_hashes), file)
    finally:
        database.dispose()
    click.echo(f"exported to {output}", err=True)


def _write(lines: Iterator[str], file: TextIO) -> None:
    for line in lines:
        file.write(line + "\n")


@click.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
def import_command(file: TextIO) -> None:
    """Load an export (FILE, or - for standard input) into an empty database."""
    settings = get_settings()
    upgrade(settings.database_url)
    database = Database(settings)
    try:
        with database.transaction() as session:
            counts = import_lines(session, file)
    except ImportRefused as error:
        raise click.ClickException(f"nothing imported: {error}") from None
    finally:
        database.dispose()
    click.echo("imported " + ", ".join(f"{count} {kind}" for kind, count in counts.items()))
