"""Training rounds: the datasets the DAO approved for each round, read from the indexed registry events.

The dataset registry emits `DatasetApproved(round, manifestRoot, manifestCid)` when the timelock runs a passed
proposal. The indexer stores those events (and removes them again if a reorg takes them away), so a round is
always what the confirmed chain says. `record_approvals` projects them onto `Dataset.approved_round`.
"""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from chain.bindings import Deployment
from chain.indexer import DEPLOYMENT_CURSOR, events
from governance.rounds.errors import RoundNotApproved
from polyphony.models.dataset import Dataset
from polyphony.models.indexer import ChainEvent


@dataclass(frozen=True)
class Approval:
    """One dataset approved for a round: the registry's event, and our dataset row if we built it."""

    round: int
    root: str
    manifest_cid: str
    block_number: int
    tx_hash: str
    dataset: Dataset | None


def _approval_events(session: Session, deployment: Deployment) -> list[ChainEvent]:
    registry = deployment.contracts["datasetRegistry"].address
    return events(session, cursor=DEPLOYMENT_CURSOR, contract=registry, name="DatasetApproved")


def approvals(session: Session, *, deployment: Deployment, round_number: int) -> list[Approval]:
    """The datasets approved for `round_number`, oldest approval first; `RoundNotApproved` when there are none."""
    found = [event for event in _approval_events(session, deployment) if int(event.args["round"]) == round_number]
    if not found:
        raise RoundNotApproved(f"no dataset is approved for round {round_number} (as far as the indexer has read)")
    datasets = _datasets_by_binding(session, [(e.args["manifestRoot"], e.args["manifestCid"]) for e in found])
    return [
        Approval(
            round=round_number,
            root=event.args["manifestRoot"],
            manifest_cid=event.args["manifestCid"],
            block_number=event.block_number,
            tx_hash=event.tx_hash,
            dataset=datasets.get((event.args["manifestRoot"], event.args["manifestCid"])),
        )
        for event in found
    ]


def _datasets_by_binding(session: Session, bindings: list[tuple[str, str]]) -> dict[tuple[str, str], Dataset]:
    roots = sorted({root for root, _ in bindings})
    rows = session.exec(select(Dataset).where(col(Dataset.root).in_(roots)).order_by(col(Dataset.id)))
    found: dict[tuple[str, str], Dataset] = {}
    for dataset in rows:
        found.setdefault((dataset.root, dataset.manifest_cid), dataset)
    return found


def record_approvals(session: Session, *, deployment: Deployment) -> int:
    """Set each dataset's `approved_round` to the first round that approved it (None if a reorg undid it)."""
    first_round: dict[tuple[str, str], int] = {}
    for event in _approval_events(session, deployment):
        binding = (event.args["manifestRoot"], event.args["manifestCid"])
        first_round[binding] = min(first_round.get(binding, int(event.args["round"])), int(event.args["round"]))
    changed = 0
    for dataset in session.exec(select(Dataset)):
        wanted = first_round.get((dataset.root, dataset.manifest_cid))
        if dataset.approved_round != wanted:
            dataset.approved_round = wanted
            session.add(dataset)
            changed += 1
    session.flush()
    return changed
