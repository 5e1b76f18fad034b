"""Relayed ballots and delegations: every check happens before the relayer pays anything.

"Before any gas" is checked on the chain: the relayer key's nonce does not move when a signature is refused.
"""

from typing import Any

import pytest
from eth_account.signers.local import LocalAccount

from chain.eip712 import Delegation, domain_of, sign, typed_data
from chain.keys import KeyRole, load_keys
from cli.client import ClientError
from tests.integration.chain.governance_fixtures import chain_now
from tests.integration.governance.conftest import Governance, new_round


def _relayer_nonce(governance: Governance) -> int:
    relayer = load_keys(governance.settings.keys_dir)[KeyRole.RELAYER].address
    return int(governance.web3.eth.get_transaction_count(relayer))


def _refusal(call: Any) -> tuple[int | None, str]:
    with pytest.raises(ClientError) as refused:
        call()
    return refused.value.status, refused.value.code


def _active_proposal(governance: Governance) -> dict[str, Any]:
    curator = governance.curator()
    proposal = governance.propose(curator, int(governance.dataset(curator.wallet.address).id or 0), new_round())
    governance.open_voting()
    return proposal


def _post_ballot(governance: Governance, proposal: dict[str, Any], body: dict[str, Any]) -> Any:
    return lambda: governance.api.call("POST", f"/proposals/{proposal['id']}/votes", json=body)


def test_an_altered_ballot_is_refused_before_any_gas_and_a_relayed_one_cannot_be_replayed(
    governance: Governance,
) -> None:
    voter = governance.holders({"voter": 10**18})["voter"]
    proposal = _active_proposal(governance)
    signature = governance.sign_ballot(voter, proposal["id"], "for")
    before = _relayer_nonce(governance)

    altered = {"voter": voter.address, "support": "against", "signature": signature}
    assert _refusal(_post_ballot(governance, proposal, altered)) == (400, "signature_wrong_signer")
    someone_else = {**altered, "support": "for", "voter": governance.mint({"other": 1})["other"].address}
    assert _refusal(_post_ballot(governance, proposal, someone_else)) == (400, "signature_wrong_signer")
    assert _relayer_nonce(governance) == before

    honest = {"voter": voter.address, "support": "for", "signature": signature}
    accepted = governance.api.call("POST", f"/proposals/{proposal['id']}/votes", json=honest)
    assert _refusal(_post_ballot(governance, proposal, honest)) == (409, "already_voted")  # replayed while pending
    mined = governance.until(
        lambda: governance.relayed_ballot(proposal["id"], accepted["id"]), lambda b: b["status"] != "accepted"
    )
    assert mined["status"] == "mined"
    assert _refusal(_post_ballot(governance, proposal, honest)) == (409, "already_voted")  # replayed after
    assert governance.proposal(proposal["id"])["votes"]["for"] == str(10**18)


def test_a_direct_voter_cannot_vote_again_by_relay(governance: Governance) -> None:
    voter = governance.holders({"voter": 10**18})["voter"]
    proposal = _active_proposal(governance)
    signature = governance.sign_ballot(voter, proposal["id"], "against")
    governance.relay_vote(voter, proposal["id"], "for")
    body = {"voter": voter.address, "support": "against", "signature": signature}
    status, code = _refusal(_post_ballot(governance, proposal, body))
    assert (status, code) == (409, "already_voted")


def _delegation_body(holder: LocalAccount, domain: Any, *, nonce: int, expiry: int) -> dict[str, Any]:
    message = Delegation(delegatee=holder.address, nonce=nonce, expiry=expiry)
    signature = "0x" + sign(typed_data(domain, message=message), account=holder).hex()
    return {"delegator": holder.address, "delegatee": holder.address, "nonce": nonce, "expiry": expiry,
            "signature": signature}  # fmt: skip


def test_a_delegation_signed_for_another_domain_is_refused_before_relaying(governance: Governance) -> None:
    holder = governance.mint({"holder": 10**18})["holder"]
    ours = domain_of(governance.token)
    expiry = chain_now(governance.web3) + 3600
    before = _relayer_nonce(governance)
    foreign = [
        type(ours)(ours.name, ours.version, 1, ours.verifying_contract),  # another chain
        type(ours)(ours.name, ours.version, ours.chain_id, governance.governor.address),  # another contract
        type(ours)("Other Token", ours.version, ours.chain_id, ours.verifying_contract),  # another name
    ]
    for domain in foreign:
        body = _delegation_body(holder, domain, nonce=0, expiry=expiry)
        refused = lambda body=body: governance.api.call("POST", "/delegations", json=body)  # noqa: E731
        assert _refusal(refused) == (400, "signature_wrong_signer")
    stale = _delegation_body(holder, ours, nonce=0, expiry=chain_now(governance.web3) - 1)
    assert _refusal(lambda: governance.api.call("POST", "/delegations", json=stale)) == (400, "signature_expired")
    ahead = _delegation_body(holder, ours, nonce=1, expiry=expiry)
    assert _refusal(lambda: governance.api.call("POST", "/delegations", json=ahead)) == (400, "signature_wrong_nonce")
    assert _relayer_nonce(governance) == before
    assert governance.token.functions.delegates(holder.address).call() == "0x" + "0" * 40

    honest = _delegation_body(holder, ours, nonce=0, expiry=expiry)
    accepted = governance.api.call("POST", "/delegations", json=honest)
    assert _refusal(lambda: governance.api.call("POST", "/delegations", json=honest)) == (
        409,
        "delegation_already_relayed",
    )
    done = governance.until(
        lambda: governance.api.call("GET", f"/delegations/{accepted['id']}"), lambda d: d["status"] != "accepted"
    )
    assert done["status"] == "mined"
    assert int(governance.token.functions.getVotes(holder.address).call()) == 10**18


def test_a_delegation_given_as_v_r_s_is_relayed(governance: Governance) -> None:
    holder = governance.mint({"holder": 5})["holder"]
    body = _delegation_body(holder, domain_of(governance.token), nonce=0, expiry=chain_now(governance.web3) + 600)
    raw = bytes.fromhex(body.pop("signature")[2:])
    body.update({"r": "0x" + raw[:32].hex(), "s": "0x" + raw[32:64].hex(), "v": raw[64]})
    accepted = governance.api.call("POST", "/delegations", json=body)
    done = governance.until(
        lambda: governance.api.call("GET", f"/delegations/{accepted['id']}"), lambda d: d["status"] != "accepted"
    )
    assert done["status"] == "mined" and int(governance.token.functions.getVotes(holder.address).call()) == 5
