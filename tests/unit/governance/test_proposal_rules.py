"""Proposal text, state replayed from events, tallies, and the shape checks on relayed signatures (no I/O)."""

import pytest
from pydantic import ValidationError

from api.schemas.delegations import DelegationRequest
from api.schemas.proposals import BallotRequest
from chain.eip712 import WrongSigner
from governance.proposals.service import _state, approval_description, tally
from governance.proposals.votes import _HALF_ORDER, normalised_signature
from polyphony.models.dataset import Dataset
from polyphony.models.indexer import ChainEvent

ROOT = "0x" + "ab" * 32


def _event(name: str, **args: object) -> ChainEvent:
    return ChainEvent(cursor_id=1, contract="0x" + "00" * 20, name=name, args=args, block_number=1,
                      block_hash="0x" + "00" * 32, tx_hash="0x" + "11" * 32, log_index=0)  # fmt: skip


def test_the_description_title_names_the_dataset_its_manifest_and_the_round() -> None:
    dataset = Dataset(name="Open voices", curator="0x" + "cd" * 20, item_count=7, root=ROOT, manifest_cid="bafyX")
    text = approval_description(dataset, round_number=3)
    assert text.splitlines()[0] == "# Approve dataset Open voices (bafyX) for training round 3"
    assert "ipfs://bafyX" in text and ROOT in text and "7 contributions" in text


@pytest.mark.parametrize(
    ("events", "now", "votes", "quorum", "expected"),
    [
        ([], 100, (0, 0, 0), None, "pending"),  # at the snapshot: not open yet
        ([], 150, (0, 0, 0), 10, "active"),
        ([], 200, (0, 0, 0), 10, "active"),  # the deadline itself is still open
        ([], 201, (11, 5, 0), 10, "succeeded"),
        ([], 201, (5, 5, 10), 10, "defeated"),  # a tie is not a majority
        ([], 201, (5, 0, 5), 10, "succeeded"),  # abstentions count toward quorum
        ([], 201, (9, 0, 0), 10, "defeated"),  # short of quorum
        ([], 201, (5, 6, 0), 10, "defeated"),
        (["ProposalQueued"], 250, (11, 0, 0), 10, "queued"),
        (["ProposalQueued", "ProposalExecuted"], 300, (11, 0, 0), 10, "executed"),
        (["ProposalCanceled"], 150, (0, 0, 0), 10, "canceled"),
    ],
)
def test_the_state_replayed_from_events_follows_oz_governor(
    events: list[str], now: int, votes: tuple[int, int, int], quorum: int | None, expected: str
) -> None:
    by_name = {name: _event(name) for name in events}
    counted = {"for": votes[0], "against": votes[1], "abstain": votes[2]}
    assert _state(by_name, now=now, snapshot=100, deadline=200, votes=counted, quorum=quorum) == expected


def test_tallies_add_weights_by_support_even_past_javascript_integers() -> None:
    big = str(10**30)
    found = [
        _event("VoteCast", support=1, weight=big),
        _event("VoteCast", support=0, weight=5),
        _event("VoteCastWithParams", support=2, weight=7),
        _event("VoteCast", support=1, weight=1),
        _event("ProposalQueued", etaSeconds=1),
    ]
    assert tally(found) == {"for": 10**30 + 1, "against": 5, "abstain": 7}


def test_a_signature_with_v_0_or_1_is_normalised_and_a_high_s_one_refused() -> None:
    r, s = b"\x01" * 32, (1).to_bytes(32, "big")
    assert normalised_signature(r + s + b"\x00")[64] == 27
    assert normalised_signature(r + s + b"\x1c")[64] == 28
    with pytest.raises(WrongSigner, match="high s"):
        normalised_signature(r + (_HALF_ORDER + 1).to_bytes(32, "big") + b"\x1b")


def test_a_delegation_carries_a_whole_signature_or_v_r_s_never_both_or_half() -> None:
    base = {"delegator": "0x" + "aa" * 20, "delegatee": "0x" + "bb" * 20, "nonce": 0, "expiry": 10}
    whole = DelegationRequest(**base, signature="0x" + "12" * 64 + "1b")  # type: ignore[arg-type]
    parts = DelegationRequest(**base, v=27, r="0x" + "12" * 32, s="0x" + "12" * 32)  # type: ignore[arg-type]
    assert whole.signature_bytes() == parts.signature_bytes()
    for wrong in ({}, {"v": 27}, {"signature": "0x" + "12" * 65, "v": 27}, {"signature": "0x123"}):
        with pytest.raises(ValidationError):
            DelegationRequest(**base, **wrong)  # type: ignore[arg-type]


def test_a_signature_field_takes_hex_of_any_length_up_to_8192_bytes() -> None:
    # A key's signature is 65 bytes, a Safe's 65 per owner, an on-chain approved message's empty.
    for signature in ("0x", "0x" + "12" * 65, "0x" + "AB" * 130, "0x" + "12" * 8192):
        assert BallotRequest(voter="0x" + "aa" * 20, support=1, signature=signature).signature == signature  # type: ignore[arg-type]
    for signature, said in (("0x" + "12" * 8193, "at most 8192 bytes"), ("12" * 65, "even number"),
                            ("0x1", "even number"), ("0x" + "gg" * 65, "even number")):  # fmt: skip
        with pytest.raises(ValidationError, match=said):
            BallotRequest(voter="0x" + "aa" * 20, support=1, signature=signature)  # type: ignore[arg-type]


def test_a_ballot_names_its_support_in_words_or_numbers() -> None:
    signature = "0x" + "12" * 65
    for support, number in (("for", 1), ("against", 0), ("abstain", 2), (1, 1), (0, 0)):
        ballot = BallotRequest(voter="0x" + "aa" * 20, support=support, signature=signature)  # type: ignore[arg-type]
        assert ballot.support_number == number
    with pytest.raises(ValidationError):
        BallotRequest(voter="0x" + "aa" * 20, support=3, signature=signature)  # type: ignore[arg-type]
