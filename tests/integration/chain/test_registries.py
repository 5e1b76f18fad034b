"""The provenance and dataset registries on anvil: only the anchorer key anchors, only the scorer key registers
policies, only the timelock approves datasets, and nothing is recorded twice."""

import os

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3

from chain.bindings import Deployment, call_of
from chain.keys import KeyRole
from chain.provenance import anchored_manifest_cid
from chain.tx import TxSender
from polyphony.storage.cid import RAW, Cid
from tests.integration.chain.governance_fixtures import refusal

MANIFEST = (RAW, bytes(range(32)))  # a batch manifest's CID as the registry takes it: codec and sha2-256 digest


def _everyone_but(keys: dict[KeyRole, LocalAccount], allowed: KeyRole, stranger: LocalAccount) -> list[str]:
    return [stranger.address, *(key.address for role, key in keys.items() if role != allowed)]


def test_only_the_anchorer_key_anchors_a_batch(
    web3: Web3, deployment: Deployment, operator_keys: dict[KeyRole, LocalAccount], funded_account: LocalAccount
) -> None:
    registry, root = deployment.bind(web3, "provenanceRegistry"), os.urandom(32)
    anchor = call_of(registry, "anchor", root, 3, *MANIFEST)
    for sender in _everyone_but(operator_keys, KeyRole.ANCHORER, funded_account):
        assert refusal(web3, sender, anchor) == "AccessControlUnauthorizedAccount"
    assert registry.functions.batchBlock(root).call() == 0

    TxSender(web3, operator_keys[KeyRole.ANCHORER]).send(f"test:anchor:{HexBytes(root).hex()}", anchor)
    assert registry.functions.batchBlock(root).call() > 0


def test_a_batch_is_anchored_once_and_never_empty(
    web3: Web3, deployment: Deployment, operator_keys: dict[KeyRole, LocalAccount]
) -> None:
    registry, root, anchorer = (
        deployment.bind(web3, "provenanceRegistry"),
        os.urandom(32),
        operator_keys[KeyRole.ANCHORER],
    )
    anchor = call_of(registry, "anchor", root, 2, *MANIFEST)
    block = TxSender(web3, anchorer).send(f"test:anchor:{HexBytes(root).hex()}", anchor).block_number
    again = call_of(registry, "anchor", root, 5, RAW, os.urandom(32))
    assert refusal(web3, anchorer.address, again) == "BatchAlreadyAnchored"
    assert registry.functions.batchBlock(root).call() == block
    assert refusal(web3, anchorer.address, call_of(registry, "anchor", os.urandom(32), 0, *MANIFEST)) == "EmptyBatch"


def test_a_batch_of_any_kind_is_anchored_with_its_kind_and_claims_keep_their_old_event(
    web3: Web3, deployment: Deployment, operator_keys: dict[KeyRole, LocalAccount], funded_account: LocalAccount
) -> None:
    registry, anchorer = deployment.bind(web3, "provenanceRegistry"), TxSender(web3, operator_keys[KeyRole.ANCHORER])
    assert refusal(web3, funded_account.address, call_of(registry, "anchorKind", 1, os.urandom(32), 1, *MANIFEST)) == (
        "AccessControlUnauthorizedAccount"
    )
    # Claims, reviews, and a kind no one has named yet. Not revocations: every pull on this chain reads each
    # revocation batch's manifest, and this one is made up (revocations are anchored for real in the pull tests).
    for kind in (0, 2, 200):
        root = os.urandom(32)
        call = call_of(registry, "anchorKind", kind, root, 3, *MANIFEST)
        block = anchorer.send(f"test:anchor-kind:{HexBytes(root).hex()}", call).block_number
        assert registry.functions.batchKind(root).call() == kind and registry.functions.batchBlock(root).call() == block
        [tagged] = registry.events.KindBatchAnchored().get_logs(
            from_block=block, to_block=block, argument_filters={"root": root}
        )
        assert (tagged["args"]["kind"], tagged["args"]["count"]) == (kind, 3)
        old = registry.events.BatchAnchored().get_logs(
            from_block=block, to_block=block, argument_filters={"root": root}
        )
        assert len(old) == (1 if kind == 0 else 0)
        again = call_of(registry, "anchorKind", (kind + 1) % 256, root, 3, *MANIFEST)
        assert refusal(web3, anchorer.account.address, again) == "BatchAlreadyAnchored"  # a root is one batch, one kind
    root = os.urandom(32)
    block = anchorer.send(f"test:anchor:{HexBytes(root).hex()}", call_of(registry, "anchor", root, 2, *MANIFEST))
    assert registry.functions.batchKind(root).call() == 0
    [tagged] = registry.events.KindBatchAnchored().get_logs(
        from_block=block.block_number, to_block=block.block_number, argument_filters={"root": root}
    )
    assert tagged["args"]["kind"] == 0
    assert refusal(
        web3, anchorer.account.address, call_of(registry, "anchorKind", 1, os.urandom(32), 0, *MANIFEST)
    ) == ("EmptyBatch")


def test_the_anchor_event_names_the_manifest_cid(
    web3: Web3, deployment: Deployment, operator_keys: dict[KeyRole, LocalAccount]
) -> None:
    registry, root, manifest = deployment.bind(web3, "provenanceRegistry"), os.urandom(32), Cid(RAW, os.urandom(32))
    anchor = call_of(registry, "anchor", root, 4, manifest.codec, manifest.digest)
    block = TxSender(web3, operator_keys[KeyRole.ANCHORER]).send(f"test:anchor:{HexBytes(root).hex()}", anchor)
    [event] = registry.events.BatchAnchored().get_logs(
        from_block=block.block_number, to_block=block.block_number, argument_filters={"root": root}
    )
    assert event["args"]["count"] == 4
    assert anchored_manifest_cid(event["args"]) == str(manifest)
    assert anchored_manifest_cid({"manifestCodec": 0x71, "manifestDigest": manifest.digest}) is None


def test_only_the_scorer_key_registers_a_scoring_policy_and_only_once(
    web3: Web3, deployment: Deployment, operator_keys: dict[KeyRole, LocalAccount], funded_account: LocalAccount
) -> None:
    registry, policy = deployment.bind(web3, "provenanceRegistry"), os.urandom(32)
    register = call_of(registry, "registerPolicy", policy, "bafy-policy")
    for sender in _everyone_but(operator_keys, KeyRole.SCORER, funded_account):
        assert refusal(web3, sender, register) == "AccessControlUnauthorizedAccount"

    scorer = operator_keys[KeyRole.SCORER]
    TxSender(web3, scorer).send(f"test:policy:{HexBytes(policy).hex()}", register)
    assert registry.functions.policyBlock(policy).call() > 0
    assert refusal(web3, scorer.address, register) == "PolicyAlreadyRegistered"


def test_no_key_but_the_timelock_approves_a_dataset(
    web3: Web3, deployment: Deployment, operator_keys: dict[KeyRole, LocalAccount], funded_account: LocalAccount
) -> None:
    registry, root = deployment.bind(web3, "datasetRegistry"), os.urandom(32)
    approve = call_of(registry, "approve", 1, root, "bafy-manifest")
    for sender in [funded_account.address, *(key.address for key in operator_keys.values())]:
        assert refusal(web3, sender, approve) == "OwnableUnauthorizedAccount"
    assert registry.functions.approvalBlock(1, root).call() == 0
    assert registry.functions.owner().call() == deployment.contracts["timelock"].address


def test_a_model_cannot_be_registered_for_a_round_without_an_approved_dataset(
    web3: Web3, deployment: Deployment, funded_account: LocalAccount
) -> None:
    registry = deployment.bind(web3, "datasetRegistry")
    register = call_of(registry, "registerModel", 2**64 + 1, "bafy-model", "bafy-lineage")
    assert refusal(web3, funded_account.address, register) == "RoundNotApproved"
