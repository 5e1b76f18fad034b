"""Recompute a contribution's score from public data and compare it with what the API recorded.

The API's answer only says where to look (the contribution's CID, the policy's hash and CID, the duplicate facts
and the report). Every fact is then checked: the installed scoring code computes the same policy hash, the pinned
policy document hashes to it and is registered on-chain, the bytes hash to the CID, each duplicate fact holds
when the compared contribution's bytes are fetched and analysed, the recomputed report is byte-identical, and
the scorer key signed this very score.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from web3 import Web3

from chain.bindings import DeployedContract, Deployment
from chain.scoring import check_attestation, policy_holds_role, registered_block
from chain.verify.checks import Check, CheckFailed, CheckStep, require, run_checks
from polyphony.errors import PolyphonyError
from polyphony.scoring import (
    Analysis,
    Duplicates,
    Policy,
    analyse,
    finalise,
    minhash_similarity_bp,
    policy_and_hash,
    policy_document,
    report_bytes,
)
from polyphony.scoring.copies import DocumentKey, similarity_bp
from polyphony.scoring.images import hamming_distance, hash_bits
from polyphony.scoring.images import similarity_bp as image_similarity_bp
from polyphony.scoring.policy import UnknownPolicy
from polyphony.scoring.results import BP, DocumentCopy
from polyphony.storage.base import BlobReader
from polyphony.storage.unixfs import cid_of


@dataclass(frozen=True)
class ScoreSources:
    """Where the recomputation reads from: the API's score record, a contribution reader, bytes, the chain."""

    record: dict[str, Any]
    contribution: Callable[[int], dict[str, Any]]
    blobs: BlobReader
    web3: Web3


def verify_score(sources: ScoreSources) -> list[Check]:
    """Every check of a recorded score, in order; the run stops at the first that fails."""
    return run_checks(lambda check: _run(sources, check))


def _run(sources: ScoreSources, check: CheckStep) -> None:
    record = sources.record
    policy = _installed_policy(record, check)
    deployment = Deployment(record["chain_id"], {"provenanceRegistry": DeployedContract(record["registry"], 0)})
    check("policy document pinned", lambda: _policy_document_matches(record, policy, sources.blobs))
    check("policy registered on-chain", lambda: _policy_registered(record, sources.web3, deployment))
    content = _fetch(sources.blobs, record["cid"], check)
    analysis = analyse(
        content, content_format=record["format"], modality=record["modality"], policy=policy,
        text_field=record.get("text_field"),
    )  # fmt: skip
    duplicates = Duplicates(
        exact_of=record["exact_of"], near_of=record["near_of"], near_similarity_bp=record["near_similarity_bp"],
        document_copies=_recorded_copies(record),
    )  # fmt: skip
    check("duplicate facts", lambda: _duplicates_hold(analysis, duplicates, sources, policy))
    report = finalise(analysis, duplicates=duplicates, policy=policy)
    recomputed = report_bytes(report)
    check("report byte-identical", lambda: _same_report(recomputed, record))
    check("scorer's attestation", lambda: _attested(record, report.score, sources.web3, deployment))


def _installed_policy(record: dict[str, Any], check: CheckStep) -> Policy:
    found: list[Policy] = []

    def installed_policy_matches() -> str:
        try:
            policy, installed = policy_and_hash(record["policy_version"] or "v1")
        except UnknownPolicy as error:
            raise CheckFailed(str(error)) from None
        require(
            installed == record["policy_hash"],
            f"the installed scoring code computes policy {installed}, the score used {record['policy_hash']}: "
            "install the version that scored it",
        )
        found.append(policy)
        return f"policy {policy.version} hashes to {installed}"

    check("installed policy", installed_policy_matches)
    return found[0]


def _policy_document_matches(record: dict[str, Any], policy: Policy, blobs: BlobReader) -> str:
    require(record["policy_cid"] is not None, "the policy document was not pinned yet")
    pinned = b"".join(blobs.cat(record["policy_cid"]))
    require("0x" + hashlib.sha256(pinned).hexdigest() == record["policy_hash"], "the pinned document's sha256 differs")
    require(pinned == policy_document(policy), "the pinned document differs from the installed policy's")
    return f"{len(pinned):,} bytes at {record['policy_cid']} hash to the policy hash"


def _policy_registered(record: dict[str, Any], web3: Web3, deployment: Deployment) -> str:
    block = registered_block(web3, deployment, record["policy_hash"])
    require(block > 0, f"policy {record['policy_hash']} is not registered on the registry {record['registry']}")
    return f"registered in block {block}"


def _fetch(blobs: BlobReader, cid: str | None, check: CheckStep) -> bytes:
    require(cid is not None, "the contribution has no CID")
    content = b"".join(blobs.cat(str(cid)))

    def bytes_match_cid() -> str:
        computed = cid_of(content)
        require(computed == cid, f"the fetched bytes hash to {computed}, not {cid}")
        return f"{len(content):,} bytes hash to {cid}"

    check("bytes match the CID", bytes_match_cid)
    return content


def _duplicates_hold(analysis: Analysis, duplicates: Duplicates, sources: ScoreSources, policy: Policy) -> str:
    said = []
    if duplicates.exact_of is not None:
        other = _analyse_other(duplicates.exact_of, sources, policy)
        same = other.content_sha256 == analysis.content_sha256 or (
            other.text_sha256 is not None and other.text_sha256 == analysis.text_sha256
        )
        require(same, f"contribution {duplicates.exact_of} is no exact copy: neither its file nor text sha256 match")
        said.append(f"exact copy of {duplicates.exact_of}")
    if duplicates.near_of is not None:
        similarity = _near_similarity(analysis, _analyse_other(duplicates.near_of, sources, policy), policy)
        require(
            similarity == duplicates.near_similarity_bp,
            f"similarity with {duplicates.near_of} is {similarity} bp, recorded {duplicates.near_similarity_bp}",
        )
        said.append(f"near copy of {duplicates.near_of} ({similarity} bp)")
    if duplicates.document_copies:
        said.append(_document_copies_hold(analysis, duplicates.document_copies, sources, policy))
    return ", ".join(said) or "an original: no earlier copy was recorded"


def _recorded_copies(record: dict[str, Any]) -> tuple[DocumentCopy, ...]:
    """The copies of earlier contributions' documents the stored report names (policies that check them, v2 on)."""
    documents = json.loads(record["report"]).get("documents") if record["report"] else None
    return tuple(DocumentCopy(*map(int, copy)) for copy in (documents or {}).get("copies", []))


def _document_copies_hold(
    analysis: Analysis, copies: tuple[DocumentCopy, ...], sources: ScoreSources, policy: Policy
) -> str:
    """Each recorded document copy holds: the copied document is kept in that earlier contribution, and it is
    the same text, or a near copy of the recorded similarity."""
    require(analysis.documents is not None, "document copies are recorded, but the policy judges no document")
    assert analysis.documents is not None
    mine = {key.index: key for key in analysis.documents.keys}
    theirs: dict[int, dict[int, DocumentKey]] = {}
    for copy in copies:
        if copy.contribution not in theirs:
            other = _analyse_other(copy.contribution, sources, policy).documents
            theirs[copy.contribution] = {key.index: key for key in (other.keys if other else ())}
        _copy_holds(copy, mine.get(copy.index), theirs[copy.contribution].get(copy.document))
    return f"{len(copies)} documents copy earlier contributions' documents"


def _copy_holds(copy: DocumentCopy, own: DocumentKey | None, copied: DocumentKey | None) -> None:
    where = f"document {copy.index}, recorded as a copy of contribution {copy.contribution}'s {copy.document},"
    require(own is not None and copied is not None, f"{where} or that one is not a kept document")
    assert own is not None and copied is not None
    if copy.similarity_bp == BP:
        require(own.key == copied.key, f"{where} has another text")
        return
    require(own.compact is not None and copied.compact is not None, f"{where} is too short for a near copy")
    assert own.compact is not None and copied.compact is not None
    similarity = similarity_bp(own.compact, copied.compact)
    require(similarity == copy.similarity_bp, f"{where} has similarity {similarity} bp, not {copy.similarity_bp}")


def _near_similarity(analysis: Analysis, other: Analysis, policy: Policy) -> int:
    """The two uploads' similarity as a score records it: of their perceptual hashes (images), else MinHash."""
    if analysis.image_hash is not None and other.image_hash is not None:
        distance = hamming_distance(analysis.image_hash, other.image_hash)
        return image_similarity_bp(distance, bits=hash_bits(policy.config))
    require(analysis.minhash is not None and other.minhash is not None, "a near copy needs two MinHash signatures")
    assert analysis.minhash is not None and other.minhash is not None
    return minhash_similarity_bp(analysis.minhash, other.minhash)


def _analyse_other(contribution_id: int, sources: ScoreSources, policy: Policy) -> Analysis:
    other = sources.contribution(contribution_id)
    content = b"".join(sources.blobs.cat(other["cid"]))
    return analyse(
        content, content_format=other["format"], modality=other["modality"], policy=policy,
        text_field=other.get("text_field"),
    )  # fmt: skip


def _same_report(recomputed: bytes, record: dict[str, Any]) -> str:
    require(record["report"] is not None, f"no report was recorded (verdict {record['verdict']})")
    stored = json.loads(record["report"])
    expected = json.loads(recomputed)
    difference = first_difference(expected, stored) or first_difference(
        {"score": expected["score"], "verdict": expected["verdict"], "dimensions": expected["dimensions"]},
        {"score": record["score"], "verdict": record["verdict"], "dimensions": _scored(record["dimensions"])},
    )
    require(difference is None and record["report"].encode() == recomputed, difference or "the bytes differ")
    digest = hashlib.sha256(recomputed).hexdigest()[:16]
    return f"{len(recomputed):,} bytes, sha256 {digest}…, score {expected['score']}"


def _scored(dimensions: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in dimensions.items() if not value.get("advisory")}


def first_difference(expected: Any, got: Any, path: tuple[str, ...] = ()) -> str | None:
    """Where `got` first differs from `expected` (keys in sorted order), in words; None when equal."""
    if isinstance(expected, dict) and isinstance(got, dict):
        for key in sorted(set(expected) | set(got)):
            if key not in got or key not in expected:
                return f"{_where((*path, key))}: expected {expected.get(key)!r}, got {got.get(key)!r}"
            found = first_difference(expected[key], got[key], (*path, key))
            if found is not None:
                return found
        return None
    if expected != got:
        return f"{_where(path)}: expected {expected!r}, got {got!r}"
    return None


def _where(path: tuple[str, ...]) -> str:
    if len(path) >= 2 and path[0] == "dimensions":
        rest = ".".join(path[2:])
        return f"dimension '{path[1]}'" + (f" {rest}" if rest else "")
    return ".".join(path) or "the report"


def _attested(record: dict[str, Any], score: int, web3: Web3, deployment: Deployment) -> str:
    require(record["attestation_signature"] is not None, "the score carries no scorer signature")
    try:
        check_attestation(
            contribution_cid=record["cid"], score=score, policy_hash=record["policy_hash"], deployment=deployment,
            scorer=record["scorer"], signature=record["attestation_signature"],
        )  # fmt: skip
    except PolyphonyError as error:
        raise CheckFailed(error.message) from None
    require(policy_holds_role(web3, deployment, record["scorer"]), f"{record['scorer']} holds no POLICY_ROLE")
    return f"signed by the scorer {record['scorer']}, which holds POLICY_ROLE on the registry"
