"""Exact and near copies, decided against the shared index in anchoring order, so every worker decides alike:
of the whole upload, and (under a policy with a `document_copies` section, v2 on) of each kept document."""

import dataclasses

from polyphony.scores.index import ScoringIndex
from polyphony.scoring import Analysis, Duplicates, Policy, minhash_similarity_bp


def decide_duplicates(index: ScoringIndex, analysis: Analysis, *, position: int, policy: Policy) -> Duplicates:
    """Copies among the contributions before `position` in anchoring order: of the upload, and of its documents."""
    whole = _whole_upload(index, analysis, position=position, policy=policy)
    copies_config = policy.config.get("document_copies")
    if analysis.documents is None or copies_config is None or whole.exact_of is not None:
        return whole  # an exact copy of an upload fails whole: its documents need no check
    copies = index.document_copies(
        analysis.documents.keys, before=position, threshold_bp=int(copies_config["threshold_bp"])
    )
    return dataclasses.replace(whole, document_copies=copies)


def _whole_upload(index: ScoringIndex, analysis: Analysis, *, position: int, policy: Policy) -> Duplicates:
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
