"""An upload's documents, and what the gates decide for each (every policy with a `gates` section: v2 on).

A document is one record of a JSONL, CSV or Parquet text upload (the value of its text field, `text` unless the
policy names another), or a whole plain-text file. Each is kept or dropped: by the first gate that drops it, as a
record with no text in its text field, or as a copy of an earlier document of the same upload (the same
normalised text, or, under a policy with a `document_copies` section, a near copy: see `copies.py`). The
contribution is scored on what it keeps, and its share of the words kept scales its score, so junk added to good
data lowers the score as much as it adds size: padding never pays. Copies of earlier contributions' documents are
dropped later, against the shared index (`DocumentDecisions.without_copies`).
"""

from collections.abc import Mapping, Sequence
from typing import Any

from polyphony.scoring.copies import DocumentKey, EarlierInUpload, document_key
from polyphony.scoring.document import Document
from polyphony.scoring.gates import DocumentJudge
from polyphony.scoring.results import BP, Dimension, DocumentDecisions

NO_TEXT = "no_text"
COPY_IN_UPLOAD = "copy_in_upload"
NEAR_COPY_IN_UPLOAD = "near_copy_in_upload"
_EXAMPLES_SHOWN = 3


def decide(
    texts: Sequence[str | None], *, judge: DocumentJudge, copies: Mapping[str, Any] | None = None
) -> tuple[DocumentDecisions, list[Document]]:
    """Judge every document in order: no text, a copy of an earlier one of the upload, or the gates' decision;
    return the decisions and the kept documents (their tokens and statistics, already computed).

    With a `copies` config (a policy's `document_copies` section), near copies within the upload are dropped too,
    and each kept document's key is kept for the shared index."""
    kept: list[tuple[int, int]] = []  # (index, words)
    kept_documents: list[Document] = []
    keys: list[DocumentKey] = []
    dropped: dict[str, list[int]] = {}
    seen: set[str] = set()
    earlier = EarlierInUpload(threshold_bp=int(copies["threshold_bp"])) if copies is not None else None
    words = 0
    for index, text in enumerate(texts):
        if text is None or not text.strip():
            dropped.setdefault(NO_TEXT, []).append(index)
            continue
        document = Document(text, language_sample=judge.language_sample)
        words += document.stats.words
        reason = _reason(document, judge=judge, seen=seen)
        if reason is None and copies is not None and earlier is not None:
            key = document_key(index, document.tokens, words=document.stats.words, config=copies)
            reason = _near_copy_reason(key, earlier)
            if reason is None:
                keys.append(key)
        if reason is None:
            kept.append((index, document.stats.words))
            kept_documents.append(document)
        else:
            dropped.setdefault(reason, []).append(index)
    decisions = DocumentDecisions(
        count=len(texts), kept=tuple(index for index, _ in kept),
        dropped={reason: tuple(found) for reason, found in dropped.items()}, words=words,
        kept_words=sum(count for _, count in kept), kept_word_counts=tuple(count for _, count in kept),
        keys=tuple(keys), checks_copies=copies is not None,
    )  # fmt: skip
    return decisions, kept_documents


def _reason(document: Document, *, judge: DocumentJudge, seen: set[str]) -> str | None:
    """Why `document` is dropped, or None when it is kept; `seen` gathers the kept documents' normalised texts."""
    if document.tokens.sha256 in seen:
        return COPY_IN_UPLOAD
    decision = judge.judge(document)
    if not decision.kept:
        return f"{decision.gate}:{decision.reason}"
    seen.add(document.tokens.sha256)
    return None


def _near_copy_reason(key: DocumentKey, earlier: EarlierInUpload) -> str | None:
    """NEAR_COPY_IN_UPLOAD when `key`'s document nearly copies a kept one before it, else None (and it counts)."""
    if earlier.nearly_copied(key) is not None:
        return NEAR_COPY_IN_UPLOAD
    earlier.add(key)
    return None


def documents_dimension(decisions: DocumentDecisions, *, min_kept_share_bp: int) -> Dimension:
    """How much of the upload is kept: below `min_kept_share_bp` of its words the whole upload fails."""
    features = {"documents": decisions.count, "kept": len(decisions.kept), "words": decisions.words,
                "kept_words": decisions.kept_words}  # fmt: skip
    explanation = kept_in_words(decisions, noun="documents", share="% of the words", example="document")
    return kept_share_dimension(decisions, min_kept_share_bp=min_kept_share_bp, explanation=explanation,
                                features=features)  # fmt: skip


def kept_share_dimension(
    decisions: DocumentDecisions, *, min_kept_share_bp: int, explanation: str, features: dict[str, int]
) -> Dimension:
    """The kept share as a dimension (documents of a text upload, rows of a table): a gate below the minimum."""
    value = decisions.kept_share_bp
    compared = {"min_kept_share_bp": min_kept_share_bp}
    if not decisions.dropped:
        return Dimension(value, BP, compared, "all_kept", explanation, features=features)
    reason = "too_little_kept" if value < min_kept_share_bp else "some_dropped"
    return Dimension(value, value, compared, reason, explanation, gate=value < min_kept_share_bp, features=features)


def kept_in_words(decisions: DocumentDecisions, *, noun: str, share: str, example: str) -> str:
    """How many were kept, and the commonest reasons the others were dropped, each with its first example."""
    kept = f"Kept {len(decisions.kept)} of {decisions.count} {noun} ({decisions.kept_share_bp // 100}{share})"
    if not decisions.dropped:
        return kept + "."
    top = sorted(decisions.dropped.items(), key=lambda item: (-len(item[1]), item[0]))[:_EXAMPLES_SHOWN]
    reasons = "; ".join(f"{len(indices)} for {reason} (first: {example} {indices[0]})" for reason, indices in top)
    return f"{kept}. Dropped: {reasons}."
