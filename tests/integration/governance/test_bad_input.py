"""Bad input to the governance API gets a clear 4xx with a stable code, never a 5xx."""

from typing import Any

import pytest

from cli.client import ClientError, PolyphonyClient
from tests.integration.governance.conftest import Governance, new_round

A_SIGNATURE = "0x" + "11" * 65


def _refusal(client: PolyphonyClient, method: str, path: str, **request: Any) -> tuple[int | None, str, str]:
    with pytest.raises(ClientError) as refused:
        client.call(method, path, **request)
    return refused.value.status, refused.value.code, refused.value.message


def test_unknown_datasets_and_proposals_are_404(governance: Governance) -> None:
    curator = governance.curator()
    status, code, message = _refusal(curator, "POST", "/proposals", json={"dataset_id": 10**9, "round": 1})
    assert (status, code) == (404, "dataset_not_found") and "10000000" in message
    for path in ("/proposals/12345", "/proposals/" + "9" * 70, "/proposals/12345/votes"):
        assert _refusal(governance.api, "GET", path)[:2] == (404, "proposal_not_found")
    assert _refusal(governance.api, "GET", "/delegations/999999")[:2] == (404, "relay_not_found")


def test_only_the_curator_proposes_and_only_once_per_round(governance: Governance) -> None:
    curator, stranger = governance.curator(), governance.curator()
    dataset, round_number = governance.dataset(curator.wallet.address), new_round()
    body = {"dataset_id": dataset.id, "round": round_number}
    assert _refusal(governance.api, "POST", "/proposals", json=body)[0] == 401
    assert _refusal(stranger, "POST", "/proposals", json=body)[:2] == (403, "not_the_curator")
    first = curator.call("POST", "/proposals", json=body)
    status, code, message = _refusal(curator, "POST", "/proposals", json=body)
    assert (status, code) == (409, "dataset_already_proposed") and first["id"] in message
    assert curator.call("POST", "/proposals", json={**body, "round": round_number + 1})["id"] != first["id"]


def test_malformed_signatures_and_votes_on_a_proposal_not_yet_open(governance: Governance) -> None:
    curator = governance.curator()
    voter = governance.holders({"voter": 10**18})["voter"]
    proposal = governance.propose(curator, int(governance.dataset(curator.wallet.address).id or 0), new_round())
    votes = f"/proposals/{proposal['id']}/votes"

    for signature in ("0x123", "not hex", "0x" + "zz" * 65):
        body = {"voter": voter.address, "support": "for", "signature": signature}
        status, code, message = _refusal(governance.api, "POST", votes, json=body)
        assert (status, code) == (422, "invalid_request") and "even number of hex digits" in message
    too_long = {"voter": voter.address, "support": "for", "signature": "0x" + "ab" * 8193}
    status, code, message = _refusal(governance.api, "POST", votes, json=too_long)
    assert (status, code) == (422, "invalid_request") and "at most 8192 bytes" in message
    # Hex of any other length is a signature's shape (a Safe's is longer), but no key signs with 2 bytes.
    short = {"voter": voter.address, "support": "for", "signature": "0x1234"}
    status, code, message = _refusal(governance.api, "POST", votes, json=short)
    assert (status, code) == (400, "signature_wrong_signer") and "65 bytes" in message
    body = {"voter": voter.address, "support": "maybe", "signature": A_SIGNATURE}
    assert _refusal(governance.api, "POST", votes, json=body)[:2] == (422, "invalid_request")
    body = {"voter": "0xnot-an-address", "support": "for", "signature": A_SIGNATURE}
    assert _refusal(governance.api, "POST", votes, json=body)[:2] == (400, "invalid_address")

    honest = {
        "voter": voter.address,
        "support": "for",
        "signature": governance.sign_ballot(voter, proposal["id"], "for"),
    }
    status, code, message = _refusal(governance.api, "POST", votes, json=honest)
    assert (status, code) == (409, "proposal_not_active") and "pending" in message

    delegation = {"delegator": voter.address, "delegatee": voter.address, "nonce": 0, "expiry": 1}
    assert _refusal(governance.api, "POST", "/delegations", json=delegation)[:2] == (422, "invalid_request")
    both = {**delegation, "signature": A_SIGNATURE, "v": 27, "r": "0x" + "11" * 32, "s": "0x" + "11" * 32}
    assert _refusal(governance.api, "POST", "/delegations", json=both)[:2] == (422, "invalid_request")


def test_votes_on_a_closed_proposal_are_409(governance: Governance) -> None:
    curator = governance.curator()
    voter = governance.holders({"voter": 10**18})["voter"]
    proposal = governance.propose(curator, int(governance.dataset(curator.wallet.address).id or 0), new_round())
    governance.open_voting()
    signature = governance.sign_ballot(voter, proposal["id"], "for")
    governance.close_voting()
    body = {"voter": voter.address, "support": "for", "signature": signature}
    status, code, message = _refusal(governance.api, "POST", f"/proposals/{proposal['id']}/votes", json=body)
    assert (status, code) == (409, "proposal_not_active") and "defeated" in message
