"""A score's per-document decisions, as its report carries them: which documents of the upload were kept, and
why each dropped one was (policies that judge documents, v2 on)."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from polyphony.models.score import ContributionScore
from polyphony.scores.errors import DocumentsNotJudged
from polyphony.scores.service import get_latest


@dataclass(frozen=True)
class DocumentFate:
    """One document: its index in the upload, kept or dropped, and why."""

    record: int
    status: str
    reason: str | None


@dataclass(frozen=True)
class DocumentFates:
    """What a score decided for each document of its upload: how many, and which were dropped for what."""

    count: int
    dropped: dict[str, list[int]]  # reason -> document indices, in order

    @classmethod
    def of(cls, documents: Mapping[str, Any]) -> "DocumentFates":
        """The fates as a score report's `documents` section holds them."""
        return cls(count=int(documents["count"]), dropped=dict(documents["dropped"]))

    @property
    def kept(self) -> int:
        """How many documents the gates kept."""
        return self.count - sum(map(len, self.dropped.values()))

    def kept_in(self, verdict: str) -> int:
        """How many documents are kept and paid: those the gates kept, if the upload passes; none if it fails."""
        return self.kept if verdict == "pass" else 0

    def page(self, *, status: str | None, offset: int, limit: int) -> tuple[list[DocumentFate], int]:
        """One page of the documents (all, kept or dropped) in upload order, and how many there are."""
        reason_of = {index: reason for reason, indices in self.dropped.items() for index in indices}
        if status == "dropped":
            chosen = sorted(reason_of)
        else:
            everything = range(self.count)
            chosen = [i for i in everything if i not in reason_of] if status == "kept" else list(everything)
        fates = [DocumentFate(i, "dropped" if i in reason_of else "kept", reason_of.get(i)) for i in chosen]
        return fates[offset : offset + limit], len(fates)


@dataclass(frozen=True)
class DropReason:
    """One reason documents were dropped for: how many, and the first of them in upload order."""

    reason: str
    documents: int
    first_records: list[int]


def drop_reasons(fates: DocumentFates, *, shown: int = 5) -> list[DropReason]:
    """Why documents were dropped, the most frequent reason first (ties by reason), each with its first records."""
    ranked = sorted(fates.dropped.items(), key=lambda item: (-len(item[1]), item[0]))
    return [DropReason(reason, len(indices), sorted(indices)[:shown]) for reason, indices in ranked if indices]


def document_fates(score: ContributionScore) -> DocumentFates | None:
    """The per-document decisions `score`'s report carries; None for a policy that judges the upload as a whole."""
    if not score.report:
        return None
    documents = json.loads(score.report).get("documents")
    return None if documents is None else DocumentFates.of(documents)


def get_document_fates(session: Session, contribution_id: int) -> DocumentFates:
    """The per-document decisions of `contribution_id`'s latest score; 404 when there are none to show."""
    fates = document_fates(get_latest(session, contribution_id))
    if fates is None:
        raise DocumentsNotJudged(
            f"contribution {contribution_id} was scored as a whole, under a policy that judges no document alone"
        )
    return fates
