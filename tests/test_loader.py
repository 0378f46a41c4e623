"""Loading kb/ into the database: idempotent, reports changes, bad files name the file and field; migrations."""

from __future__ import annotations

import pathlib
import shutil

import pytest
from sqlalchemy import inspect

from api.catalogue.loader import Catalogue, CatalogueError, load_catalogue, read_catalogue
from api.cli import alembic_config, main, migrate
from api.db import get_engine, session_factory

ROOT = pathlib.Path(__file__).resolve().parent.parent


def fresh_db(tmp_path: pathlib.Path) -> str:
    url = f"sqlite:///{tmp_path / 'load.db'}"
    migrate(url)
    return url


def test_load_is_idempotent_and_reports_changes(tmp_path: pathlib.Path, catalogue: Catalogue) -> None:
    url = fresh_db(tmp_path)
    with session_factory(url)() as session:
        first = load_catalogue(session, catalogue)
        second = load_catalogue(session, catalogue)
    assert len(first.changes["procedures"]["added"]) == len(catalogue.procedures)
    assert not second.changed
    assert len(second.changes["procedures"]["unchanged"]) == len(catalogue.procedures)


def test_edit_and_removal_are_reported(tmp_path: pathlib.Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(ROOT / "kb", kb)
    path = kb / "procedures" / "xin_hoc_lai.yaml"
    extra = kb / "procedures" / "demo_extra.yaml"
    extra.write_text(path.read_text(encoding="utf-8").replace("slug: xin_hoc_lai", "slug: demo_extra"), encoding="utf-8")
    url = fresh_db(tmp_path)
    with session_factory(url)() as session:
        load_catalogue(session, read_catalogue(kb, ROOT / "site.yaml"))
        path.write_text(path.read_text(encoding="utf-8").replace("verified: true", "verified: false"), encoding="utf-8")
        extra.unlink()
        report = load_catalogue(session, read_catalogue(kb, ROOT / "site.yaml"))
    assert report.changes["procedures"]["updated"] == ["xin_hoc_lai"]
    assert report.changes["procedures"]["removed"] == ["demo_extra"]


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (lambda s: s.replace("verified:", "verifed:"), "verifed"),
        (lambda s: s.replace("slug: xin_hoc_lai", "slug: other_slug"), "slug"),
        (lambda s: s + "\nchecked_on: not-a-date\n", "checked_on"),
        (lambda s: s.replace("sources: [", "sources: [NO_SUCH_SOURCE, ", 1), "unknown source 'NO_SUCH_SOURCE'"),
    ],
    ids=["typo-field", "slug-mismatch", "bad-date", "unknown-source"],
)
def test_bad_file_names_file_and_field(tmp_path: pathlib.Path, mutation: object, expected: str) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(ROOT / "kb", kb)
    path = kb / "procedures" / "xin_hoc_lai.yaml"
    path.write_text(mutation(path.read_text(encoding="utf-8")), encoding="utf-8")  # type: ignore[operator]
    with pytest.raises(CatalogueError) as err:
        read_catalogue(kb, ROOT / "site.yaml")
    assert "xin_hoc_lai.yaml" in str(err.value) and expected in str(err.value)


def test_cli_load_prints_report(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from api.settings import get_settings

    monkeypatch.setenv("DVC_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    try:
        assert main(["migrate"]) == 0
        assert main(["load-kb"]) == 0
        assert main(["load-kb"]) == 0
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out
    assert "(changes)" in out and "(no changes)" in out and "procedures:" in out


def test_migrations_run_down_and_up_on_sqlite(tmp_path: pathlib.Path) -> None:
    from alembic import command

    url = fresh_db(tmp_path)
    assert "procedures" in inspect(get_engine(url)).get_table_names()
    command.downgrade(alembic_config(url), "base")
    assert "procedures" not in inspect(get_engine(url)).get_table_names()
    command.upgrade(alembic_config(url), "head")
    assert "procedures" in inspect(get_engine(url)).get_table_names()
