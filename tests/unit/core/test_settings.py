"""Settings: embedded defaults when a URL is unset, and the README's table matches the fields."""

import re
from pathlib import Path

import pytest

from polyphony.settings import Settings

README = Path(__file__).resolve().parents[3] / "README.md"


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read defaults: the test run's own environment must not leak in."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def test_unset_urls_mean_the_embedded_parts(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, polyphony_home=tmp_path, polyphony_redis_port=6390)  # type: ignore[call-arg]
    assert settings.effective_database_url == f"sqlite:///{tmp_path.resolve()}/polyphony.db"
    assert settings.effective_redis_url == "redis://127.0.0.1:6390/0"
    assert settings.effective_chain_rpc_url == "http://127.0.0.1:8545"
    assert settings.blocks_dir == tmp_path.resolve() / "ipfs"


def test_configured_urls_win_over_the_embedded_parts() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url="postgresql+psycopg://db/polyphony",
        redis_url="redis://cache:6379/1",
        chain_rpc_url="https://rpc.example",
    )
    assert settings.effective_database_url == "postgresql+psycopg://db/polyphony"
    assert settings.effective_redis_url == "redis://cache:6379/1"
    assert settings.effective_chain_rpc_url == "https://rpc.example"


def test_the_readme_documents_every_setting_and_no_other() -> None:
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", README.read_text(), flags=re.MULTILINE))
    assert documented == {name.upper() for name in Settings.model_fields}


def test_browsers_are_told_the_embedded_chain_but_never_a_private_rpc_url() -> None:
    def public(**fields: object) -> str | None:
        return Settings(_env_file=None, polyphony_chain_port=8545, **fields).public_rpc_url  # type: ignore[call-arg]

    assert public() == "http://127.0.0.1:8545"
    assert public(chain_rpc_url="http://127.0.0.1:8545") == "http://127.0.0.1:8545"
    assert public(chain_rpc_url="https://eth-mainnet.example/v2/SECRET-KEY") is None
    assert public(chain_rpc_url="http://10.0.0.5:8545") is None
    assert public(chain_rpc_url="https://private.example", polyphony_public_rpc_url="https://rpc.example") == (
        "https://rpc.example"
    )
