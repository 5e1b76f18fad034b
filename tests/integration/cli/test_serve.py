"""`polyphony serve ROLE` refuses, in one line and with exit code 2, a role whose shared service is embedded."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

POLYPHONY = str(Path(sys.executable).parent / "polyphony")
SHARED = {
    "DATABASE_URL": "postgresql+psycopg://polyphony@db.example/polyphony",
    "REDIS_URL": "redis://queue.example:6379/0",
    "CHAIN_RPC_URL": "http://chain.example:8545",
    "IPFS_API_URL": "http://ipfs.example:5001",
}


def serve(role: str, tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key not in SHARED}
    environment.update({**SHARED, "POLYPHONY_HOME": str(tmp_path), **overrides})
    environment = {key: value for key, value in environment.items() if value}
    return subprocess.run(
        [POLYPHONY, "serve", role], env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("role", "overrides", "named"),
    [
        ("api", {"DATABASE_URL": "sqlite:///shared.db"}, ["DATABASE_URL"]),
        ("scoring-worker", {"IPFS_API_URL": ""}, ["IPFS_API_URL"]),
        ("chain-worker", {"CHAIN_RPC_URL": "", "REDIS_URL": ""}, ["REDIS_URL", "CHAIN_RPC_URL"]),
        ("worker", {"DATABASE_URL": ""}, ["DATABASE_URL"]),
        ("beat", {"REDIS_URL": ""}, ["REDIS_URL"]),
    ],
)
def test_a_role_refuses_an_embedded_service_it_must_share(
    role: str, overrides: dict[str, str], named: list[str], tmp_path: Path
) -> None:
    result = serve(role, tmp_path, **overrides)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stdout + result.stderr
    assert all(setting in lines[0] for setting in named), lines[0]
    assert not any(setting in lines[0] for setting in set(SHARED) - set(named)), lines[0]


def test_beat_needs_no_database_chain_or_storage_only_redis(tmp_path: Path) -> None:
    """A refusal names Redis alone: beat only queues the schedule's jobs."""
    result = serve("beat", tmp_path, REDIS_URL="", DATABASE_URL="", CHAIN_RPC_URL="", IPFS_API_URL="")
    assert result.returncode == 2 and "REDIS_URL" in result.stdout, result.stdout
    assert not any(setting in result.stdout for setting in ("DATABASE_URL", "CHAIN_RPC_URL", "IPFS_API_URL"))


def test_an_unknown_role_is_one_line_naming_the_roles(tmp_path: Path) -> None:
    result = serve("scheduler", tmp_path)
    assert result.returncode == 2 and len(result.stdout.strip().splitlines()) == 1, result.stdout
    assert "scoring-worker" in result.stdout and "beat" in result.stdout
