"""A Safe (a contract wallet, ERC-1271) signs in, claims, revokes and votes by relayed signature, through the real
API, the chain worker and the real Safe 1.4.1 contracts from npm deployed on anvil; it delegates directly.

A Safe's signature is its owners' signatures of the Safe message hash of what is signed (see safe_fixtures.py):
with a 2-of-3 Safe, two owners' signatures hold and one does not. A 1-of-1 Safe is a second identity next to its
owner's plain key: each signs as itself, and neither's signature counts for the other. The CLI acts as a 1-of-1
Safe with its owner's key (`--safe`).
"""

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient

from api.main import create_app
from chain.bindings import call_of
from chain.eip712 import digest
from chain.keys import KeyRole, load_keys
from chain.provenance import Provenance
from chain.siwe import message_for, sign, signed_digest, terms_for
from chain.verify.provenance import verify_provenance
from cli.client import ClientError, PolyphonyClient
from polyphony.storage import storage_from_settings
from tests.integration.chain.governance_fixtures import new_wallet
from tests.integration.chain.safe_fixtures import (
    SafeContracts,
    SafeWallet,
    approve_on_chain,
    new_safe,
)
from tests.integration.cli.test_contribute import contribute, contribution_id, polyphony
from tests.integration.governance.conftest import Governance, new_round
from tests.support.contributor_flows import anchor_through_the_chain_worker, upload


def _safe(governance: Governance, contracts: SafeContracts, owners: list[LocalAccount], threshold: int) -> SafeWallet:
    return new_safe(governance.web3, contracts, owners, threshold, sender=new_wallet(governance.web3))


def _client(governance: Governance) -> PolyphonyClient:
    url = governance.settings.effective_public_url
    return PolyphonyClient(url, http=TestClient(create_app(), base_url=url))


def _refusal(call: Callable[[], Any]) -> tuple[int | None, str]:
    with pytest.raises(ClientError) as refused:
        call()
    return refused.value.status, refused.value.code


def _sign_in(client: PolyphonyClient, address: str, signer: Callable[[str], bytes]) -> str:
    """Sign in as `address` with the signature `signer` makes of the message text; keep the token."""
    nonce = client.call("GET", "/auth/nonce")["nonce"]
    terms = terms_for(client.base_url, chain_id=client.chain_id)
    text = message_for(address, terms=terms, nonce=nonce, now=datetime.now(UTC), lifetime_s=300).to_text()
    answer = client.call("POST", "/auth/login", json={"message": text, "signature": "0x" + signer(text).hex()})
    client.token = answer["access_token"]
    return str(answer["address"])


def _safe_signer(safe: SafeWallet, **choice: Any) -> Callable[[str], bytes]:
    return lambda text: safe.sign(signed_digest(text), **choice)


def _key_signer(key: LocalAccount) -> Callable[[str], bytes]:
    return lambda text: sign(text, account=key)


def _claim(client: PolyphonyClient, contribution_id: int, signer: Callable[[bytes], bytes]) -> dict[str, Any]:
    typed = client.call("GET", f"/contributions/{contribution_id}/claim")
    body = {"signature": "0x" + signer(digest(typed)).hex()}
    claimed: dict[str, Any] = client.call("POST", f"/contributions/{contribution_id}/claim", json=body)
    return claimed


def _revoke(client: PolyphonyClient, contribution_id: int, signer: Callable[[bytes], bytes]) -> dict[str, Any]:
    typed = client.call("GET", f"/contributions/{contribution_id}/revocation")
    body = {"signature": "0x" + signer(digest(typed)).hex(), "deadline": typed["message"]["deadline"]}
    tombstone: dict[str, Any] = client.call("POST", f"/contributions/{contribution_id}/revocation", json=body)
    return tombstone


def _relayer_nonce(governance: Governance) -> int:
    relayer = load_keys(governance.settings.keys_dir)[KeyRole.RELAYER].address
    return int(governance.web3.eth.get_transaction_count(relayer))


def test_our_safe_message_hash_is_the_fallback_handlers_own(
    governance: Governance, safe_contracts: SafeContracts
) -> None:
    safe = _safe(governance, safe_contracts, [Account.create() for _ in range(3)], 2)
    handler_abi = safe_contracts.fallback_handler.abi
    through_the_safe = governance.web3.eth.contract(address=safe.contract.address, abi=handler_abi)
    signed = b"\x5a" * 32
    assert bytes(through_the_safe.functions.getMessageHash(signed).call()) == safe.message_hash(signed)


def test_a_2_of_3_safe_signs_in_claims_and_revokes_with_two_owners_signatures(
    governance: Governance, safe_contracts: SafeContracts
) -> None:
    owners = [Account.create() for _ in range(3)]
    safe = _safe(governance, safe_contracts, owners, 2)
    client = _client(governance)

    one_owner = _safe_signer(safe, signers=owners[:1])
    assert _refusal(lambda: _sign_in(client, safe.address, one_owner)) == (401, "siwe_wrong_signer")
    out_of_order = _safe_signer(safe, signers=owners[1:], ascending=False)  # Safe wants ascending owners
    assert _refusal(lambda: _sign_in(client, safe.address, out_of_order)) == (401, "siwe_wrong_signer")
    assert _sign_in(client, safe.address, _safe_signer(safe, signers=owners[1:])) == safe.address
    assert client.me() == safe.address

    stored = upload(client, content=b'{"text": "A Safe gives this."}\n')
    assert stored["contributor"] == safe.address
    refused = _refusal(lambda: _claim(client, stored["id"], lambda d: safe.sign(d, signers=owners[2:])))
    assert refused == (400, "signature_wrong_signer")
    claimed = _claim(client, stored["id"], lambda d: safe.sign(d, signers=[owners[0], owners[2]]))
    assert claimed["status"] == "claimed"

    tombstone = _revoke(client, stored["id"], safe.sign)
    assert tombstone["contributor"] == safe.address
    assert len(bytes.fromhex(tombstone["signature"][2:])) == 2 * 65  # kept whole: anyone can check it again
    assert client.call("GET", f"/contributions/{stored['id']}")["status"] == "withdrawn"


def test_a_safe_signs_in_with_an_empty_signature_once_its_owners_approved_the_message_on_chain(
    governance: Governance, safe_contracts: SafeContracts
) -> None:
    safe = _safe(governance, safe_contracts, [Account.create() for _ in range(3)], 2)
    client, sender = _client(governance), new_wallet(governance.web3)
    assert _refusal(lambda: _sign_in(client, safe.address, lambda _text: b"")) == (401, "siwe_wrong_signer")

    def approved_on_chain(text: str) -> bytes:
        approve_on_chain(safe, signed_digest(text), contracts=safe_contracts, sender=sender)
        return b""

    assert _sign_in(client, safe.address, approved_on_chain) == safe.address


def test_a_1_of_1_safe_and_its_owners_key_are_two_identities(
    governance: Governance, safe_contracts: SafeContracts
) -> None:
    owner = Account.create()
    safe = _safe(governance, safe_contracts, [owner], 1)
    as_owner, as_safe = _client(governance), _client(governance)

    # The owner's plain signature of the text is the owner's, not the Safe's, and the other way round.
    assert _refusal(lambda: _sign_in(as_safe, safe.address, _key_signer(owner))) == (401, "siwe_wrong_signer")
    assert _refusal(lambda: _sign_in(as_owner, owner.address, _safe_signer(safe))) == (401, "siwe_wrong_signer")
    assert _sign_in(as_owner, owner.address, _key_signer(owner)) == owner.address
    assert _sign_in(as_safe, safe.address, _safe_signer(safe)) == safe.address

    owners_upload = upload(as_owner, content=b'{"text": "The owner gives this."}\n')
    safes_upload = upload(as_safe, content=b'{"text": "The Safe gives this."}\n')
    key_signature = lambda d: bytes(owner.unsafe_sign_hash(d).signature)  # noqa: E731
    assert _refusal(lambda: _claim(as_safe, safes_upload["id"], key_signature)) == (400, "signature_wrong_signer")
    assert _claim(as_owner, owners_upload["id"], key_signature)["status"] == "claimed"
    assert _claim(as_safe, safes_upload["id"], safe.sign)["status"] == "claimed"

    # Anyone checks the Safe's anchored claim without trusting the API: the Safe itself is asked (ERC-1271).
    anchor_through_the_chain_worker()
    record = Provenance(**as_safe.call("GET", f"/contributions/{safes_upload['id']}/provenance"))
    checks = verify_provenance(
        safes_upload["id"], record, web3=governance.web3, blobs=storage_from_settings(governance.settings)
    )
    assert [check.ok for check in checks] == [True] * 7, checks
    assert "ERC-1271" in next(check.detail for check in checks if check.name == "claim signed by the contributor")


def test_safes_delegate_directly_and_vote_by_relayed_signatures_next_to_a_plain_key(
    governance: Governance, safe_contracts: SafeContracts
) -> None:
    owners = [Account.create() for _ in range(3)]
    safe = _safe(governance, safe_contracts, owners, 2)
    governance.mint_to(safe.address, 7 * 10**18)

    # delegateBySig takes a key's signature only: the API says so, and the Safe delegates by its own transaction.
    typed_data_for_safe = lambda: governance.api.call(  # noqa: E731
        "GET", "/delegations/typed-data", params={"delegator": safe.address, "delegatee": safe.address}
    )
    assert _refusal(typed_data_for_safe) == (400, "delegation_needs_key")
    body = {"delegator": safe.address, "delegatee": safe.address, "nonce": 0, "expiry": 2**40,
            "signature": "0x" + safe.sign(b"\x00" * 32).hex()}  # fmt: skip
    assert _refusal(lambda: governance.api.call("POST", "/delegations", json=body)) == (400, "delegation_needs_key")
    safe.execute(call_of(governance.token, "delegate", safe.address), sender=new_wallet(governance.web3))
    assert int(governance.token.functions.getVotes(safe.address).call()) == 7 * 10**18

    # Next to it, a 1-of-1 Safe and the plain key that owns it, each with votes of its own.
    owner = governance.holders({"owner": 3 * 10**18})["owner"]
    solo = _safe(governance, safe_contracts, [owner], 1)
    governance.mint_to(solo.address, 2 * 10**18)
    solo.execute(call_of(governance.token, "delegate", solo.address), sender=new_wallet(governance.web3))

    curator = governance.curator()
    proposal = governance.propose(curator, int(governance.dataset(curator.wallet.address).id or 0), new_round())
    governance.open_voting()
    votes = f"/proposals/{proposal['id']}/votes"

    def ballot_hash(voter: str) -> bytes:
        path = f"/proposals/{proposal['id']}/ballot"
        return digest(governance.api.call("GET", path, params={"voter": voter, "support": "for"}))

    def ballot(voter: str, signature: bytes) -> dict[str, Any]:
        return {"voter": voter, "support": "for", "signature": "0x" + signature.hex()}

    before = _relayer_nonce(governance)
    refused = [
        ballot(safe.address, safe.sign(ballot_hash(safe.address), signers=owners[:1])),  # one owner of two
        ballot(solo.address, bytes(owner.unsafe_sign_hash(ballot_hash(solo.address)).signature)),  # the owner's key
        ballot(owner.address, solo.sign(ballot_hash(owner.address))),  # the Safe's signature for its owner
        ballot(governance.token.address, safe.sign(ballot_hash(safe.address))),  # a contract without ERC-1271
    ]
    for body in refused:
        refusal = _refusal(lambda body=body: governance.api.call("POST", votes, json=body))
        assert refusal == (400, "signature_wrong_signer"), body
    assert _relayer_nonce(governance) == before  # refused before the relayer paid anything

    honest = [
        ballot(safe.address, safe.sign(ballot_hash(safe.address))),
        ballot(solo.address, solo.sign(ballot_hash(solo.address))),
        ballot(owner.address, bytes(owner.unsafe_sign_hash(ballot_hash(owner.address)).signature)),
    ]
    for body in honest:
        accepted = governance.api.call("POST", votes, json=body)
        mined = governance.until(
            lambda ballot_id=accepted["id"]: governance.relayed_ballot(proposal["id"], ballot_id),
            lambda b: b["status"] != "accepted",
        )
        assert mined["status"] == "mined", mined
    assert governance.proposal(proposal["id"])["votes"]["for"] == str((7 + 2 + 3) * 10**18)


@pytest.mark.usefixtures("api_process")
def test_the_cli_contributes_and_votes_as_a_1_of_1_safe_with_its_owners_key(
    governance: Governance, safe_contracts: SafeContracts, tmp_path: Path
) -> None:
    owner = Account.create()
    safe = _safe(governance, safe_contracts, [owner], 1)
    key = tmp_path / "owner.key"
    key.write_text("0x" + bytes(owner.key).hex() + "\n")
    as_safe = ("--safe", safe.address, "--key-file", str(key))

    sample = tmp_path / "safe.jsonl"
    sample.write_bytes(b'{"text": "A Safe gives this through the command line."}\n')
    contributed = contribution_id(contribute(sample, *as_safe))
    assert governance.api.call("GET", f"/contributions/{contributed}")["contributor"] == safe.address

    governance.mint_to(safe.address, 4 * 10**18)
    safe.execute(call_of(governance.token, "delegate", safe.address), sender=new_wallet(governance.web3))
    curator = governance.curator()
    proposal = governance.propose(curator, int(governance.dataset(curator.wallet.address).id or 0), new_round())
    governance.open_voting()
    own_gas = polyphony("vote", proposal["id"], "for", "--self", *as_safe)
    assert own_gas.returncode == 2 and "without --self" in own_gas.stdout + own_gas.stderr
    voted = polyphony("vote", proposal["id"], "for", *as_safe)
    assert voted.returncode == 0 and "relayed in 0x" in voted.stdout, voted.stdout + voted.stderr
    assert governance.proposal(proposal["id"])["votes"]["for"] == str(4 * 10**18)
