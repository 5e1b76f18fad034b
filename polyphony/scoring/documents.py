"""An upload's documents, and what the gates decide for each (every policy with a `gates` section: v2 on).

A document is one record of a JSONL, CSV or Parquet text upload (the value of its text field, `text` unless the
policy names another), or a whole plain-text file. Each is kept or dropped: by the first gate that drops it, as a
record with no text in its text field, or as a copy of an earlier document of the same upload (the same
normalised text). The contribution is scored on what it keeps, and its share of the words kept scales its score,
so junk added to good data lowers the score as much as it adds size: padding never pays.
"""

from collections.abc import Sequence

from polyphony.scoring.document import Document
from polyphony.scoring.gates import DocumentJudge
from polyphony.scoring.results import BP, Dimension, DocumentDecisions

NO_TEXT = "no_text"
COPY_IN_UPLOAD = "copy_in_upload"
_EXAMPLES_SHOWN = 3


def decide(texts: Sequence[str | None], *, judge: DocumentJudge) -> DocumentDecisions:
    """Judge every document in order: no text, a copy of an earlier one of the upload, or the gates' decision."""
    kept: list[int] = []
    dropped: dict[str, list[int]] = {}
    seen: set[str] = set()
    words = kept_words = 0
    for index, text in enumerate(texts):
        if text is None or not text.strip():
            dropped.setdefault(NO_TEXT, []).append(index)
            continue
        document = Document(text, language_sample=judge.language_sample)
        words += document.stats.words
        reason = _reason(document, judge=judge, seen=seen)
        if reason is None:
            kept.append(index)
            kept_words += document.stats.words
        else:
            dropped.setdefault(reason, []).append(index)
    return DocumentDecisions(
        count=len(texts), kept=tuple(kept), dropped={reason: tuple(found) for reason, found in dropped.items()},
        words=words, kept_words=kept_words,
    )  # fmt: skip


def _reason(document: Document, *, judge: DocumentJudge, seen: set[str]) -> str | None:
    """Why `document` is dropped, or None when it is kept; `seen` gathers the kept documents' normalised texts."""
    if document.tokens.sha256 in seen:
        return COPY_IN_UPLOAD
    decision = judge.judge(document)
    if not decision.kept:
        return f"{decision.gate}:{decision.reason}"
    seen.add(document.tokens.sha256)
    return None


def documents_dimension(decisions: DocumentDecisions, *, min_kept_share_bp: int) -> Dimension:
    """How much of the upload is kept: below `min_kept_share_bp` of its words the whole upload fails."""
    value = decisions.kept_share_bp
    compared = {"min_kept_share_bp": min_kept_share_bp}
    features = {"documents": decisions.count, "kept": len(decisions.kept), "words": decisions.words,
                "kept_words": decisions.kept_words}  # fmt: skip
    explanation = _kept_in_words(decisions)
    if not decisions.dropped:
        return Dimension(value, BP, compared, "all_kept", explanation, features=features)
    reason = "too_little_kept" if value < min_kept_share_bp else "some_dropped"
    return Dimension(value, value, compared, reason, explanation, gate=value < min_kept_share_bp, features=features)


def _kept_in_words(decisions: DocumentDecisions) -> str:
    kept = f"Kept {len(decisions.kept)} of {decisions.count} documents ({decisions.kept_share_bp // 100}% of the words)"
    if not decisions.dropped:
        return kept + "."
    top = sorted(decisions.dropped.items(), key=lambda item: (-len(item[1]), item[0]))[:_EXAMPLES_SHOWN]
    reasons = "; ".join(f"{len(indices)} for {reason} (first: document {indices[0]})" for reason, indices in top)
    return f"{kept}. Dropped: {reasons}."
