"""Alembic environment: the URL comes from the API settings (or an explicit -x url=...)."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

import api.calendar.models  # registers the calendar tables (and binds `api`)
import api.dossiers.models  # registers the dossier tables
import api.lessons.models  # registers the lesson and class tables
import api.notifications.models  # registers the outbox table on Base.metadata
import api.practice.models  # noqa: F401  (registers the practice table)
from api.db import get_engine
from api.models import Base
from api.settings import get_settings

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

url = config.attributes.get("url") or context.get_x_argument(as_dictionary=True).get("url") or get_settings().database_url


def run_migrations_offline() -> None:
    """Emit SQL without a connection."""
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against a live connection (batch mode so SQLite can alter tables)."""
    with get_engine(url).connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
