"""EIP-712 typed messages: what contributors, scorers, voters and holders sign, as `eth_signTypedData_v4` takes it.

Contribution claims, revocations, score attestations and document reviews are checked here, off-chain, under the domain
"Polyphony Provenance" bound to the provenance registry; a contributor's signature may be a key's or a contract
wallet's (ERC-1271, asked through the chain by chain/signatures.py). Ballots, delegations and permits are
checked on-chain by OpenZeppelin's Governor, Votes and ERC20Permit, so their types match OZ 5.x's type hashes
to the byte.
Each message is a frozen dataclass whose annotations are its EIP-712 types, in type-string order.
uint256 values are decimal strings in the JSON: JavaScript wallets lose precision on numbers past 2**53,
and a proposal id is a 256-bit hash.
"""

from dataclasses import dataclass, fields
from typing import Annotated, Any, get_type_hints

from eth_account.messages import SignableMessage, encode_typed_data
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract

from chain.signatures import check_signature, recovered_address
from polyphony.errors import BadRequest

PROVENANCE_DOMAIN_NAME = "Polyphony Provenance"

Address = Annotated[str, "address"]
Bytes32 = Annotated[bytes, "bytes32"]
String = Annotated[str, "string"]
Bool = Annotated[bool, "bool"]
Uint8 = Annotated[int, "uint8"]
Uint16 = Annotated[int, "uint16"]
Uint256 = Annotated[int, "uint256"]

TypedData = dict[str, Any]

_DOMAIN_FIELDS = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


class SignatureRejected(BadRequest):
    code = "signature_rejected"


class SignatureExpired(SignatureRejected):
    code = "signature_expired"


class WrongNonce(SignatureRejected):
    code = "signature_wrong_nonce"


class WrongSigner(SignatureRejected):
    code = "signature_wrong_signer"


@dataclass(frozen=True)
class Domain:
    """Where a signature is valid: one contract on one chain."""

    name: str
    version: str
    chain_id: int
    verifying_contract: str

    def to_json(self) -> dict[str, Any]:
        """The domain as typed data writes it."""
        return {
            "name": self.name,
            "version": self.version,
            "chainId": self.chain_id,
            "verifyingContract": Web3.to_checksum_address(self.verifying_contract),
        }


def provenance_domain(chain_id: int, *, registry: str) -> Domain:
    """The domain of contribution claims, revocations and score attestations: the provenance registry's."""
    return Domain(PROVENANCE_DOMAIN_NAME, "1", chain_id, registry)


def domain_of(contract: Contract) -> Domain:
    """The domain an OpenZeppelin contract (governor, token) reports through ERC-5267's `eip712Domain()`."""
    _fields, name, version, chain_id, verifying_contract, _salt, _extensions = contract.functions.eip712Domain().call()
    return Domain(name, version, chain_id, verifying_contract)


@dataclass(frozen=True)
class ContributionClaim:
    """The contributor's word: this content is mine, under this license, with this consent."""

    contributor: Address
    content_sha256: Bytes32
    cid: String
    license: String  # an SPDX identifier
    consent_hash: Bytes32  # sha256 of the consent text the contributor agreed to
    nonce: Uint256
    deadline: Uint256


@dataclass(frozen=True)
class Revocation:
    """The contributor withdraws consent for one contribution."""

    contributor: Address
    contribution_cid: String
    nonce: Uint256
    deadline: Uint256


@dataclass(frozen=True)
class ScoreAttestation:
    """The scorer key's word: this contribution scored this much under this policy."""

    contribution_cid: String
    score: Uint16  # 0-10000
    policy_hash: Bytes32


@dataclass(frozen=True)
class DocumentReview:
    """A reviewer's word on one sampled document (record `record` of the upload at `contribution_cid`): accept,
    or reject for one of the published reasons. The sample id makes it count once."""

    reviewer: Address
    sample_id: Uint256
    contribution_cid: String
    record: Uint256
    accept: Bool
    reason: String  # "" when accepted
    deadline: Uint256


@dataclass(frozen=True)
class Ballot:
    """A vote relayed to OZ Governor's `castVoteBySig`; support is 0 against, 1 for, 2 abstain."""

    proposal_id: Uint256
    support: Uint8
    voter: Address
    nonce: Uint256


@dataclass(frozen=True)
class Delegation:
    """Voting power handed to `delegatee`, relayed to OZ Votes' `delegateBySig`; the signer is the delegator."""

    delegatee: Address
    nonce: Uint256
    expiry: Uint256


@dataclass(frozen=True)
class Permit:
    """An ERC-2612 allowance granted by signature."""

    owner: Address
    spender: Address
    value: Uint256
    nonce: Uint256
    deadline: Uint256


Message = ContributionClaim | Revocation | ScoreAttestation | DocumentReview | Ballot | Delegation | Permit


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def message_fields(kind: type[Message]) -> list[tuple[str, str, str]]:
    """(attribute, EIP-712 name, EIP-712 type) of each field of message type `kind`, in type-string order."""
    hints = get_type_hints(kind, include_extras=True)
    return [(f.name, _camel(f.name), hints[f.name].__metadata__[0]) for f in fields(kind)]


def type_string(kind: type[Message]) -> str:
    """The EIP-712 encodeType of `kind`, e.g. "Ballot(uint256 proposalId,uint8 support,...)"."""
    members = ",".join(f"{abi_type} {name}" for _, name, abi_type in message_fields(kind))
    return f"{kind.__name__}({members})"


def _json_value(abi_type: str, value: Any) -> Any:
    if abi_type == "address":
        return Web3.to_checksum_address(value)
    if abi_type == "bytes32":
        if len(value) != 32:
            raise ValueError(f"a bytes32 field needs 32 bytes, got {len(value)}")
        return "0x" + bytes(value).hex()
    return str(value) if abi_type == "uint256" else value


def typed_data(domain: Domain, *, message: Message) -> TypedData:
    """The JSON `eth_signTypedData_v4` takes: `message` under `domain`."""
    kind = type(message)
    layout = message_fields(kind)
    return {
        "types": {
            "EIP712Domain": _DOMAIN_FIELDS,
            kind.__name__: [{"name": name, "type": abi_type} for _, name, abi_type in layout],
        },
        "primaryType": kind.__name__,
        "domain": domain.to_json(),
        "message": {name: _json_value(abi_type, getattr(message, attr)) for attr, name, abi_type in layout},
    }


def _signable(typed: TypedData) -> SignableMessage:
    return encode_typed_data(full_message=typed)


def digest(typed: TypedData) -> bytes:
    """The 32-byte hash a wallet signs: keccak256(0x1901 || domain separator || struct hash)."""
    signable = _signable(typed)
    return bytes(Web3.keccak(b"\x19" + signable.version + signable.header + signable.body))


def sign(typed: TypedData, *, account: LocalAccount) -> bytes:
    """`account`'s 65-byte signature (r, s, v) of `typed`, as `eth_signTypedData_v4` returns it."""
    return bytes(account.sign_message(_signable(typed)).signature)


def split_signature(signature: bytes) -> tuple[int, bytes, bytes]:
    """(v, r, s) of a 65-byte signature, for functions that take them apart (delegateBySig, permit)."""
    if len(signature) != 65:
        raise ValueError(f"a signature is 65 bytes, got {len(signature)}")
    return signature[64], signature[:32], signature[32:64]


def recover(typed: TypedData, *, signature: bytes) -> str:
    """The address whose key signed `typed`; raise `WrongSigner` if `signature` is no key's signature."""
    recovered = recovered_address(digest(typed), signature) if len(signature) == 65 else None
    if recovered is None:
        raise WrongSigner(
            f"this is not a valid key's signature ({len(signature)} bytes): sign the typed data again"
        ) from None
    return recovered


def verify(typed: TypedData, *, signature: bytes, signer: str, now: int, web3: Web3 | None) -> None:
    """Raise unless `signer` signed `typed` and its deadline (or expiry), if it has one, is not before `now`.

    `signer` may be a contract wallet on the chain `web3` reaches (None: only a key's signature is checked)."""
    deadline = typed["message"].get("deadline", typed["message"].get("expiry"))
    if deadline is not None and now > int(deadline):
        raise SignatureExpired(
            f"this {typed['primaryType']} expired at {deadline} (now {now}): ask for a new one and sign it"
        )
    check_signer(typed, signature=signature, signer=signer, web3=web3)


def check_signer(typed: TypedData, *, signature: bytes, signer: str, web3: Web3 | None) -> None:
    """Raise `WrongSigner` unless `signer` (a key, or a contract wallet if `web3` is given) signed `typed`."""
    check = check_signature(web3, signer=signer, digest=digest(typed), signature=signature)
    if not check.valid:
        domain = typed["domain"]
        raise WrongSigner(
            f"this {typed['primaryType']} was not signed by {signer} for {domain['name']} on chain "
            f"{domain['chainId']} at {domain['verifyingContract']} ({check.found}): sign the typed data served "
            "for this chain and contract with that wallet"
        )


def _check_nonce(message: ContributionClaim | Revocation, *, expected_nonce: int) -> None:
    if message.nonce != expected_nonce:
        raise WrongNonce(
            f"this {type(message).__name__} carries nonce {message.nonce}, but {message.contributor}'s next "
            f"is {expected_nonce}: a signature counts once; ask for a new one and sign it"
        )


def verify_claim(
    claim: ContributionClaim, *, signature: bytes, domain: Domain, now: int, expected_nonce: int, web3: Web3 | None
) -> None:
    """Raise unless the contributor signed `claim` for `domain`, with their next nonce, before its deadline."""
    _check_nonce(claim, expected_nonce=expected_nonce)
    verify(typed_data(domain, message=claim), signature=signature, signer=claim.contributor, now=now, web3=web3)


def verify_revocation(
    revocation: Revocation, *, signature: bytes, domain: Domain, now: int, expected_nonce: int, web3: Web3 | None
) -> None:
    """Raise unless the contributor signed `revocation` for `domain`, with their next nonce, before its deadline."""
    _check_nonce(revocation, expected_nonce=expected_nonce)
    typed = typed_data(domain, message=revocation)
    verify(typed, signature=signature, signer=revocation.contributor, now=now, web3=web3)


def verify_attestation(attestation: ScoreAttestation, *, signature: bytes, domain: Domain, scorer: str) -> None:
    """Raise unless the scorer key `scorer` signed `attestation` for `domain`: an operator key, never a contract."""
    check_signer(typed_data(domain, message=attestation), signature=signature, signer=scorer, web3=None)
