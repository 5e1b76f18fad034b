"""Scoring on-chain: the policy hash registered on the provenance registry, and the scorer key's attestations.

Registering a policy pins its document first (the same bytes give the same CID), records it, then sends
`registerPolicy` as a named intent through the transaction sender, so a retry after a crash finds the sent
transaction instead of sending a second one; a hash already on-chain is recorded with the block it went in.
The attestation is EIP-712 typed data under the provenance registry's domain, signed off-chain by the scorer key
(the key that holds POLICY_ROLE), so anyone can check a score's signer against the registry's role holder.
"""

import io
from dataclasses import dataclass

from eth_account.signers.local import LocalAccount
from web3 import Web3

from chain.client import connect, rpc_errors, served_chain_id
from chain.contracts import Deployment, call_of, read_deployment
from chain.eip712 import ScoreAttestation, TypedData, provenance_domain, sign, typed_data, verify_attestation
from chain.keys import KeyRole, load_keys
from chain.tx import SenderPolicy, TxSender
from polyphony.db import session_scope
from polyphony.scores import service
from polyphony.settings import Settings
from polyphony.storage.base import Storage


def attestation_typed_data(*, contribution_cid: str, score: int, policy_hash: str, deployment: Deployment) -> TypedData:
    """The score attestation of `contribution_cid` as `eth_signTypedData_v4` takes it."""
    attestation = ScoreAttestation(
        contribution_cid=contribution_cid, score=score, policy_hash=bytes.fromhex(policy_hash.removeprefix("0x"))
    )
    domain = provenance_domain(deployment.chain_id, registry=deployment.contracts["provenanceRegistry"].address)
    return typed_data(domain, message=attestation)


def sign_attestation(
    *, contribution_cid: str, score: int, policy_hash: str, deployment: Deployment, scorer: LocalAccount
) -> str:
    """The scorer key's signature (0x-hex) over the attestation of this score."""
    typed = attestation_typed_data(
        contribution_cid=contribution_cid, score=score, policy_hash=policy_hash, deployment=deployment
    )
    return "0x" + sign(typed, account=scorer).hex()


def check_attestation(
    *, contribution_cid: str, score: int, policy_hash: str, deployment: Deployment, scorer: str, signature: str
) -> None:
    """Raise `WrongSigner` unless `scorer` signed the attestation of exactly this score."""
    attestation = ScoreAttestation(
        contribution_cid=contribution_cid, score=score, policy_hash=bytes.fromhex(policy_hash.removeprefix("0x"))
    )
    domain = provenance_domain(deployment.chain_id, registry=deployment.contracts["provenanceRegistry"].address)
    verify_attestation(attestation, signature=bytes.fromhex(signature.removeprefix("0x")), domain=domain, scorer=scorer)


def registered_block(web3: Web3, deployment: Deployment, policy_hash: str) -> int:
    """The block the registry registered `policy_hash` in; 0 when it never did."""
    registry = deployment.bind(web3, "provenanceRegistry")
    return int(registry.functions.policyBlock(bytes.fromhex(policy_hash.removeprefix("0x"))).call())


def policy_holds_role(web3: Web3, deployment: Deployment, account: str) -> bool:
    """Whether `account` holds the registry's POLICY_ROLE (the scorer key does)."""
    registry = deployment.bind(web3, "provenanceRegistry")
    role = registry.functions.POLICY_ROLE().call()
    return bool(registry.functions.hasRole(role, Web3.to_checksum_address(account)).call())


@dataclass(frozen=True)
class PolicyDocument:
    """A scoring policy as the chain layer needs it: its hash, its version and its canonical bytes."""

    policy_hash: str
    version: str
    document: bytes


def register_policy(*, policy: PolicyDocument, sender: TxSender, deployment: Deployment, storage: Storage) -> int:
    """Pin `policy`'s document and register its hash on the registry, once; return the registration block."""
    cid = storage.add(io.BytesIO(policy.document)).cid
    with session_scope() as session:
        service.keep_policy(session, policy_hash=policy.policy_hash, version=policy.version, document_cid=cid)
    block = registered_block(sender.web3, deployment, policy.policy_hash)
    tx_hash = None
    if block == 0:
        registry = deployment.bind(sender.web3, "provenanceRegistry")
        call = call_of(registry, "registerPolicy", bytes.fromhex(policy.policy_hash.removeprefix("0x")), cid)
        tx = sender.send(f"policy:{registry.address}:{policy.policy_hash}", call)
        tx_hash, block = tx.tx_hash, int(tx.block_number or 0)
    with session_scope() as session:
        service.mark_policy_registered(session, policy.policy_hash, tx_hash=tx_hash, block_number=block)
    return block


@dataclass(frozen=True)
class ScorerContext:
    """The deployment the scores are attested for, and the scorer key that signs them."""

    deployment: Deployment
    scorer: LocalAccount


def scorer_context(settings: Settings) -> ScorerContext | None:
    """The configured deployment and scorer key; None until the contracts are deployed."""
    deployment = read_deployment(settings.deployments_dir, served_chain_id(settings))
    if deployment is None:
        return None
    return ScorerContext(deployment, load_keys(settings.keys_dir)[KeyRole.SCORER])


def register_policy_with_settings(settings: Settings, *, policy: PolicyDocument, storage: Storage) -> int | None:
    """`register_policy` on the configured chain with the scorer key; None until the contracts are deployed."""
    context = scorer_context(settings)
    if context is None:
        return None
    web3 = connect(settings.effective_chain_rpc_url)
    with rpc_errors(settings.effective_chain_rpc_url):
        sender = TxSender(web3, context.scorer, SenderPolicy(confirmations=settings.polyphony_chain_confirmations))
        return register_policy(policy=policy, sender=sender, deployment=context.deployment, storage=storage)
