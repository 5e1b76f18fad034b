"""The contract set: compiled artifacts, the deployment file, and bound Web3 contracts.

ABIs are data: compiled once by `make contracts` into `chain/artifacts/`, committed, and read from there.
"""

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from web3 import Web3
from web3.contract import Contract

from chain.tx import Call

ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"

# The deployment file's names (a public interface: DESIGN.md's fixed names) and each one's artifact.
ARTIFACT_OF = {
    "token": "PolyphonyToken",
    "timelock": "TimelockController",
    "governor": "PolyphonyGovernor",
    "provenanceRegistry": "ProvenanceRegistry",
    "rewardsDistributor": "RewardsDistributor",
    "datasetRegistry": "DatasetRegistry",
    "demandRegistry": "DemandRegistry",
}


@dataclass(frozen=True)
class Artifact:
    """A compiled contract: its ABI and creation bytecode."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: bytes


@lru_cache
def load_artifact(name: str) -> Artifact:
    """The committed artifact `chain/artifacts/<name>.json`."""
    content = json.loads((ARTIFACTS_DIR / f"{name}.json").read_text())
    return Artifact(name, content["abi"], bytes.fromhex(content["bytecode"].removeprefix("0x")))


def creation_call(web3: Web3, name: str, *args: Any) -> Call:
    """A transaction that creates contract `name` with constructor `args`."""
    artifact = load_artifact(name)
    factory = web3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    return Call(to=None, data=bytes.fromhex(factory.constructor(*args).data_in_transaction.removeprefix("0x")))


def call_of(contract: Contract, function: str, *args: Any) -> Call:
    """A transaction that calls `contract.function(*args)`."""
    return Call(to=contract.address, data=bytes.fromhex(contract.encode_abi(function, args=list(args))[2:]))


@dataclass(frozen=True)
class DeployedContract:
    address: str
    block: int


@dataclass(frozen=True)
class Deployment:
    """Where the contract set lives on one chain: `$POLYPHONY_HOME/deployments/<chainId>.json`."""

    chain_id: int
    contracts: dict[str, DeployedContract]

    def bind(self, web3: Web3, name: str) -> Contract:
        """The deployed contract `name` (a deployment-file key, e.g. "token") with its ABI."""
        address = Web3.to_checksum_address(self.contracts[name].address)
        return web3.eth.contract(address=address, abi=load_artifact(ARTIFACT_OF[name]).abi)

    def to_json(self) -> str:
        """The deployment file's text."""
        contracts = {name: {"address": c.address, "block": c.block} for name, c in self.contracts.items()}
        return json.dumps({"chainId": self.chain_id, "contracts": contracts}, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "Deployment":
        """Read a deployment file's text."""
        content = json.loads(text)
        contracts = {name: DeployedContract(c["address"], c["block"]) for name, c in content["contracts"].items()}
        return cls(content["chainId"], contracts)


def deployment_path(deployments_dir: Path, chain_id: int) -> Path:
    """Where the deployment of chain `chain_id` is written."""
    return deployments_dir / f"{chain_id}.json"


def read_deployment(deployments_dir: Path, chain_id: int) -> Deployment | None:
    """The recorded deployment on `chain_id`, or None when there is none yet."""
    path = deployment_path(deployments_dir, chain_id)
    return Deployment.from_json(path.read_text()) if path.exists() else None


def write_deployment(deployments_dir: Path, deployment: Deployment) -> Path:
    """Write the deployment file atomically (a reader never sees half of it)."""
    deployments_dir.mkdir(parents=True, exist_ok=True)
    path = deployment_path(deployments_dir, deployment.chain_id)
    partial = path.with_suffix(".json.partial")
    partial.write_text(deployment.to_json())
    partial.replace(path)
    return path
