"""EIP-712 messages: sign and recover, and every way a signature must be refused (wrong field, chain,
contract, signer, nonce, or past its deadline). That the contracts agree is tested on anvil."""

import dataclasses
import json
from typing import Any

import pytest
from eth_abi.abi import encode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from chain.eip712 import (
    Ballot,
    ContributionClaim,
    Delegation,
    Domain,
    Message,
    Permit,
    Revocation,
    ScoreAttestation,
    SignatureExpired,
    WrongNonce,
    WrongSigner,
    digest,
    provenance_domain,
    recover,
    sign,
    split_signature,
    type_string,
    typed_data,
    verify,
    verify_attestation,
    verify_claim,
    verify_revocation,
)

CONTRIBUTOR: LocalAccount = Account.from_key("0x" + "a1" * 32)
SCORER: LocalAccount = Account.from_key("0x" + "b2" * 32)
STRANGER: LocalAccount = Account.from_key("0x" + "c3" * 32)
REGISTRY = "0x" + "5e" * 20
DOMAIN = provenance_domain(31337, registry=REGISTRY)
NOW = 1_700_000_000

CLAIM = ContributionClaim(
    contributor=CONTRIBUTOR.address,
    content_sha256=bytes.fromhex("9f" * 32),
    cid="bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
    license="CC-BY-4.0",
    consent_hash=bytes.fromhex("c0" * 32),
    nonce=3,
    deadline=NOW + 600,
)
REVOCATION = Revocation(contributor=CONTRIBUTOR.address, contribution_cid=CLAIM.cid, nonce=4, deadline=NOW + 600)
ATTESTATION = ScoreAttestation(contribution_cid=CLAIM.cid, score=8125, policy_hash=bytes.fromhex("70" * 32))
EVERY_MESSAGE: list[Message] = [
    CLAIM,
    REVOCATION,
    ATTESTATION,
    Ballot(proposal_id=2**255 + 12345, support=1, voter=CONTRIBUTOR.address, nonce=0),
    Delegation(delegatee=STRANGER.address, nonce=0, expiry=NOW + 60),
    Permit(owner=CONTRIBUTOR.address, spender=STRANGER.address, value=10**24, nonce=2, deadline=NOW + 60),
]


def _signed(message: Message, *, domain: Domain = DOMAIN, account: LocalAccount = CONTRIBUTOR) -> bytes:
    return sign(typed_data(domain, message=message), account=account)


def _altered(value: Any) -> Any:
    if isinstance(value, bytes):
        return bytes([value[0] ^ 1]) + value[1:]
    if isinstance(value, int):
        return value + 1
    return STRANGER.address if Web3.is_address(value) else value + "x"


@pytest.mark.parametrize("message", EVERY_MESSAGE, ids=lambda message: type(message).__name__)
def test_every_message_recovers_to_the_key_that_signed_it(message: Message) -> None:
    signature = _signed(message)
    assert len(signature) == 65
    assert recover(typed_data(DOMAIN, message=message), signature=signature) == CONTRIBUTOR.address


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(ContributionClaim)])
def test_changing_any_field_of_a_signed_claim_changes_the_signer(field: str) -> None:
    signature = _signed(CLAIM)
    forged = dataclasses.replace(CLAIM, **{field: _altered(getattr(CLAIM, field))})
    assert recover(typed_data(DOMAIN, message=forged), signature=signature) != CONTRIBUTOR.address


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(ScoreAttestation)])
def test_changing_any_field_of_a_score_attestation_changes_the_signer(field: str) -> None:
    signature = _signed(ATTESTATION, account=SCORER)
    forged = dataclasses.replace(ATTESTATION, **{field: _altered(getattr(ATTESTATION, field))})
    with pytest.raises(WrongSigner):
        verify_attestation(forged, signature=signature, domain=DOMAIN, scorer=SCORER.address)


def test_a_valid_claim_and_revocation_pass_verification() -> None:
    verify_claim(CLAIM, signature=_signed(CLAIM), domain=DOMAIN, now=NOW, expected_nonce=3, web3=None)
    verify_revocation(REVOCATION, signature=_signed(REVOCATION), domain=DOMAIN, now=NOW, expected_nonce=4, web3=None)
    verify_attestation(
        ATTESTATION, signature=_signed(ATTESTATION, account=SCORER), domain=DOMAIN, scorer=SCORER.address
    )


@pytest.mark.parametrize(
    "signed_for",
    [provenance_domain(1, registry=REGISTRY), provenance_domain(31337, registry="0x" + "66" * 20)],
    ids=["another-chain", "another-registry"],
)
def test_a_claim_signed_for_another_chain_or_registry_is_rejected(signed_for: Domain) -> None:
    with pytest.raises(WrongSigner, match="chain 31337"):
        verify_claim(
            CLAIM, signature=_signed(CLAIM, domain=signed_for), domain=DOMAIN, now=NOW, expected_nonce=3, web3=None
        )


@pytest.mark.parametrize(
    "signed_for",
    [provenance_domain(10, registry=REGISTRY), provenance_domain(31337, registry="0x" + "66" * 20)],
    ids=["another-chain", "another-registry"],
)
def test_a_revocation_or_attestation_signed_for_another_chain_or_registry_is_rejected(signed_for: Domain) -> None:
    with pytest.raises(WrongSigner):
        verify_revocation(
            REVOCATION,
            signature=_signed(REVOCATION, domain=signed_for),
            domain=DOMAIN,
            now=NOW,
            expected_nonce=4,
            web3=None,
        )
    with pytest.raises(WrongSigner):
        signature = _signed(ATTESTATION, domain=signed_for, account=SCORER)
        verify_attestation(ATTESTATION, signature=signature, domain=DOMAIN, scorer=SCORER.address)


def test_a_claim_is_valid_through_its_deadline_second_and_expired_after() -> None:
    signature = _signed(CLAIM)
    verify_claim(CLAIM, signature=signature, domain=DOMAIN, now=CLAIM.deadline, expected_nonce=3, web3=None)
    with pytest.raises(SignatureExpired):
        verify_claim(CLAIM, signature=signature, domain=DOMAIN, now=CLAIM.deadline + 1, expected_nonce=3, web3=None)
    with pytest.raises(SignatureExpired):
        verify_revocation(
            REVOCATION,
            signature=_signed(REVOCATION),
            domain=DOMAIN,
            now=REVOCATION.deadline + 1,
            expected_nonce=4,
            web3=None,
        )


def test_a_replayed_claim_or_revocation_whose_nonce_was_used_is_rejected() -> None:
    with pytest.raises(WrongNonce):
        verify_claim(CLAIM, signature=_signed(CLAIM), domain=DOMAIN, now=NOW, expected_nonce=4, web3=None)
    with pytest.raises(WrongNonce):
        verify_revocation(
            REVOCATION, signature=_signed(REVOCATION), domain=DOMAIN, now=NOW, expected_nonce=5, web3=None
        )


def test_a_claim_signed_by_another_wallet_is_rejected() -> None:
    with pytest.raises(WrongSigner, match=CONTRIBUTOR.address):
        verify_claim(
            CLAIM, signature=_signed(CLAIM, account=STRANGER), domain=DOMAIN, now=NOW, expected_nonce=3, web3=None
        )


def test_an_attestation_signed_by_a_key_other_than_the_scorer_is_rejected() -> None:
    with pytest.raises(WrongSigner):
        verify_attestation(ATTESTATION, signature=_signed(ATTESTATION), domain=DOMAIN, scorer=SCORER.address)


@pytest.mark.parametrize("signature", [b"", b"\x01" * 64, b"\x00" * 65], ids=["empty", "short", "zeros"])
def test_bytes_that_are_no_signature_are_rejected_as_a_wrong_signer(signature: bytes) -> None:
    with pytest.raises(WrongSigner):
        verify_claim(CLAIM, signature=signature, domain=DOMAIN, now=NOW, expected_nonce=3, web3=None)


def test_an_expired_delegation_is_rejected_by_its_expiry() -> None:
    delegation = Delegation(delegatee=STRANGER.address, nonce=0, expiry=NOW)
    domain = Domain("Polyphony", "1", 31337, "0x" + "70" * 20)
    typed = typed_data(domain, message=delegation)
    verify(typed, signature=sign(typed, account=CONTRIBUTOR), signer=CONTRIBUTOR.address, now=NOW, web3=None)
    with pytest.raises(SignatureExpired):
        verify(typed, signature=sign(typed, account=CONTRIBUTOR), signer=CONTRIBUTOR.address, now=NOW + 1, web3=None)


@pytest.mark.parametrize(
    ("kind", "openzeppelin"),
    [
        (Ballot, "Ballot(uint256 proposalId,uint8 support,address voter,uint256 nonce)"),
        (Delegation, "Delegation(address delegatee,uint256 nonce,uint256 expiry)"),
        (Permit, "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"),
    ],
)
def test_on_chain_messages_use_openzeppelins_type_strings(kind: type[Message], openzeppelin: str) -> None:
    assert type_string(kind) == openzeppelin


def test_the_ballot_digest_is_the_hash_the_governor_computes() -> None:
    governor = Domain("Polyphony Governor", "1", 31337, "0x" + "90" * 20)
    ballot = Ballot(proposal_id=2**200 + 1, support=2, voter=CONTRIBUTOR.address, nonce=7)
    domain_type = Web3.keccak(text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
    separator = Web3.keccak(
        encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [domain_type, Web3.keccak(text=governor.name), Web3.keccak(text="1"), 31337, governor.verifying_contract],
        )
    )
    struct = Web3.keccak(
        encode(
            ["bytes32", "uint256", "uint8", "address", "uint256"],
            [Web3.keccak(text=type_string(Ballot)), ballot.proposal_id, 2, ballot.voter, 7],
        )
    )
    assert digest(typed_data(governor, message=ballot)) == Web3.keccak(b"\x19\x01" + separator + struct)


def test_typed_data_is_json_with_uint256_as_decimal_strings() -> None:
    typed = typed_data(DOMAIN, message=CLAIM)
    assert json.loads(json.dumps(typed)) == typed
    assert typed["primaryType"] == "ContributionClaim"
    assert typed["domain"] == {
        "name": "Polyphony Provenance",
        "version": "1",
        "chainId": 31337,
        "verifyingContract": Web3.to_checksum_address(REGISTRY),
    }
    assert typed["message"]["nonce"] == "3" and typed["message"]["contentSha256"] == "0x" + "9f" * 32
    assert [field["name"] for field in typed["types"]["ContributionClaim"]] == [
        "contributor", "contentSha256", "cid", "license", "consentHash", "nonce", "deadline",
    ]  # fmt: skip


def test_a_bytes32_field_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        typed_data(DOMAIN, message=dataclasses.replace(CLAIM, content_sha256=b"\x01" * 31))


def test_a_signature_splits_into_v_r_s() -> None:
    signature = _signed(CLAIM)
    v, r, s = split_signature(signature)
    assert v in (27, 28) and r + s + bytes([v]) == signature
