"""Compile chain/contracts with solcjs from npm into chain/artifacts, and tell whether the artifacts are fresh.

`python -m chain.compile` rebuilds every artifact; `python -m chain.compile --check` only hashes the sources
and exits non-zero when an artifact is missing or was built from other sources, compiler or settings.
"""

import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

CHAIN_DIR = Path(__file__).resolve().parent
REPO_DIR = CHAIN_DIR.parent
CONTRACTS_DIR = CHAIN_DIR / "contracts"
ARTIFACTS_DIR = CHAIN_DIR / "artifacts"
NODE_MODULES_DIR = REPO_DIR / "node_modules"
SOLCJS = NODE_MODULES_DIR / ".bin" / "solcjs"
SOLC_PACKAGE = NODE_MODULES_DIR / "solc" / "package.json"
OPENZEPPELIN_PACKAGE = NODE_MODULES_DIR / "@openzeppelin" / "contracts" / "package.json"

# The timelock is OpenZeppelin's own contract, compiled from node_modules rather than wrapped.
LIBRARY_CONTRACTS = {"TimelockController": "@openzeppelin/contracts/governance/TimelockController.sol"}

# cancun: every opcode OpenZeppelin 5 uses, accepted by anvil's default hardfork and by the common L2s.
COMPILER_SETTINGS: dict[str, Any] = {
    "evmVersion": "cancun",
    "optimizer": {"enabled": True, "runs": 200},
}
OUTPUTS = ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "metadata"]


class CompileError(Exception):
    """solc rejected the sources; the message holds its diagnostics."""


def contract_sources() -> dict[str, str]:
    """The project's Solidity sources by repository-relative unit name, sorted."""
    return {
        path.relative_to(REPO_DIR).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(CONTRACTS_DIR.glob("*.sol"))
    }


def expected_contracts(sources: dict[str, str]) -> dict[str, str]:
    """Contract name -> unit name of every artifact: each project file is named after its contract."""
    names = {Path(unit).stem: unit for unit in sources}
    return names | LIBRARY_CONTRACTS


def package_version(package_json: Path) -> str:
    """The version an installed npm package declares."""
    return str(json.loads(package_json.read_text(encoding="utf-8"))["version"])


def source_hash(sources: dict[str, str]) -> str:
    """sha256 over the sources, the solc and OpenZeppelin versions and the compiler settings."""
    digest = hashlib.sha256()
    for unit, text in sorted(sources.items()):
        digest.update(f"{unit}\0{text}\0".encode())
    digest.update(f"solc {package_version(SOLC_PACKAGE)}\0".encode())
    digest.update(f"openzeppelin {package_version(OPENZEPPELIN_PACKAGE)}\0".encode())
    digest.update(json.dumps(COMPILER_SETTINGS, sort_keys=True).encode())
    return digest.hexdigest()


def standard_input(sources: dict[str, str]) -> dict[str, Any]:
    """The solc standard-JSON input: project files inline, library files read by solcjs from node_modules."""
    units: dict[str, dict[str, Any]] = {unit: {"content": text} for unit, text in sources.items()}
    units |= {unit: {"urls": [unit]} for unit in LIBRARY_CONTRACTS.values()}
    return {
        "language": "Solidity",
        "sources": units,
        "settings": COMPILER_SETTINGS | {"outputSelection": {unit: {"*": OUTPUTS} for unit in units}},
    }


def run_solc(compiler_input: dict[str, Any]) -> dict[str, Any]:
    """Run solcjs in standard-JSON mode from the repository root and return its output."""
    # A file, not a pipe: solcjs exits right after writing, which cuts piped output at 64 KiB.
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as stdout:
        subprocess.run(
            [str(SOLCJS), "--standard-json", "--base-path", ".", "--include-path", "node_modules"],
            input=json.dumps(compiler_input).encode(),
            stdout=stdout,
            cwd=REPO_DIR,
            check=True,
        )
        stdout.seek(0)
        printed = stdout.read()
    # solcjs prints a line about SMT solvers before the JSON, which is alone on its own line. Split on
    # "\n" only: the embedded sources hold characters str.splitlines() also breaks on.
    json_line = next(line for line in printed.split("\n") if line.startswith("{"))
    output: dict[str, Any] = json.loads(json_line)
    errors = [e["formattedMessage"] for e in output.get("errors", []) if e["severity"] == "error"]
    if errors:
        raise CompileError("\n".join(errors))
    return output


def warnings_in(output: dict[str, Any]) -> list[str]:
    """solc's warnings about the project's own files (OpenZeppelin's are not ours to fix), formatted."""
    own = CONTRACTS_DIR.relative_to(REPO_DIR).as_posix() + "/"
    return [
        e["formattedMessage"]
        for e in output.get("errors", [])
        if e["severity"] != "error" and e.get("sourceLocation", {}).get("file", "").startswith(own)
    ]


def artifact(output: dict[str, Any], *, name: str, unit: str, sources_hash: str) -> dict[str, Any]:
    """The artifact of one contract, in the shape chain/artifacts/<Contract>.json is committed."""
    compiled = output["contracts"][unit][name]
    metadata = json.loads(compiled["metadata"])
    return {
        "contractName": name,
        "sourceName": unit,
        "abi": compiled["abi"],
        "bytecode": "0x" + compiled["evm"]["bytecode"]["object"],
        "deployedBytecode": "0x" + compiled["evm"]["deployedBytecode"]["object"],
        "compiler": {"version": metadata["compiler"]["version"], "settings": COMPILER_SETTINGS},
        "sourceHash": sources_hash,
    }


def artifact_path(name: str) -> Path:
    """Where the artifact of contract `name` lives."""
    return ARTIFACTS_DIR / f"{name}.json"


def artifact_text(content: dict[str, Any]) -> str:
    """Deterministic JSON, so a rebuild from the same sources gives identical files."""
    return json.dumps(content, indent=2, sort_keys=True) + "\n"


def build() -> list[str]:
    """Compile every contract, rewrite chain/artifacts, and return solc's warnings."""
    sources = contract_sources()
    sources_hash = source_hash(sources)
    output = run_solc(standard_input(sources))
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    for stale in ARTIFACTS_DIR.glob("*.json"):
        stale.unlink()
    for name, unit in expected_contracts(sources).items():
        content = artifact(output, name=name, unit=unit, sources_hash=sources_hash)
        artifact_path(name).write_text(artifact_text(content), encoding="utf-8")
    return warnings_in(output)


def stale_artifacts() -> list[str]:
    """Names of artifacts that are missing, extra, or built from anything but the current sources."""
    sources = contract_sources()
    sources_hash = source_hash(sources)
    expected = expected_contracts(sources)
    stale = sorted(path.stem for path in ARTIFACTS_DIR.glob("*.json") if path.stem not in expected)
    for name in sorted(expected):
        path = artifact_path(name)
        if not path.exists() or json.loads(path.read_text(encoding="utf-8"))["sourceHash"] != sources_hash:
            stale.append(name)
    return stale


def main(argv: list[str]) -> int:
    """Build the artifacts, or with --check only report stale ones; the exit status says which."""
    if argv == ["--check"]:
        stale = stale_artifacts()
        if stale:
            sys.stderr.write(f"stale contract artifacts: {', '.join(stale)}; run `make contracts`\n")
        return 1 if stale else 0
    if argv:
        sys.stderr.write("usage: python -m chain.compile [--check]\n")
        return 2
    for warning in build():
        sys.stderr.write(warning)
    written = sorted(path.name for path in ARTIFACTS_DIR.glob("*.json"))
    sys.stdout.write(f"wrote chain/artifacts/: {', '.join(written)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
