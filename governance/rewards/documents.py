"""What the rewards read of a score's per-document decisions: the records it read, the records it kept (and
pays), and the words of those. One reading for the epoch close and for `polyphony verify epoch`, so both
compare the same numbers. Every reason a document is dropped counts alike: dropped is dropped."""

import json
from dataclasses import dataclass

from polyphony.scores.documents import DocumentFates


@dataclass(frozen=True)
class PaidDocuments:
    """A score's documents as the reward formula counts them: none kept, and no kept words, for a fail."""

    records: int
    kept_records: int
    kept_words: int


def paid_documents(report: str | None, *, verdict: str) -> PaidDocuments | None:
    """The documents of a score's `report`; None when its policy judges the upload as a whole (v1, images)."""
    documents = json.loads(report).get("documents") if report else None
    if documents is None:
        return None
    fates = DocumentFates.of(documents)
    kept_words = int(documents["kept_words"]) if verdict == "pass" else 0
    return PaidDocuments(records=fates.count, kept_records=fates.kept_in(verdict), kept_words=kept_words)


def document_fields(documents: PaidDocuments | None) -> dict[str, int | None]:
    """The counts as an epoch report's input names them; null where the score judges no document alone."""
    if documents is None:
        return {"records": None, "kept_records": None, "kept_words": None}
    return {"records": documents.records, "kept_records": documents.kept_records, "kept_words": documents.kept_words}
