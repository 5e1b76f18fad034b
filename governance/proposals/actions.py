"""A proposal's actions: what it asks the timelock to call, read back as a person (and Tally) would read them.

An action is (target, value, calldata), as the governor's `propose` takes its three lists. Stored actions are
JSON: the value in decimal, the calldata in 0x-hex. An action on one of the deployment's own contracts is
decoded against that contract's ABI (function signature and named arguments, integers as decimal strings like
the values); an action on any other address,
or calldata no function of the ABI reads, stays undecoded.

A proposal is a dataset approval when its one action is exactly the call Polyphony itself proposes: the
timelock calling the dataset registry's `approve(round, manifestRoot, manifestCid)` with no value, with a round
a JSON number carries exactly and a manifest CID of a length the database keeps.
"""

from dataclasses import dataclass
from typing import Any

from eth_abi.exceptions import DecodingError
from eth_utils.abi import abi_to_signature
from web3 import Web3

from chain.bindings import ARTIFACT_OF, Deployment, call_of
from chain.indexer import MAX_SAFE_INTEGER, json_safe

_MANIFEST_CID_MAX = 100  # the proposal table's manifest_cid column


@dataclass(frozen=True)
class Action:
    """One call a proposal asks for."""

    target: str  # checksum address
    value: int  # wei sent with the call
    calldata: bytes

    def to_json(self) -> dict[str, str]:
        """The stored form: value in decimal, calldata in 0x-hex."""
        return {"target": self.target, "value": str(self.value), "calldata": "0x" + self.calldata.hex()}

    @classmethod
    def from_json(cls, stored: dict[str, str]) -> "Action":
        """An action from its stored form."""
        return cls(Web3.to_checksum_address(stored["target"]), int(stored["value"]), _hex_bytes(stored["calldata"]))


@dataclass(frozen=True)
class DecodedAction:
    """An action and, when its target is one of the deployment's contracts, what it calls there."""

    action: Action
    contract: str | None  # the deployment-file key of the target ("datasetRegistry", ...), or None
    function: str | None  # e.g. "approve(uint256,bytes32,string)", or None when not decoded
    args: dict[str, Any] | None  # named arguments, JSON-safe (bytes in 0x-hex, integers as decimal strings)


@dataclass(frozen=True)
class DatasetApproval:
    """The arguments of a dataset approval's one `approve` call."""

    round_number: int
    manifest_root: str  # 0x-hex
    manifest_cid: str


def actions_from_event(args: dict[str, Any]) -> list[Action]:
    """The actions of an indexed `ProposalCreated` event (its targets, values and calldatas lists)."""
    return [
        Action(Web3.to_checksum_address(target), int(value), _hex_bytes(calldata))
        for target, value, calldata in zip(args["targets"], args["values"], args["calldatas"], strict=True)
    ]


def decode(web3: Web3, deployment: Deployment, action: Action) -> DecodedAction:
    """`action`, decoded against the ABI of the deployment's contract at its target, if it is one."""
    name = _contract_name(deployment, action.target)
    if name is None:
        return DecodedAction(action, None, None, None)
    try:
        function, arguments = deployment.bind(web3, name).decode_function_input(action.calldata)
    except (ValueError, DecodingError):  # no function of that ABI has this selector, or the arguments are bad
        return DecodedAction(action, name, None, None)
    return DecodedAction(action, name, abi_to_signature(function.abi), json_safe(_integers_as_text(dict(arguments))))


def dataset_approval(web3: Web3, deployment: Deployment, actions: list[Action]) -> DatasetApproval | None:
    """The approval `actions` make, when they are exactly the one `approve` call Polyphony proposes; else None."""
    if len(actions) != 1 or actions[0].value != 0:
        return None
    decoded = decode(web3, deployment, actions[0])
    if decoded.contract != "datasetRegistry" or decoded.function != "approve(uint256,bytes32,string)":
        return None
    args = decoded.args or {}
    round_number, root, cid = int(args["round"]), str(args["manifestRoot"]), str(args["manifestCid"])
    if round_number > MAX_SAFE_INTEGER or len(cid) > _MANIFEST_CID_MAX:
        return None
    # Calldata with bytes after the arguments decodes too, but is not the call Polyphony makes.
    registry = deployment.bind(web3, "datasetRegistry")
    if call_of(registry, "approve", round_number, _hex_bytes(root), cid).data != actions[0].calldata:
        return None
    return DatasetApproval(round_number, root, cid)


def governor_args_of(actions: list[Action]) -> tuple[list[str], list[int], list[bytes]]:
    """(targets, values, calldatas), as the governor's propose, queue and execute take them."""
    return [a.target for a in actions], [a.value for a in actions], [a.calldata for a in actions]


def _integers_as_text(value: Any) -> Any:
    """Every integer as a decimal string, so a client reads all of them one way, small or past 2**53."""
    match value:
        case bool():
            return value
        case int():
            return str(value)
        case dict():
            return {key: _integers_as_text(item) for key, item in value.items()}
        case list() | tuple():
            return [_integers_as_text(item) for item in value]
    return value


def _contract_name(deployment: Deployment, target: str) -> str | None:
    for name, contract in deployment.contracts.items():
        if name in ARTIFACT_OF and Web3.to_checksum_address(contract.address) == target:
            return name
    return None


def _hex_bytes(value: str) -> bytes:
    return bytes.fromhex(value.removeprefix("0x"))
