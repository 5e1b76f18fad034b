"""Bring a database to the newest schema with Alembic (the only way tables are made outside tests)."""

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

_PROJECT_ROOT = Path(__file__).resolve().parent.parent


def alembic_config() -> Config:
    """Alembic's configuration, found beside the package whatever the working directory."""
    config = Config(str(_PROJECT_ROOT / "alembic" / "alembic.ini"))
    config.set_main_option("script_location", str(_PROJECT_ROOT / "alembic"))
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Apply every migration `engine`'s database does not have yet."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@lru_cache
def head_revision() -> str:
    """The newest migration this code ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the alembic/versions folder holds no migration"
    return head
