"""Exact and near copies, decided against the shared index in anchoring order, so every worker decides alike."""

from polyphony.scores.index import ScoringIndex
from polyphony.scoring import Analysis, Duplicates, Policy, minhash_similarity_bp


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
