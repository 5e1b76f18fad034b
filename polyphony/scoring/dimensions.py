"""One builder per dimension measurable from the bytes: it reads the shared statistics and returns a Dimension."""

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from polyphony.scoring.classifiers import LanguageGuess
from polyphony.scoring.pii import pii_counts
from polyphony.scoring.results import BP, Dimension
from polyphony.scoring.rules import Rule, RuleResult, linear_score
from polyphony.scoring.stats import TextStatistics, share

_WORST_SHOWN = 3


def quality(stats: TextStatistics, *, rules: Sequence[Rule], language: str | None, profile: Any) -> Dimension:
    """Heuristic quality: the mean of the rules' sub-scores; rules limited to some languages skip the others."""
    results: dict[str, RuleResult] = {}
    for rule in rules:
        languages = profile[rule.name].get("languages")
        if languages is None or language in languages:
            results[rule.name] = rule.check(stats)
    value = sum(result.score for result in results.values()) // len(results)
    worst = sorted((result.score, name) for name, result in results.items() if result.score < BP)[:_WORST_SHOWN]
    compared = {rule.name: rule.bounds() for rule in rules if rule.name in results}
    features = {name: result.value for name, result in results.items()}
    if not worst:
        explanation = f"All {len(results)} text statistics (Gopher, C4, FineWeb) are in their good range."
        return Dimension(value, value, compared, "typical_text", explanation, features=features)
    words = {rule.name: rule.words for rule in rules}
    named = "; ".join(f"{words[name]} ({results[name].reason})" for _, name in worst)
    explanation = f"{len(results) - len(worst)} or more of {len(results)} text statistics are fine; weakest: {named}."
    return Dimension(value, value, compared, results[worst[0][1]].reason, explanation, features=features)


def language(guess: LanguageGuess, *, profile: Mapping[str, Any]) -> Dimension:
    """Language: how confidently fastText lid.176 recognises one language in the sampled units."""
    good, bad = profile["good_bp"], profile["bad_bp"]
    score = linear_score(guess.confidence_bp, good=good, bad=bad)
    compared = {"good_bp": good, "bad_bp": bad, "sampled_units": guess.units}
    if guess.language is None:
        return Dimension(0, 0, compared, "no_text", "There is no text whose language could be recognised.")
    pct = f"{guess.confidence_bp // 100}%"
    if guess.confidence_bp >= profile["min_confidence_bp"]:
        explanation = f"The text reads as language '{guess.language}' with {pct} confidence."
        return Dimension(guess.confidence_bp, score, compared, "language_identified", explanation)
    explanation = f"No language stands out: the best guess, '{guess.language}', has only {pct} confidence."
    return Dimension(guess.confidence_bp, score, compared, "language_uncertain", explanation)


def pii(text: str, *, words: int, profile: Mapping[str, Any]) -> Dimension:
    """PII density: valid personal data and secrets per 1000 words; a private key or secret zeroes the score."""
    counts = pii_counts(text)
    found = sum(counts.values())
    value = found * 1000 // max(words, 1)
    good, bad = profile["good_per_mille_words"], profile["bad_per_mille_words"]
    compared = {"good_per_mille_words": good, "bad_per_mille_words": bad, "zero_if_any": profile["hard_items"]}
    hard = [kind for kind in profile["hard_items"] if counts.get(kind)]
    if hard:
        explanation = f"The upload holds {', '.join(hard)} material; remove secrets before contributing."
        return Dimension(value, 0, compared, "secret_found", explanation, features=counts)
    if found == 0:
        return Dimension(0, BP, compared, "no_pii", "No personal data found.", features=counts)
    listed = ", ".join(f"{count} {kind}" for kind, count in sorted(counts.items()) if count)
    explanation = f"Found {listed}: {value} per 1000 words."
    reason = "pii_dense" if value >= bad else "pii_present"
    return Dimension(value, linear_score(value, good=good, bad=bad), compared, reason, explanation, features=counts)


def toxicity(probabilities: Sequence[int], *, profile: Mapping[str, Any]) -> Dimension:
    """Toxicity: the share of sampled units the profanity model finds offensive (probability over the threshold)."""
    threshold, good, bad = profile["unit_threshold_bp"], profile["good_bp"], profile["bad_bp"]
    compared = {"unit_threshold_bp": threshold, "good_bp": good, "bad_bp": bad, "sampled_units": len(probabilities)}
    if not probabilities:
        return Dimension(0, BP, compared, "no_text", "There is no text to check for offensive language.")
    offensive = sum(1 for p in probabilities if p >= threshold)
    value = share(offensive, len(probabilities))
    features = {"max_bp": max(probabilities), "mean_bp": sum(probabilities) // len(probabilities)}
    score = linear_score(value, good=good, bad=bad)
    if offensive == 0:
        explanation = f"None of the {len(probabilities)} sampled passages reads as offensive."
        return Dimension(value, score, compared, "not_offensive", explanation, features=features)
    explanation = f"{offensive} of {len(probabilities)} sampled passages read as offensive."
    return Dimension(value, score, compared, "offensive_language", explanation, features=features)


def redundancy(units: Sequence[str], *, noun: str, profile: Mapping[str, Any]) -> Dimension:
    """Internal redundancy: the share of the upload's characters in units (records, paragraphs) repeated in it."""
    good, bad = profile["good_bp"], profile["bad_bp"]
    counts = Counter(map(str.strip, units))
    repeated = sum((count - 1) * len(unit) for unit, count in counts.items() if count > 1)
    copies = sum(count - 1 for count in counts.values())
    value = share(repeated, sum(map(len, units)))
    score = linear_score(value, good=good, bad=bad)
    compared = {"good_bp": good, "bad_bp": bad}
    if copies == 0:
        return Dimension(0, score, compared, "no_repeats", f"No {noun} is repeated within the upload.")
    explanation = f"{copies} {noun}s repeat another in the upload: {value // 100}% of its text."
    return Dimension(value, score, compared, "repeats_within_upload", explanation)


def image(width: int, height: int, *, profile: Mapping[str, Any]) -> Dimension:
    """Image size: the shorter side in pixels against the profile's bounds."""
    good, bad = profile["good_min_side"], profile["bad_min_side"]
    side = min(width, height)
    score = linear_score(side, good=good, bad=bad)
    compared = {"good_min_side": good, "bad_min_side": bad}
    reason = "large_enough" if score == BP else "small_image"
    return Dimension(side, score, compared, reason, f"The image is {width} x {height} pixels.")
