"""The reference trainer: a unigram language model over a pulled round's text, read through Hugging Face
`datasets` the way any trainer reads it (the folder's dataset card, streamed), trained on the CPU in seconds.

It is small on purpose and real: every tenth row (by its place in the stream) is held out, the model is the
add-one smoothed word distribution of the rest, and its held-out perplexity is measured and kept in the model
file with what it was trained on (the round, the manifests, the rows, the licenses), so the model file itself
says where it came from; its registration on-chain binds it to the round's lineage.
"""

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cli.command import CommandFailed

MODEL_KIND = "polyphony-unigram/1"
HELD_OUT_EVERY = 10
VOCABULARY = 5000
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class TrainedModel:
    """What training wrote: the model file, its rows and its held-out perplexity."""

    path: Path
    trained_rows: int
    held_out_rows: int
    perplexity: float | None  # None when nothing was held out (fewer than ten rows)


def train_unigram(pulled: Path, model: Path) -> TrainedModel:
    """Train on the `text` config of the pulled folder `pulled`; write the model JSON to `model`."""
    rows = _text_rows(pulled)
    counts: Counter[str] = Counter()
    held_out: list[list[str]] = []
    trained, licenses = 0, Counter[str]()
    for index, row in enumerate(rows):
        words = words_of(row["text"])
        if index % HELD_OUT_EVERY == HELD_OUT_EVERY - 1:
            held_out.append(words)
            continue
        counts.update(words)
        trained += 1
        licenses[row["license"]] += 1
    if trained == 0:
        raise CommandFailed(f"{pulled} has no text rows to train on")
    vocabulary = dict(sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:VOCABULARY])
    perplexity = _perplexity(vocabulary, held_out)
    document = {
        "kind": MODEL_KIND, "smoothing": "add-one over the vocabulary and one unknown word",
        "lineage": _lineage_summary(pulled), "trained_rows": trained, "held_out_rows": len(held_out),
        "licenses": dict(sorted(licenses.items())), "held_out_perplexity": perplexity, "vocabulary": vocabulary,
    }  # fmt: skip
    model.write_text(json.dumps(document, indent=1, ensure_ascii=False), encoding="utf-8")
    return TrainedModel(model, trained, len(held_out), perplexity)


def words_of(text: str | None) -> list[str]:
    """The lower-cased words of a text."""
    return _WORD.findall((text or "").lower())


def _perplexity(vocabulary: dict[str, int], held_out: list[list[str]]) -> float | None:
    words = [word for document in held_out for word in document]
    if not words:
        return None
    total, size = sum(vocabulary.values()), len(vocabulary) + 1  # one slot more, for every unknown word
    log_sum = sum(math.log((vocabulary.get(word, 0) + 1) / (total + size)) for word in words)
    return round(math.exp(-log_sum / len(words)), 4)


def _text_rows(pulled: Path) -> Any:
    try:
        import datasets
    except ImportError:
        raise CommandFailed("training reads the round with Hugging Face datasets: pip install datasets") from None
    try:
        return datasets.load_dataset(str(pulled), "text", split="train", streaming=True)
    except (ValueError, FileNotFoundError) as error:
        raise CommandFailed(f"{pulled} is not a pulled round with text: {error}") from None


def _lineage_summary(pulled: Path) -> dict[str, Any]:
    lineage = json.loads((pulled / "lineage.json").read_text(encoding="utf-8"))
    return {
        "round": lineage["round"], "chainId": lineage["chainId"],
        "manifests": [dataset["manifestCid"] for dataset in lineage["datasets"]],
        "contributors": len(lineage["contributors"]),
    }  # fmt: skip
