"""The committed contract artifacts: fresh, deployable, and shaped as chain/artifacts/<Contract>.json promises."""

import json
from typing import Any

import pytest

from chain import compile as build

# EIP-170: the most runtime code a contract may deploy.
MAX_DEPLOYED_BYTES = 24_576
CONTRACTS = [
    "DatasetRegistry",
    "DemandRegistry",
    "PolyphonyGovernor",
    "PolyphonyToken",
    "ProvenanceRegistry",
    "RewardsDistributor",
    "TimelockController",
]


def _artifact(name: str) -> dict[str, Any]:
    content: dict[str, Any] = json.loads(build.artifact_path(name).read_text(encoding="utf-8"))
    return content


def test_artifacts_are_fresh_or_make_contracts_was_forgotten() -> None:
    assert build.stale_artifacts() == []
    assert build.main(["--check"]) == 0


def test_every_contract_has_an_artifact_and_nothing_else_does() -> None:
    assert sorted(path.stem for path in build.ARTIFACTS_DIR.glob("*.json")) == CONTRACTS


@pytest.mark.parametrize("name", CONTRACTS)
def test_deployed_bytecode_fits_the_contract_size_limit(name: str) -> None:
    deployed = bytes.fromhex(_artifact(name)["deployedBytecode"].removeprefix("0x"))
    assert 0 < len(deployed) < MAX_DEPLOYED_BYTES


@pytest.mark.parametrize("name", CONTRACTS)
def test_artifact_holds_abi_bytecode_and_compiler_settings(name: str) -> None:
    artifact = _artifact(name)
    assert artifact["contractName"] == name
    assert any(entry["type"] == "constructor" for entry in artifact["abi"])
    assert "__$" not in artifact["bytecode"], "an unlinked library placeholder"
    assert len(bytes.fromhex(artifact["bytecode"].removeprefix("0x"))) > len(
        bytes.fromhex(artifact["deployedBytecode"].removeprefix("0x"))
    )
    assert artifact["compiler"]["version"].startswith("0.8.37+commit.")
    assert artifact["compiler"]["settings"] == build.COMPILER_SETTINGS
    assert artifact["sourceHash"] == build.source_hash(build.contract_sources())


@pytest.mark.parametrize("name", CONTRACTS)
def test_artifact_file_is_in_its_deterministic_form(name: str) -> None:
    path = build.artifact_path(name)
    assert path.read_text(encoding="utf-8") == build.artifact_text(_artifact(name))


def test_a_changed_source_makes_every_artifact_stale(monkeypatch: pytest.MonkeyPatch) -> None:
    sources = build.contract_sources()
    edited = {unit: text + "\n// edited\n" for unit, text in sources.items()}
    monkeypatch.setattr(build, "contract_sources", lambda: edited)
    assert build.stale_artifacts() == CONTRACTS
    assert build.main(["--check"]) == 1


def test_other_compiler_settings_make_every_artifact_stale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build, "COMPILER_SETTINGS", {**build.COMPILER_SETTINGS, "evmVersion": "shanghai"})
    assert build.stale_artifacts() == CONTRACTS


def test_token_and_governor_count_time_in_seconds() -> None:
    for name in ("PolyphonyToken", "PolyphonyGovernor"):
        names = {entry.get("name") for entry in _artifact(name)["abi"]}
        assert {"clock", "CLOCK_MODE"} <= names
