"""Scoring one contribution, end to end: a workflow that owns its transactions (read, close, compute, record).

Every stored, claimed contribution is scored by the current policy once it is anchored.

Why one task per contribution that waits for the earlier ones, rather than one sequencer: the CPU work (parse,
statistics, language, toxicity, MinHash) needs nothing from any other contribution, so it runs in parallel on
every scoring worker; only the duplicate decision needs an order. That order is the anchoring order (batch id,
then leaf order), which is fixed once a batch is on-chain and is the same for every worker. So a task

1. waits until its contribution is anchored (the beat task `scoring.enqueue_due` only sends anchored ones, in
   anchoring order),
2. reads the bytes and analyses them with no database transaction open,
3. adds its own entry to the shared Redis index (`polyphony.scores.index`), tagged with its anchoring position,
4. waits until every contribution earlier in anchoring order is in the index too (each task indexes itself
   before it waits, so no task ever waits for a decision, only for an analysis: there is no chain of waits),
   retrying later if they are still missing after a short wait (and asking for the index to be filled again if
   some were scored under another policy after it was filled: those are never sent for scoring),
5. decides exact and near duplicates (of the upload, and of each kept document under v2) against index entries
   with a LOWER position only, so what it finds does not depend on which worker ran first or what later
   contributions were already indexed (near copies of images alike, by perceptual hash, against
   `polyphony.scores.image_copies`, stored just before the index entry),
6. finalises, has the scorer key sign the attestation (`attest`, given by the caller: the core signs nothing)
   and records the score in a new transaction.

A storage failure records a `no-verdict` row (never a low score) and retries with backoff. A contribution sent
for scoring is marked queued (`QUEUED_TTL_S`); the task working on it holds a lease instead (`RUNNING_LEASE_S`,
renewed by a thread while it works), and a task waiting to retry a failure holds the mark until a lease past its
retry (`await_retry`). A worker killed mid-task stops renewing, so its lease lapses and the beat task (every 10 s)
sends the contribution again within a minute; the message itself is also redelivered (acks_late), and scoring
twice records once.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from sqlmodel import Session

from polyphony import jobs
from polyphony.db import session_scope
from polyphony.errors import Unavailable
from polyphony.models.contribution import ANCHORED_OR_LATER
from polyphony.models.score import Verdict
from polyphony.scores import metrics, service
from polyphony.scores.duplicates import decide_duplicates
from polyphony.scores.errors import NotCurrentPolicy, NothingToRescore
from polyphony.scores.image_copies import ImageCopies, decide_image_copy
from polyphony.scores.index import IndexEntry, ScoringIndex
from polyphony.scores.novelty import novelty_bp, novelty_dimension
from polyphony.scores.service import ScoreOutcome, ScoringTarget
from polyphony.scoring import Analysis, Duplicates, Policy, analyse, current_policy, finalise, report_bytes
from polyphony.storage.base import Storage
from polyphony.storage.errors import BlobNotFound

log = logging.getLogger(__name__)

WAIT_FOR_EARLIER_S = 15.0  # a short wait in the task; past it, a retry frees the worker for others
RECHECK_EARLIER_S = 5  # countdown of that retry
QUEUED_TTL_S = 900  # a contribution sent for scoring is not sent again for this long, until a task takes it up
RUNNING_LEASE_S = 30.0  # a task working on a contribution holds it this long, renewed every third of it
DUE_PER_RUN = 500
REFILL_EVERY_S = 60  # a waiting task asks for the index to be filled again at most this often


class WaitingForEarlier(Exception):
    """Contributions earlier in anchoring order are not in the index yet."""


@dataclass(frozen=True)
class Attestation:
    """The scorer key's EIP-712 signature over (contribution CID, score, policy hash)."""

    scorer: str
    signature: str


# (contribution CID, score, policy hash) -> the scorer's attestation; supplied by the chain layer.
Attest = Callable[[str, int, str], Attestation]


def send_due(redis: Redis) -> int:
    """Send every anchored, never scored contribution for scoring, in anchoring order; return how many went.

    Nothing is scored under a policy before that policy is pinned and registered on-chain, so every score can be
    checked against the registry, nor before its duplicate index holds every contribution scored under an
    earlier policy, so a copy of those is caught too: until then this sends the registration, or the filling.
    """
    _, phash = current_policy()
    with session_scope() as session:
        registered = service.policy(session, phash)
        if registered is None or registered.block_number is None:
            jobs.enqueue(session, "scoring.register_policy")
            return 0
        if not ScoringIndex(redis, policy_hash=phash).filled():
            jobs.enqueue(session, "scoring.fill_index")
            return 0
        due = service.due(session, limit=DUE_PER_RUN)
        fresh = [i for i in due if redis.set(_queued_key(phash, i), 1, nx=True, ex=QUEUED_TTL_S)]
        for contribution_id in fresh:
            jobs.enqueue(session, "scoring.score_contribution", contribution_id=contribution_id)
    return len(fresh)


def fill_index(redis: Redis, *, storage: Storage) -> int:
    """Index, under the current policy, every contribution scored under an earlier one (in anchoring order, each
    once), then mark the index filled; return how many were indexed. Safe to run twice: adding is idempotent."""
    policy, phash = current_policy()
    index, images = ScoringIndex(redis, policy_hash=phash), ImageCopies(redis, policy_hash=phash)
    with session_scope() as session:
        earlier = service.scored_under_other_policies(session, policy_hash=phash)
        targets = [service.load_target(session, i) for i in index.missing(earlier)]
    added = 0
    for target in targets:
        if target.position is None or target.cid is None:
            continue
        try:
            content = _read_bytes(target, index, storage=storage)
        except Unavailable as missing:  # its bytes are gone: a placeholder stands in, so nobody waits for it
            log.warning("contribution %s not indexed: %s", target.contribution_id, missing.message)
            continue
        analysis = _analyse(content, target, policy)
        images.add(analysis, contribution_id=target.contribution_id, position=target.position)
        _index(index, target, analysis)
        added += 1
    index.mark_filled()
    return added


def await_retry(redis: Redis, contribution_id: int, *, due_in_s: float) -> None:
    """A scoring run failed on the infrastructure and is retried in `due_in_s` seconds: the contribution stays
    marked as sent until a lease after that, no longer. The beat task sends it again only if the retry never came
    (its worker was killed and nobody put the job back), within a minute of it being due rather than after
    QUEUED_TTL_S; and not while the retry waits, as it would once a lease held by the failed run lapsed."""
    _, phash = current_policy()
    try:
        redis.set(_queued_key(phash, contribution_id), "retrying", ex=int(due_in_s + RUNNING_LEASE_S))
    except RedisError as error:  # Redis is what failed: the mark lapses by itself (at the latest after QUEUED_TTL_S)
        log.warning("contribution %s kept its mark as sent: %s", contribution_id, error)


def _queued_key(policy_hash: str, contribution_id: int) -> str:
    return f"polyphony:scoring:{policy_hash}:queued:{contribution_id}"


@dataclass(frozen=True)
class ScoringRun:
    """What one scoring run works with: the shared index's Redis, the store, and the scorer's signature."""

    redis: Redis
    storage: Storage
    attest: Attest | None  # None until the contracts are deployed: the score is recorded unsigned
    task_id: str


def score(contribution_id: int, *, run: ScoringRun) -> dict[str, Any] | None:
    """Score one contribution under the current policy (once: a scored one is left as it is).

    An infrastructure failure records a no-verdict (never a low score) and raises `Unavailable`, to be retried.
    """
    try:
        return _score(contribution_id, run=run)
    except Unavailable as error:
        _record_no_verdict(contribution_id, reason=error.message, task_id=run.task_id)
        raise
    except RedisError as error:
        _record_no_verdict(contribution_id, reason="the scoring index did not answer", task_id=run.task_id)
        raise Unavailable(f"the scoring index (Redis) did not answer: {error}") from error


def _score(contribution_id: int, *, run: ScoringRun) -> dict[str, Any] | None:
    policy, phash = current_policy()
    with session_scope() as session:
        if service.final_score(session, contribution_id, policy_hash=phash) is not None:
            return None
        target = service.load_target(session, contribution_id)
    if target.status not in ANCHORED_OR_LATER or target.position is None or target.cid is None:
        return None  # revoked, or not anchored yet: the beat task sends it again once it is
    with hold_lease(run.redis, _queued_key(phash, contribution_id), seconds=RUNNING_LEASE_S):
        outcome = _score_target(target, run=run, policy=policy, phash=phash)
    run.redis.delete(_queued_key(phash, contribution_id))
    duplicate_of = outcome.exact_of or outcome.near_of
    return {"score": outcome.score, "verdict": str(outcome.verdict), "duplicate_of": duplicate_of}


def _score_target(target: ScoringTarget, *, run: ScoringRun, policy: Policy, phash: str) -> ScoreOutcome:
    assert target.position is not None
    contribution_id = target.contribution_id
    index = ScoringIndex(run.redis, policy_hash=phash)
    with _stage(run.redis, "fetch"):
        content = _read_bytes(target, index, storage=run.storage)
    with _stage(run.redis, "analyse"):
        analysis = _analyse(content, target, policy)
    with _stage(run.redis, "index"):
        images = ImageCopies(run.redis, policy_hash=phash)  # before the entry: indexed means its image hash is in
        images.add(analysis, contribution_id=target.contribution_id, position=target.position)
        _index(index, target, analysis)
        _wait_for_earlier(index, position=target.position, policy_hash=phash)
        duplicates = decide_duplicates(index, analysis, position=target.position, policy=policy)
        duplicates = decide_image_copy(images, analysis, duplicates, position=target.position, policy=policy)
    with _stage(run.redis, "finalise"):
        outcome = _outcome(target, analysis, duplicates, policy=policy, run=run)
        novelty = novelty_bp(index, target.contribution_id, content, analysis, policy=policy)
    with _stage(run.redis, "record"):
        _record(contribution_id, outcome, novelty)
    return outcome


@contextmanager
def hold_lease(redis: Redis, key: str, *, seconds: float) -> Iterator[None]:
    """Hold `key` while the work inside runs, renewed by a thread every third of `seconds`: if the process dies,
    the key lapses within `seconds`, so whoever waits for it (the beat task) knows the work stopped."""
    stop = threading.Event()
    milliseconds = int(seconds * 1000)

    def renew() -> None:
        while not stop.wait(seconds / 3):
            try:
                redis.set(key, "running", px=milliseconds)
            except RedisError as error:  # the work itself will meet the outage and say so
                log.warning("lease %s not renewed: %s", key, error)

    redis.set(key, "running", px=milliseconds)
    renewing = threading.Thread(target=renew, name=f"lease {key}", daemon=True)
    renewing.start()
    try:
        yield
    finally:
        stop.set()
        renewing.join()


def _analyse(content: bytes, target: ScoringTarget, policy: Policy) -> Analysis:
    return analyse(
        content, content_format=target.content_format, modality=target.modality, policy=policy,
        text_field=target.text_field,
    )  # fmt: skip


def _read_bytes(target: ScoringTarget, index: ScoringIndex, *, storage: Storage) -> bytes:
    try:
        return b"".join(storage.cat(str(target.cid)))
    except BlobNotFound as missing:
        # Gone, not just down: later contributions stop waiting for it, and it is retried in case it returns.
        index.add_placeholder(target.contribution_id, position=int(target.position or 0))
        raise Unavailable(f"the stored bytes of contribution {target.contribution_id} are missing") from missing


def _index(index: ScoringIndex, target: ScoringTarget, analysis: Analysis) -> None:
    """Add the contribution's kept documents, then its entry: the entry marks it indexed, so it goes last."""
    assert target.position is not None
    if analysis.documents is not None:
        index.add_documents(position=target.position, keys=analysis.documents.keys)
    index.add(_entry(target, analysis))


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
            _fill_with_scored_elsewhere(index, missing, policy_hash=policy_hash)
            raise WaitingForEarlier(f"earlier contributions {missing[:5]} are not indexed yet")
        time.sleep(0.2)


def _fill_with_scored_elsewhere(index: ScoringIndex, missing: Sequence[int], *, policy_hash: str) -> None:
    """Ask for the index to be filled again if some of `missing` got a score under another policy after it was
    filled (a worker of the old policy still running through an upgrade): they are never sent for scoring, so
    without this every later contribution would wait for them for ever. Once a minute at most: the fill is
    idempotent, but it reads and analyses every contribution it adds."""
    with session_scope() as session:
        elsewhere = service.scored_under_other_policies(session, policy_hash=policy_hash, among=missing)
        if elsewhere and index.claim_refill(seconds=REFILL_EVERY_S):
            log.warning("contributions %s were scored under another policy: filling the index", elsewhere)
            jobs.enqueue(session, "scoring.fill_index")


def _outcome(
    target: ScoringTarget, analysis: Analysis, duplicates: Duplicates, *, policy: Policy, run: ScoringRun
) -> ScoreOutcome:
    report = finalise(analysis, duplicates=duplicates, policy=policy)
    attestation = run.attest(str(target.cid), report.score, report.policy_hash) if run.attest else None
    return ScoreOutcome(
        policy_hash=report.policy_hash, score=report.score, verdict=Verdict(report.verdict),
        dimensions={name: dict(value) for name, value in dict(report.dimensions).items()}, summary=report.summary,
        report=report_bytes(report).decode(), language=report.language, exact_of=duplicates.exact_of,
        near_of=duplicates.near_of, near_similarity_bp=duplicates.near_similarity_bp, novelty_bp=None,
        scorer=attestation.scorer if attestation else None,
        attestation_signature=attestation.signature if attestation else None, task_id=run.task_id,
    )  # fmt: skip


def _record(contribution_id: int, outcome: ScoreOutcome, novelty: int | None) -> None:
    dimensions = dict(outcome.dimensions)
    if novelty is not None:
        dimensions["semantic_novelty"] = novelty_dimension(novelty)
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
def _stage(redis: Redis, name: str) -> Iterator[None]:
    started, failed = time.perf_counter(), False
    try:
        yield
    except WaitingForEarlier:
        raise
    except BaseException:
        failed = True
        raise
    finally:
        metrics.observe(redis, stage=name, seconds=time.perf_counter() - started, failed=failed)


def rescore(session: Session, *, version: str, contribution_ids: Sequence[int] | None) -> list[int]:
    """Send for scoring under the current policy the contributions scored under an earlier one (those of
    `contribution_ids`, else all); return their ids. Their earlier scores stay in the history."""
    policy, phash = current_policy()
    if version != policy.version:
        raise NotCurrentPolicy(f"the workers score under policy {policy.version}, not {version}: rescore under it")
    earlier = service.scored_under_other_policies(session, policy_hash=phash)
    if contribution_ids is not None:
        wanted = set(contribution_ids)
        unknown = sorted(wanted - set(earlier))
        if unknown:
            raise NothingToRescore(
                f"contributions {unknown} are not anchored, or have no score under an earlier policy to replace"
            )
        earlier = [i for i in earlier if i in wanted]
    for contribution_id in earlier:
        jobs.enqueue(session, "scoring.score_contribution", contribution_id=contribution_id)
    return earlier
