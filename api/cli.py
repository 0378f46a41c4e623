"""Command line: `python -m api.cli migrate | load-kb | check-kb` (used by make run and make load)."""

from __future__ import annotations

import argparse
import pathlib
import sys

from alembic import command
from alembic.config import Config

from api.admin.commands import create_admin
from api.catalogue import draft
from api.catalogue.loader import CatalogueError, load_catalogue, read_catalogue
from api.db import session_factory
from api.dossiers.demo import seed_demo
from api.lessons.loader import LessonError, read_lessons, sync_lessons
from api.records.retention import purge
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


def seed_demo_command(url: str, profile: str) -> int:
    """Seed the demo dossiers and print their codes and phone digits; never in production."""
    if profile == "production":
        print("seed-demo refused: DVC_PROFILE is production (demo dossiers are for development only)", file=sys.stderr)
        return 1
    with session_factory(url)() as session:
        table = seed_demo(session)
    print("demo dossiers (code | last 4 phone digits | status):")
    for row in table:
        print(f"  {row['code']} | {row['phone_last4']} | {row['status']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args_list = sys.argv[1:] if argv is None else argv
    if args_list[:1] == ["draft-kb"]:
        return draft.main(args_list[1:])
    parser = argparse.ArgumentParser(prog="python -m api.cli")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("check-kb", help="validate kb/ and site.yaml without touching the database")
    sub.add_parser("load-kb", help="validate kb/ and load it into the database (idempotent)")
    sub.add_parser("seed-demo", help="upsert the demo dossiers (refused in the production profile)")
    sub.add_parser("draft-kb", help="draft a kb/ procedure file from the national TTHC database copy (see draft-kb -h)")
    sub.add_parser("purge", help="delete conversations older than DVC_RETENTION_DAYS (API tables and tracker store)")
    admin = sub.add_parser("create-admin", help="create an account or reset its password (password from stdin)")
    admin.add_argument("--username", required=True)
    admin.add_argument("--role", choices=["admin", "staff", "teacher"], default="admin")
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.cmd == "purge":
        counts = purge(settings)
        print(f"purged (older than {settings.retention_days} days): " + ", ".join(f"{k}={v}" for k, v in counts.items()))
        return 0
    if args.cmd == "create-admin":
        return create_admin(settings, args.username, args.role)
    if args.cmd == "migrate":
        migrate(settings.database_url)
        print("database migrated")
        return 0
    if args.cmd == "seed-demo":
        return seed_demo_command(settings.database_url, settings.profile)
    try:
        catalogue = read_catalogue(settings.kb_dir, settings.site_file)
        lessons = read_lessons(settings.kb_dir / "lessons", catalogue.sources)
    except (CatalogueError, LessonError) as exc:
        print(f"kb error: {exc}", file=sys.stderr)
        return 1
    if args.cmd == "check-kb":
        sizes = f"{len(catalogue.procedures)} procedures, {len(catalogue.topics)} topics, {len(catalogue.sources)} sources"
        print(f"kb ok: {sizes}, {len(lessons)} lessons")
        return 0
    with session_factory(settings.database_url)() as session:
        report = load_catalogue(session, catalogue)
        lesson_changes = sync_lessons(session, lessons)
    print("catalogue loaded" + (" (changes)" if report.changed else " (no changes)"))
    print(report.summary())
    print("lessons: " + ", ".join(f"{len(v)} {k}" for k, v in lesson_changes.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
