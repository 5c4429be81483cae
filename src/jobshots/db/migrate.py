"""Applying the Alembic migrations that ship inside the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
FOREIGN_TABLE_PREFIX = "procrastinate_"
# PostgreSQL's alone (SQLite has no such index type): made by the migrations, not the models.
POSTGRESQL_ONLY_INDEXES = frozenset({"ix_jobs_searched_trgm"})


def owns_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """Alembic's filter: the job queue's tables are Procrastinate's, not ours to migrate, and
    the PostgreSQL-only indexes are not the models'."""
    if type_ == "index" and name in POSTGRESQL_ONLY_INDEXES:
        return False
    return not (type_ == "table" and (name or "").startswith(FOREIGN_TABLE_PREFIX))


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at the packaged migrations and `database_url`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str) -> None:
    """Bring the schema to the newest revision."""
    command.upgrade(alembic_config(database_url), "head")
