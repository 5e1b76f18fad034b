"""Scoring on-chain: the policy hash registered on the provenance registry, and the scorer key's attestations.

Registering a policy pins its document first (the same bytes give the same CID), records it, then sends
`registerPolicy` as a named intent through the transaction sender, so a retry after a crash finds the sent
transaction instead of sending a second one; a hash already on-chain is recorded with the block it went in.
The attestation is EIP-712 typed data under the provenance registry's domain, signed off-chain by the scorer key
(the key that holds POLICY_ROLE), so anyone can check a score's signer against the registry's role holder.
"""

import io

from eth_account.signers.local import LocalAccount
from web3 import Web3

from chain.bindings import Deployment, call_of
from chain.client import rpc_errors
from chain.eip712 import ScoreAttestation, TypedData, provenance_domain, sign, typed_data, verify_attestation
from chain.keys import KeyRole, load_keys
from chain.senders import actor_for, configured_deployment
from chain.tx import TxSender
from polyphony.db import session_scope
from polyphony.scores import service
from polyphony.scores.flow import Attest, Attestation
from polyphony.scoring import Policy, current_policy, policy_document, policy_hash
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


def register_policy(*, policy: Policy, sender: TxSender, deployment: Deployment, storage: Storage) -> int:
    """Pin `policy`'s document and register its hash on the registry, once; return the registration block.

    A workflow that owns its transactions: the pin is recorded and committed before the registration is sent.
    """
    phash = policy_hash(policy)
    cid = storage.add(io.BytesIO(policy_document(policy))).cid
    with session_scope() as session:
        service.keep_policy(session, policy_hash=phash, version=policy.version, document_cid=cid)
    block = registered_block(sender.web3, deployment, phash)
    tx_hash = None
    if block == 0:
        registry = deployment.bind(sender.web3, "provenanceRegistry")
        call = call_of(registry, "registerPolicy", bytes.fromhex(phash.removeprefix("0x")), cid)
        tx = sender.send(f"policy:{registry.address}:{phash}", call)
        tx_hash, block = tx.tx_hash, int(tx.block_number or 0)
    with session_scope() as session:
        service.mark_policy_registered(session, phash, tx_hash=tx_hash, block_number=block)
    return block


def register_policy_with_settings(settings: Settings, *, storage: Storage) -> int | None:
    """`register_policy` of the current policy on the configured chain with the scorer key; None until the
    contracts are deployed."""
    scorer = actor_for(settings, KeyRole.SCORER)
    if scorer is None:
        return None
    with rpc_errors(settings.effective_chain_rpc_url):
        return register_policy(
            policy=current_policy()[0], sender=scorer.sender, deployment=scorer.deployment, storage=storage
        )


def attestor(settings: Settings) -> Attest | None:
    """The scorer key's attestation of a score on the configured deployment; None until the contracts are deployed."""
    deployment = configured_deployment(settings)
    if deployment is None:
        return None
    scorer = load_keys(settings.keys_dir)[KeyRole.SCORER]

    def attest(contribution_cid: str, score: int, policy_hash: str) -> Attestation:
        signature = sign_attestation(
            contribution_cid=contribution_cid, score=score, policy_hash=policy_hash, deployment=deployment,
            scorer=scorer,
        )  # fmt: skip
        return Attestation(scorer=scorer.address, signature=signature)

    return attest
