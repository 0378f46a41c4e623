"""Command line: `python -m api.cli migrate | load-kb | check-kb` (used by make run and make load)."""

from __future__ import annotations

import argparse
import pathlib
import sys

from alembic import command
from alembic.config import Config

from api.catalogue.loader import CatalogueError, load_catalogue, read_catalogue
from api.db import session_factory
from api.settings import get_settings

ALEMBIC_INI = pathlib.Path(__file__).with_name("alembic.ini")


def alembic_config(url: str) -> Config:
    """Alembic config pointing at our migrations and the given database."""
    cfg = Config(str(ALEMBIC_INI))
    cfg.attributes["url"] = url
    return cfg


def migrate(url: str, revision: str = "head") -> None:
    """Upgrade the database to `revision`, creating the SQLite folder if needed."""
    if url.startswith("sqlite:///"):
        pathlib.Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m api.cli")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("check-kb", help="validate kb/ and site.yaml without touching the database")
    sub.add_parser("load-kb", help="validate kb/ and load it into the database (idempotent)")
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.cmd == "migrate":
        migrate(settings.database_url)
        print("database migrated")
        return 0
    try:
        catalogue = read_catalogue(settings.kb_dir, settings.site_file)
    except CatalogueError as exc:
        print(f"kb error: {exc}", file=sys.stderr)
        return 1
    if args.cmd == "check-kb":
        print(f"kb ok: {len(catalogue.procedures)} procedures, {len(catalogue.topics)} topics, {len(catalogue.sources)} sources")
        return 0
    with session_factory(settings.database_url)() as session:
        report = load_catalogue(session, catalogue)
    print("catalogue loaded" + (" (changes)" if report.changed else " (no changes)"))
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
