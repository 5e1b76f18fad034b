"""The deletion feed of a round: every member of its approved manifests that has left since, and why.

A trainer who pulled a round earlier reads `GET /rounds/{n}/withdrawals` (or `withdrawals.json`, written by a
re-pull) and deletes what is listed. An item is either a whole contribution its contributor withdrew (reason
`revoked`, `record` null, at the revocation's time) or one document of it that a majority of its reviewers
rejected (reason `review_rejected`, its `record`, at the time the majority was reached): a rejection drops the
document from every dataset from then on, and from what a trainer pulled before. Each item's `tx_hash` is the
transaction that anchored the contribution's claim: the on-chain leaf that the round's manifest names too
(`batch_tx`); the revocation's and the reviews' own anchoring are in `GET /tombstones` and
`GET /contributions/{id}/reviews`.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlmodel import Session, col, select

from chain.bindings import Deployment
from governance.datasets.service import stored_manifest_rows
from governance.rounds.approvals import approvals
from governance.rounds.errors import ApiUnreachable, PullRefused
from polyphony.clock import as_utc, utcnow
from polyphony.models.contribution import AnchorBatch, Contribution, Tombstone
from polyphony.models.review import ReviewSample, SampleOutcome
from polyphony.storage.base import Storage

WITHDRAWALS_FILE = "withdrawals.json"
FEED_PAGE = 1000
REVOKED = "revoked"
REVIEW_REJECTED = "review_rejected"


@dataclass(frozen=True)
class Withdrawal:
    """One thing that left a round: a contribution (or one record of it), why, when, and its anchoring tx."""

    contribution_id: int
    record: int | None
    reason: str
    at: datetime
    tx_hash: str | None


@dataclass(frozen=True)
class RoundWithdrawals:
    """The round's deletion feed as of a moment, oldest withdrawal first."""

    round: int
    as_of: datetime
    items: list[Withdrawal]


def round_withdrawals(
    session: Session, *, storage: Storage, deployment: Deployment, round_number: int
) -> RoundWithdrawals:
    """What left round `round_number`'s approved datasets so far; `RoundNotApproved` if it has none."""
    as_of = utcnow()
    approved = approvals(session, deployment=deployment, round_number=round_number)
    members = _members(storage, [approval.manifest_cid for approval in approved])
    return RoundWithdrawals(round=round_number, as_of=as_of, items=withdrawals_among(session, members))


def withdrawals_among(session: Session, members: set[int]) -> list[Withdrawal]:
    """What left of the contributions `members` (a round's) so far, oldest first."""
    items = _revoked(session, members) + _rejected_by_review(session, members)
    items.sort(key=lambda item: (as_utc(item.at), item.contribution_id, -1 if item.record is None else item.record))
    return items


def _revoked(session: Session, members: set[int]) -> list[Withdrawal]:
    found = session.exec(
        select(Tombstone, AnchorBatch.tx_hash)
        .join(Contribution, col(Contribution.id) == Tombstone.contribution_id)
        .join(AnchorBatch, col(AnchorBatch.id) == Contribution.batch_id, isouter=True)
        .where(col(Tombstone.contribution_id).in_(members))
    )
    return [Withdrawal(t.contribution_id, None, REVOKED, t.revoked_at, tx_hash) for t, tx_hash in found]


def _rejected_by_review(session: Session, members: set[int]) -> list[Withdrawal]:
    found = session.exec(
        select(ReviewSample, AnchorBatch.tx_hash)
        .join(Contribution, col(Contribution.id) == ReviewSample.contribution_id)
        .join(AnchorBatch, col(AnchorBatch.id) == Contribution.batch_id, isouter=True)
        .where(col(ReviewSample.contribution_id).in_(members), ReviewSample.outcome == SampleOutcome.REJECTED)
    )
    return [
        Withdrawal(sample.contribution_id, sample.record, REVIEW_REJECTED, sample.decided_at or sample.sampled_at,
                   tx_hash)
        for sample, tx_hash in found
    ]  # fmt: skip


def _members(storage: Storage, manifest_cids: list[str]) -> set[int]:
    """The contributions the approved manifests list (read from storage: the manifests are the round)."""
    members: set[int] = set()
    for manifest_cid in sorted(set(manifest_cids)):
        members |= {int(row["contribution_id"]) for row in stored_manifest_rows(storage, manifest_cid)}
    return members


def fetch_withdrawals(api: httpx.Client, *, round_number: int) -> dict[str, Any]:
    """The round's deletion feed as the API at `api` answers it, for a pull to write as `withdrawals.json`.

    This module imports nothing of the pull, so the pull can call this without an import cycle.
    """
    path = f"/rounds/{round_number}/withdrawals"
    feed = _feed_page(api, path, round_number=round_number, offset=0)
    items = list(feed["items"])
    while len(items) < int(feed["total"]):  # every page, as of the first
        page = _feed_page(api, path, round_number=round_number, offset=len(items))
        if not page["items"]:
            break
        items.extend(page["items"])
    return {"round": round_number, "as_of": feed["as_of"], "items": items}


def rejected_by_review(items: Iterable[Mapping[str, Any]]) -> dict[int, frozenset[int]]:
    """contribution id -> its documents the feed's `items` (as `fetch_withdrawals` gives them) list as rejected by
    review."""
    found: dict[int, set[int]] = {}
    for item in items:
        if item.get("reason") == REVIEW_REJECTED and item.get("record") is not None:
            found.setdefault(int(item["contribution_id"]), set()).add(int(item["record"]))
    return {contribution_id: frozenset(records) for contribution_id, records in found.items()}


def _feed_page(api: httpx.Client, path: str, *, round_number: int, offset: int) -> dict[str, Any]:
    try:
        answer = api.get(path, params={"offset": offset, "limit": FEED_PAGE})
    except httpx.TransportError as error:
        raise ApiUnreachable(f"cannot reach the API for {path} ({type(error).__name__})") from None
    if answer.status_code != 200:
        raise PullRefused(f"the API answered {answer.status_code} for {path}: {answer.text[:200]}")
    feed: dict[str, Any] = answer.json()
    if feed.get("round") != round_number or not isinstance(feed.get("items"), list) or "total" not in feed:
        raise PullRefused(f"the API's {path} is not the deletion feed of round {round_number}")
    return feed
