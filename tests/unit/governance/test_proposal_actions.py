"""A proposal's actions decoded against the deployment's ABIs, its kind, and proposal ids as paths give them (no I/O).

The contracts are bound on a Web3 without a provider: encoding and decoding calldata needs no node.
"""

import pytest
from web3 import Web3

from chain.bindings import DeployedContract, Deployment, call_of
from governance.proposals.actions import Action, DatasetApproval, actions_from_event, dataset_approval, decode
from governance.proposals.errors import InvalidProposalId
from governance.proposals.service import _canonical_proposal_id

REGISTRY = Web3.to_checksum_address("0x" + "11" * 20)
TOKEN = Web3.to_checksum_address("0x" + "22" * 20)
STRANGER = Web3.to_checksum_address("0x" + "33" * 20)
DEPLOYMENT = Deployment(31337, {"datasetRegistry": DeployedContract(REGISTRY, 1), "token": DeployedContract(TOKEN, 1)})
WEB3 = Web3()
ROOT = b"\xab" * 32


def _approve(round_number: int, cid: str = "bafkreiexample") -> bytes:
    return call_of(DEPLOYMENT.bind(WEB3, "datasetRegistry"), "approve", round_number, ROOT, cid).data


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        ([Action(REGISTRY, 0, _approve(7))], DatasetApproval(7, "0x" + ROOT.hex(), "bafkreiexample")),
        ([Action(REGISTRY, 1, _approve(7))], None),  # sends value: not the call Polyphony makes
        ([Action(STRANGER, 0, _approve(7))], None),  # another contract's approve
        ([Action(REGISTRY, 0, _approve(7) + b"\x00")], None),  # bytes past the arguments
        ([Action(REGISTRY, 0, _approve(2**53))], None),  # a round a JSON number would round
        ([Action(REGISTRY, 0, _approve(7, "b" * 101))], None),  # a manifest CID longer than the table keeps
        ([Action(REGISTRY, 0, _approve(7))] * 2, None),  # two actions
        ([Action(REGISTRY, 0, b"\x12\x34\x56\x78")], None),  # no function of the registry
        ([], None),
    ],
)
def test_only_the_exact_approve_call_is_a_dataset_approval(actions: list[Action], expected: object) -> None:
    assert dataset_approval(WEB3, DEPLOYMENT, actions) == expected


def test_an_action_on_a_deployment_contract_is_decoded_and_any_other_is_kept_as_sent() -> None:
    transfer = call_of(DEPLOYMENT.bind(WEB3, "token"), "transfer", STRANGER, 2**70).data
    decoded = decode(WEB3, DEPLOYMENT, Action(TOKEN, 0, transfer))
    assert (decoded.contract, decoded.function) == ("token", "transfer(address,uint256)")
    assert decoded.args == {"to": STRANGER, "value": str(2**70)}  # every integer a decimal string, like values
    small = decode(WEB3, DEPLOYMENT, Action(REGISTRY, 0, _approve(7)))
    assert small.args == {"round": "7", "manifestRoot": "0x" + ROOT.hex(), "manifestCid": "bafkreiexample"}
    unknown = decode(WEB3, DEPLOYMENT, Action(TOKEN, 0, b"\xde\xad\xbe\xef"))
    assert (unknown.contract, unknown.function, unknown.args) == ("token", None, None)
    elsewhere = decode(WEB3, DEPLOYMENT, Action(STRANGER, 5, transfer))
    assert (elsewhere.contract, elsewhere.function, elsewhere.args) == (None, None, None)


def test_actions_read_from_an_indexed_event_keep_big_values_exact() -> None:
    args = {"targets": [STRANGER.lower()], "values": [str(10**30)], "calldatas": ["0x"]}
    assert actions_from_event(args) == [Action(STRANGER, 10**30, b"")]
    assert Action(STRANGER, 10**30, b"").to_json() == {"target": STRANGER, "value": str(10**30), "calldata": "0x"}


@pytest.mark.parametrize(("given", "canonical"), [("0", "0"), ("007", "7"), (str(2**256 - 1), str(2**256 - 1))])
def test_a_proposal_id_is_a_uint256_in_decimal(given: str, canonical: str) -> None:
    assert _canonical_proposal_id(given) == canonical


@pytest.mark.parametrize("given", ["", "abc", "-1", "+1", " 1", "1.0", "1e3", "0x1f", "\u00b3", "\u0661", str(2**256)])
def test_anything_else_is_an_invalid_proposal_id(given: str) -> None:
    with pytest.raises(InvalidProposalId, match="uint256"):
        _canonical_proposal_id(given)
