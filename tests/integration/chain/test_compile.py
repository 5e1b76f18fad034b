"""solcjs rebuilds the committed artifacts byte for byte (the unit tests only check their source hash)."""

from typing import Any

import pytest

from chain import compile as build


@pytest.fixture(scope="module")
def output() -> dict[str, Any]:
    return build.run_solc(build.standard_input(build.contract_sources()))


def test_compiling_again_gives_the_committed_artifacts_byte_for_byte(output: dict[str, Any]) -> None:
    sources = build.contract_sources()
    sources_hash = build.source_hash(sources)
    for name, unit in build.expected_contracts(sources).items():
        rebuilt = build.artifact(output, name=name, unit=unit, sources_hash=sources_hash)
        assert build.artifact_text(rebuilt) == build.artifact_path(name).read_text(encoding="utf-8"), name


def test_the_project_contracts_compile_without_warnings(output: dict[str, Any]) -> None:
    assert build.warnings_in(output) == []
