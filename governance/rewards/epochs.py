"""Closing reward epochs: gather what was scored, split the budget, pin the report, publish the cumulative root.

Each step commits before the next and each can run again, so a worker killed anywhere pays nothing twice:
1. close: one transaction reads the inputs, pins the report (canonical bytes: a retry pins the same CID) and
   writes the epoch, its rewards and its cumulative balances. The epoch number is unique, so a second close
   of the same epoch fails its insert and changes nothing. A close waits while the previous epoch's root is
   neither active nor revoked: every epoch builds on the last active one.
2. propose: the root goes to the distributor once, as the intent "rewards:propose:<distributor>:<n>".
3. keep (beat): activates a proposed root once the chain's clock passes its challenge delay, and marks an
   epoch revoked once the indexer has stored the timelock's RootRevoked for it. A revoked epoch pays nothing;
   its contributions are paid by the next epoch, recomputed from the last active root.
"""

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy import select as select_columns
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select
from web3 import Web3

from chain.bindings import Deployment, call_of
from chain.client import rpc_errors
from chain.demand import Demand, demand_at, demand_bps
from chain.errors import TxReverted
from chain.indexer import DEPLOYMENT_CURSOR, events
from chain.tx import TxSender
from governance.reviews.credibility import REVIEW_PARAMS, voted_params
from governance.reviews.standing import credibility_of, rejected_of, review_evidence, reviewer_tallies
from governance.rewards.documents import document_fields, paid_documents
from governance.rewards.errors import EpochNotFound, EpochStillPending
from governance.rewards.formula import BPS, FORMULA_VERSION, Corpus, RewardInput, normal_language
from governance.rewards.report import EpochInputs, EpochOutcome, compute
from polyphony import jobs
from polyphony.clock import as_utc, utcnow
from polyphony.contributions import service as contributions
from polyphony.db import session_scope
from polyphony.models.contribution import Contribution, Tombstone
from polyphony.models.dataset import Dataset, DatasetItem
from polyphony.models.epoch import Epoch, EpochBalance, EpochReward, EpochStatus
from polyphony.models.score import ContributionScore, Verdict
from polyphony.settings import Settings
from polyphony.storage.base import Storage

UNSETTLED = (EpochStatus.COMPUTED, EpochStatus.PROPOSED)


@dataclass(frozen=True)
class EpochPolicy:
    """The operator's epoch settings: length, budget and the per-contributor cap."""

    length_s: int
    budget: int
    contributor_cap: int

    @classmethod
    def of(cls, settings: Settings) -> "EpochPolicy":
        """The policy the settings configure."""
        budget = settings.polyphony_epoch_budget
        return cls(
            settings.polyphony_epoch_length_s, budget, budget * settings.polyphony_epoch_contributor_cap_bps // BPS
        )


def scheduled_cutoff(now: datetime, *, length_s: int) -> datetime:
    """The end of the last epoch that is over at `now`: epochs end on multiples of their length."""
    return datetime.fromtimestamp(int(now.timestamp()) // length_s * length_s, UTC)


def close_due_epoch(
    *, now: datetime, policy: EpochPolicy, deployment: Deployment, storage: Storage, web3: Web3 | None = None
) -> Epoch | None:
    """Close the epoch that ended before `now` if no epoch covers it yet; None when none is due. `web3` reads the
    demand in force at the cutoff (None: no chain to read it from, so no demand)."""
    cutoff = scheduled_cutoff(now, length_s=policy.length_s)
    with session_scope() as session:
        last = _last(session)
        if last is not None and (as_utc(last.cutoff) >= cutoff or last.status in UNSETTLED):
            return None
    return _close_or_none(cutoff=cutoff, policy=policy, deployment=deployment, storage=storage, web3=web3)


def close_epoch(
    *, cutoff: datetime, policy: EpochPolicy, deployment: Deployment, storage: Storage, web3: Web3 | None = None
) -> Epoch | None:
    """Close the next epoch now, paying what was scored before `cutoff`; None when nothing waits to be paid."""
    with session_scope() as session:
        _check_settled(session)
    return _close_or_none(cutoff=cutoff, policy=policy, deployment=deployment, storage=storage, web3=web3)


def _close_or_none(
    *, cutoff: datetime, policy: EpochPolicy, deployment: Deployment, storage: Storage, web3: Web3 | None
) -> Epoch | None:
    demand = _demand_at(web3, deployment, cutoff=cutoff)  # read before the transaction: it waits on the node
    try:
        with session_scope() as session:
            _check_settled(session)
            inputs = gather(session, cutoff=cutoff, policy=policy, deployment=deployment, demand=demand)
            if not inputs.items:
                return None
            outcome = compute(inputs)
            cid = storage.add(io.BytesIO(outcome.report)).cid
            epoch = _record(session, inputs, outcome, report_cid=cid)
            jobs.enqueue(session, "rewards.propose_epoch_root", number=epoch.number)
            return epoch
    except IntegrityError:
        return None  # another close wrote this epoch number first: it is closed, once


def _check_settled(session: Session) -> None:
    last = _last(session)
    if last is not None and last.status in UNSETTLED:
        raise EpochStillPending(
            f"epoch {last.number} is {last.status}: its root must be active or revoked before the next epoch closes"
        )


def _demand_at(web3: Web3 | None, deployment: Deployment, *, cutoff: datetime) -> Demand | None:
    """The demand in force at `cutoff`, on the chain's clock; None without a chain or a demand registry."""
    if web3 is None or "demandRegistry" not in deployment.contracts:
        return None
    with rpc_errors():
        return demand_at(web3, deployment, at=int(as_utc(cutoff).timestamp()))


def gather(
    session: Session, *, cutoff: datetime, policy: EpochPolicy, deployment: Deployment, demand: Demand | None = None
) -> EpochInputs:
    """Every input of the next epoch: the unpaid scores that landed before `cutoff`, the corpus, the base, and
    what review and demand make of them."""
    base_epoch = _last(session, status=EpochStatus.ACTIVE)
    items, excluded = _scored(session, cutoff=cutoff)
    last = _last(session)
    since = as_utc(last.cutoff) if last is not None else None
    items, rejected_whole = _reviewed(session, items, cutoff=cutoff)
    items = [_demanded(item, demand) for item in items]
    review = REVIEW_PARAMS if demand is None else voted_params(demand.review)
    return EpochInputs(
        number=(last.number if last else 0) + 1, cutoff=as_utc(cutoff).isoformat(), budget=policy.budget,
        contributor_cap=policy.contributor_cap, chain_id=deployment.chain_id,
        distributor=deployment.contracts["rewardsDistributor"].address, token=deployment.contracts["token"].address,
        corpus=approved_corpus(session), items=items, base=balances(session, base_epoch),
        previous=None if base_epoch is None else {
            "epoch": base_epoch.number, "root": base_epoch.root, "report_cid": base_epoch.report_cid,
        },
        excluded=excluded + rejected_whole, formula_version=FORMULA_VERSION,
        reviewers=reviewer_tallies(session, since=since, until=cutoff), review=review,
        demand=None if demand is None else demand.to_json(),
        review_evidence=review_evidence(session, {item.contributor for item in items}, since=since, until=cutoff),
    )  # fmt: skip


def _demanded(item: RewardInput, demand: Demand | None) -> RewardInput:
    """`item` with the demand multiplier of its language, modality, license and topic (10000 with no demand)."""
    if demand is None:
        return item
    matched = demand_bps(demand, language=item.language, modality=item.modality, license=item.license or "",
                         topic=item.topic)  # fmt: skip
    return replace(item, demand_bps=matched)


def _reviewed(
    session: Session, items: list[RewardInput], *, cutoff: datetime
) -> tuple[list[RewardInput], list[dict[str, Any]]]:
    """The items as review leaves them (formula /3): each with its contributor's credibility at the cutoff,
    less the documents reviewers rejected before the cutoff; a file judged as a whole that they rejected is left
    out, with why."""
    credibility = credibility_of(session, {item.contributor for item in items}, before=cutoff)
    rejected = rejected_of(session, [item.contribution_id for item in items], before=cutoff)
    kept, left_out = [], []
    for item in items:
        less = rejected.get(item.contribution_id)
        if less is not None and item.kept_words is None:
            left_out.append({"contribution_id": item.contribution_id, "reason": "review_rejected"})
            continue
        if less is not None and item.kept_words is not None and item.kept_records is not None:
            item = replace(item, kept_records=max(item.kept_records - less.records, 0),
                           kept_words=max(item.kept_words - less.words, 0))  # fmt: skip
        kept.append(replace(item, credibility_bps=credibility[item.contributor]))
    return kept, left_out


def _paid() -> Any:
    """Contributions a live (not revoked) epoch already paid."""
    return (
        select(EpochReward.contribution_id)
        .join(Epoch, col(Epoch.id) == col(EpochReward.epoch_id))
        .where(Epoch.status != EpochStatus.REVOKED)
    )


# Wider than select()'s typed overloads go: one row per score, every column the formula reads.
_SCORED_COLUMNS: list[Any] = [
    ContributionScore.contribution_id, ContributionScore.verdict, ContributionScore.score,
    ContributionScore.language, ContributionScore.duplicate_of, ContributionScore.policy_hash,
    Contribution.contributor, Contribution.size, Contribution.modality, Contribution.language, Tombstone.id,
    ContributionScore.report, Contribution.license, Contribution.topic,
]  # fmt: skip


def _scored(session: Session, *, cutoff: datetime) -> tuple[list[RewardInput], list[dict[str, Any]]]:
    """The newest score of each unpaid contribution scored before `cutoff`; the ones left out, with why."""
    query = (
        select_columns(*_SCORED_COLUMNS)
        .join(Contribution, col(Contribution.id) == col(ContributionScore.contribution_id))
        .outerjoin(Tombstone, col(Tombstone.contribution_id) == col(Contribution.id))
        .where(col(ContributionScore.scored_at) < cutoff)
        .where(col(ContributionScore.contribution_id).not_in(_paid()))
        .order_by(col(ContributionScore.contribution_id), col(ContributionScore.scored_at), col(ContributionScore.id))
    )  # fmt: skip
    newest = {row[0]: tuple(row) for row in session.execute(query)}
    items, excluded = [], []
    for row in newest.values():
        cid, verdict, score, tombstone = row[0], row[1], row[2], row[10]
        if tombstone is not None:
            excluded.append({"contribution_id": cid, "reason": "revoked"})
        elif verdict == Verdict.NO_VERDICT or score is None:
            excluded.append({"contribution_id": cid, "reason": "waiting_for_verdict"})
        else:
            items.append(_input_of(row))
    return items, excluded


def _input_of(row: tuple[Any, ...]) -> RewardInput:
    cid, verdict, score, detected, duplicate_of, policy, who, size, modality, declared, _, report, license, topic = row
    documents = paid_documents(report, verdict=str(verdict))
    return RewardInput(
        contribution_id=cid, contributor=who, verdict=str(verdict), score=int(score), size=int(size),
        duplicate_of=duplicate_of, language=normal_language(detected or declared), modality=modality,
        policy_hash=policy, license=license, topic=topic, **document_fields(documents),
    )  # fmt: skip


def approved_corpus(session: Session) -> Corpus:
    """Languages and modalities of the contributions in datasets a vote approved for a round."""
    query = (
        select(DatasetItem.contribution_id, ContributionScore.language, Contribution.language, Contribution.modality)
        .join(Dataset, col(Dataset.id) == col(DatasetItem.dataset_id))
        .join(Contribution, col(Contribution.id) == col(DatasetItem.contribution_id))
        .outerjoin(ContributionScore, col(ContributionScore.contribution_id) == col(Contribution.id))
        .where(col(Dataset.approved_round).is_not(None))
        .order_by(col(DatasetItem.contribution_id), col(ContributionScore.id))
    )
    members = {
        cid: (normal_language(detected or declared), modality)
        for cid, detected, declared, modality in session.exec(query)
    }
    return Corpus.of(members.values())


def balances(session: Session, epoch: Epoch | None) -> dict[str, int]:
    """The cumulative amount of every account as of `epoch` (nothing before the first)."""
    if epoch is None:
        return {}
    rows = session.exec(select(EpochBalance.account, EpochBalance.cumulative).where(EpochBalance.epoch_id == epoch.id))
    return {account: int(cumulative) for account, cumulative in rows}


def _record(session: Session, inputs: EpochInputs, outcome: EpochOutcome, *, report_cid: str) -> Epoch:
    epoch = Epoch(
        number=inputs.number, cutoff=datetime.fromisoformat(inputs.cutoff), formula_version=inputs.formula_version,
        budget=str(inputs.budget), allocated=str(outcome.allocated),
        cumulative_total=str(outcome.cumulative_total),
        base_epoch=inputs.previous["epoch"] if inputs.previous else None, contribution_count=len(inputs.items),
        account_count=len(outcome.cumulative), chain_id=inputs.chain_id, distributor=inputs.distributor,
        root=outcome.root, report_cid=report_cid, report_sha256=hashlib.sha256(outcome.report).hexdigest(),
    )  # fmt: skip
    session.add(epoch)
    session.flush()
    rewards = [
        {"epoch_id": epoch.id, "contribution_id": item.contribution_id, "contributor": item.contributor,
         "amount": str(outcome.allocation.amounts[item.contribution_id]),
         "terms": _explained(item, outcome, version=inputs.formula_version)}
        for item in inputs.items
    ]  # fmt: skip
    session.execute(insert(EpochReward), rewards)
    cumulative = [{"epoch_id": epoch.id, "account": a, "cumulative": str(v)} for a, v in outcome.cumulative.items()]
    if cumulative:
        session.execute(insert(EpochBalance), cumulative)
    contributions.mark_rewarded(session, epoch_id=int(epoch.id or 0), epoch_number=epoch.number)
    return epoch


def _explained(item: RewardInput, outcome: EpochOutcome, *, version: str) -> dict[str, Any]:
    terms = outcome.allocation.terms[item.contribution_id]
    listed = item.to_json(version)
    inputs = {k: v for k, v in listed.items() if k not in ("contribution_id", "contributor")}
    return {"inputs": inputs, "terms": {**terms, "weight": str(terms["weight"])}}


def propose(number: int, *, sender: TxSender, deployment: Deployment) -> Epoch:
    """Put epoch `number`'s root on the distributor (once), and record when it may activate."""
    with session_scope() as session:
        epoch = by_number(session, number)
    if epoch.status != EpochStatus.COMPUTED:
        return epoch
    distributor = deployment.bind(sender.web3, "rewardsDistributor")
    call = call_of(
        distributor, "proposeRoot", bytes.fromhex(epoch.root[2:]), number, int(epoch.cumulative_total), epoch.report_cid
    )
    tx = sender.send(f"rewards:propose:{distributor.address}:{number}", call)
    proposed_at = int(sender.web3.eth.get_block(int(tx.block_number or 0))["timestamp"])
    delay = int(distributor.functions.challengeDelay().call())
    return _update(number, status=EpochStatus.PROPOSED, propose_tx_hash=tx.tx_hash,
                   activates_at=proposed_at + delay, proposed_at=utcnow())  # fmt: skip


def keep(*, sender: TxSender, deployment: Deployment) -> list[int]:
    """Mark revoked epochs, propose computed ones, activate the proposed roots that are due; the numbers touched."""
    mark_revoked(deployment)
    touched = []
    with session_scope() as session:
        waiting = [(e.number, e.status) for e in session.exec(select(Epoch).where(col(Epoch.status).in_(UNSETTLED)))]
    for number, status in sorted(waiting):
        epoch = propose(number, sender=sender, deployment=deployment) if status == EpochStatus.COMPUTED else None
        if epoch is None or epoch.status == EpochStatus.PROPOSED:
            epoch = activate_if_due(number, sender=sender, deployment=deployment)
        touched.append(epoch.number)
    return touched


def activate_if_due(number: int, *, sender: TxSender, deployment: Deployment) -> Epoch:
    """Activate epoch `number`'s root when the chain's clock is past its challenge delay."""
    with session_scope() as session:
        epoch = by_number(session, number)
    distributor = deployment.bind(sender.web3, "rewardsDistributor")
    root = bytes.fromhex(epoch.root[2:])
    if _active_on_chain(distributor.functions, number=number, root=root):
        return _update(number, status=EpochStatus.ACTIVE, activated_at=utcnow())
    pending_root, pending_epoch, _, activates_at = distributor.functions.pending().call()
    now = int(sender.web3.eth.get_block("latest")["timestamp"])
    if bytes(pending_root) != root or pending_epoch != number or now < activates_at:
        return epoch  # not due yet, or revoked (the indexer will tell)
    try:
        tx = sender.send(f"rewards:activate:{distributor.address}:{number}", call_of(distributor, "activateRoot"))
    except TxReverted:
        return epoch  # revoked or activated by someone else meanwhile: the next pass sees which
    return _update(number, status=EpochStatus.ACTIVE, activate_tx_hash=tx.tx_hash, activated_at=utcnow())


def _active_on_chain(functions: Any, *, number: int, root: bytes) -> bool:
    return int(functions.epoch().call()) == number and bytes(functions.root().call()) == root


def mark_revoked(deployment: Deployment) -> list[int]:
    """Mark revoked every epoch whose root the indexer saw the timelock revoke; their numbers."""
    distributor = deployment.contracts["rewardsDistributor"].address
    revoked = []
    with session_scope() as session:
        for event in events(session, cursor=DEPLOYMENT_CURSOR, contract=distributor, name="RootRevoked"):
            epoch = session.exec(select(Epoch).where(Epoch.number == int(event.args["epoch"]))).first()
            if epoch and epoch.status in UNSETTLED and epoch.root.lower() == str(event.args["root"]).lower():
                epoch.status, epoch.revoked_at = EpochStatus.REVOKED, utcnow()
                session.add(epoch)
                contributions.unmark_rewarded(session, epoch_id=int(epoch.id or 0))
                revoked.append(epoch.number)
    return revoked


def _update(number: int, **changes: Any) -> Epoch:
    with session_scope() as session:
        epoch = by_number(session, number)
        for name, value in changes.items():
            setattr(epoch, name, value)
        session.add(epoch)
        return epoch


def by_number(session: Session, number: int) -> Epoch:
    """Epoch `number`, or EpochNotFound."""
    epoch = session.exec(select(Epoch).where(Epoch.number == number)).first()
    if epoch is None:
        raise EpochNotFound(f"there is no epoch {number} yet")
    return epoch


def _last(session: Session, *, status: EpochStatus | None = None) -> Epoch | None:
    query = select(Epoch).order_by(col(Epoch.number).desc())
    if status is not None:
        query = query.where(Epoch.status == status)
    return session.exec(query).first()


def last_active(session: Session) -> Epoch | None:
    """The newest epoch whose root claims are checked against."""
    return _last(session, status=EpochStatus.ACTIVE)


def on_its_way(session: Session) -> Epoch | None:
    """The closed epoch whose root is not active yet (at most one: an epoch closes once the last is settled)."""
    last = _last(session)
    return last if last is not None and last.status in UNSETTLED else None


def epoch_summary(session: Session, number: int) -> dict[str, Any]:
    """What `GET /epochs/{n}` shows: status, totals, root, report CID and transactions."""
    epoch = by_number(session, number)
    paid = session.exec(
        select(func.count()).select_from(EpochReward).where(EpochReward.epoch_id == epoch.id, EpochReward.amount != "0")
    ).one()
    return {
        "number": epoch.number, "status": str(epoch.status), "cutoff": as_utc(epoch.cutoff).isoformat(),
        "formula_version": epoch.formula_version, "budget": epoch.budget, "allocated": epoch.allocated,
        "unallocated": str(int(epoch.budget) - int(epoch.allocated)), "cumulative_total": epoch.cumulative_total,
        "contributions": epoch.contribution_count, "contributions_paid": paid, "accounts": epoch.account_count,
        "base_epoch": epoch.base_epoch, "root": epoch.root, "report_cid": epoch.report_cid,
        "report_sha256": epoch.report_sha256, "chain_id": epoch.chain_id, "distributor": epoch.distributor,
        "propose_tx_hash": epoch.propose_tx_hash, "activates_at": epoch.activates_at,
        "activate_tx_hash": epoch.activate_tx_hash,
    }  # fmt: skip


def reward_of(session: Session, contribution_id: int) -> dict[str, Any] | None:
    """The reward of a contribution: the epoch that paid it, the amount, each term of the formula; None if unpaid."""
    return rewards_of(session, [contribution_id]).get(contribution_id)


def rewards_of(session: Session, contribution_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """`reward_of` each paid contribution among `contribution_ids`, in one query (a page of a list)."""
    rows = session.exec(
        select(EpochReward, Epoch)
        .join(Epoch, col(Epoch.id) == col(EpochReward.epoch_id))
        .where(col(EpochReward.contribution_id).in_(contribution_ids), Epoch.status != EpochStatus.REVOKED)
        .order_by(col(Epoch.number))
    )
    return {  # the newest live epoch that paid each one wins
        reward.contribution_id: {
            "epoch": epoch.number, "epoch_status": str(epoch.status), "amount": reward.amount,
            "formula_version": epoch.formula_version, "report_cid": epoch.report_cid, **reward.terms,
        }
        for reward, epoch in rows
    }  # fmt: skip
