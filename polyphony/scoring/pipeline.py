"""The scoring pipeline: `analyse` measures the bytes, `finalise` adds what the shared index found and scores.

The score is the weighted mean (rounded down) of the sub-scores of the dimensions the modality's profile weighs,
or 0 when a gate fails: unparseable bytes, an exact copy, or a near copy at or above the policy's similarity
threshold of an earlier contribution. The verdict is "pass" when no gate fails and the score reaches the policy's
`pass_score`, else "fail".

A policy with a `gates` section (v2 on) first judges each document of a text upload (`documents.py`): the
dimensions are measured on the kept documents, the share of the words kept scales the mean, and keeping less than
the policy's `min_kept_share_bp` is a gate. Under v1 a text upload is measured as a whole.

A policy with a `tables` section (v2 on) judges each row of a table alike (`tables.py`), and one with an
`image_near_duplicate` section gates an image whose perceptual hash is close to an earlier one's (`images.py`).
"""

import dataclasses
import hashlib
from collections.abc import Mapping
from typing import Any

from polyphony.formats.declared import Modality
from polyphony.scoring import dimensions
from polyphony.scoring.classifiers import detect_language, sample_units, toxicity_bp
from polyphony.scoring.documents import decide, documents_dimension
from polyphony.scoring.gates import judge_for
from polyphony.scoring.images import near_copy_dimension, perceptual_hash
from polyphony.scoring.minhash import band_keys, signature
from polyphony.scoring.parse import parse
from polyphony.scoring.parsed import Parsed
from polyphony.scoring.policy import Policy, policy_hash
from polyphony.scoring.results import (
    BP,
    COPY_OF_EARLIER,
    Analysis,
    Dimension,
    DocumentDecisions,
    Duplicates,
    ScoreReport,
)
from polyphony.scoring.rules import quality_rules
from polyphony.scoring.stats import TextStatistics
from polyphony.scoring.tables import TABLE_FORMATS, judge_table
from polyphony.scoring.text import Tokens

_NAMES = {
    "validity": "validity",
    "quality": "text quality",
    "language": "language",
    "pii": "personal data",
    "toxicity": "offensive language",
    "redundancy": "repetition within the upload",
    "image": "image size",
    "exact_duplicate": "exact copy",
    "documents": "documents kept",
    "near_duplicate": "near copy",
}


def analyse(
    content: bytes, *, content_format: str, modality: str, policy: Policy, text_field: str | None = None
) -> Analysis:
    """Every dimension computable from the bytes alone, plus the hashes the shared index needs. `text_field` names
    the field of a record that holds its text when the upload names one (else the policy's is read)."""
    config = policy.config
    content_sha256 = hashlib.sha256(content).hexdigest()
    parsed = parse(content, content_format=content_format, policy=policy, text_field=text_field)
    base = Analysis(
        content_sha256, None, None, (), None, {"validity": parsed.validity}, modality, content_format,
        size=len(content), records=parsed.records,
    )  # fmt: skip
    if not parsed.ok:
        return base
    if modality == Modality.IMAGE:
        size = dimensions.image(parsed.width, parsed.height, profile=config["image"])
        shown = {"validity": parsed.validity, "image": size}
        weighed = _weighed(shown, config=config, modality=modality)
        return dataclasses.replace(base, dimensions=weighed, image_hash=perceptual_hash(content, config=config))
    if modality == Modality.TABULAR and "tables" in config and content_format in TABLE_FORMATS:
        table, rows = judge_table(content, validity=parsed.validity, content_format=content_format, config=config)
        return dataclasses.replace(base, dimensions=_weighed(table, config=config, modality=modality), documents=rows)
    if modality == Modality.TEXT and "gates" in config:
        return _analyse_documents(base, parsed=parsed, config=config)
    tokens = Tokens(parsed.text)
    if modality == Modality.TEXT:
        return _analyse_text(base, parsed=parsed, tokens=tokens, config=config)
    shown = {
        "validity": parsed.validity,
        "pii": dimensions.pii(parsed.text, words=tokens.word_count, profile=config["pii"]),
        "redundancy": dimensions.redundancy(parsed.units, noun="record", profile=config["redundancy"]),
    }
    # No text_sha256: the text of a table leaves out its numbers, so equal text is no proof of an equal table.
    return dataclasses.replace(base, dimensions=_weighed(shown, config=config, modality=modality))


def _analyse_text(
    base: Analysis, *, parsed: Parsed, tokens: Tokens, config: Mapping[str, Any], stats: TextStatistics | None = None
) -> Analysis:
    guess = detect_language(sample_units(parsed.units, config=config["language"]))
    profile = config["modalities"]["text"]["quality"]
    stats = stats if stats is not None else TextStatistics(tokens)
    noun = "paragraph" if base.content_format == "text" else "record"
    shown = {
        "validity": parsed.validity,
        "quality": dimensions.quality(stats, rules=quality_rules(profile), language=guess.language, profile=profile),
        "language": dimensions.language(guess, profile=config["language"]),
        "pii": dimensions.pii(parsed.text, words=stats.words, profile=config["pii"]),
        "toxicity": dimensions.toxicity(
            toxicity_bp(sample_units(parsed.units, config=config["toxicity"])), profile=config["toxicity"]
        ),
        "redundancy": dimensions.redundancy(parsed.units, noun=noun, profile=config["redundancy"]),
    }
    # Under a policy that checks each document for copies (v2 on), the upload as a whole is not MinHashed.
    minhash = None if "document_copies" in config else signature(tokens.hashes, config=config["minhash"])
    return Analysis(
        base.content_sha256,
        text_sha256=tokens.sha256,
        minhash=minhash,
        lsh_bands=band_keys(minhash, config=config["minhash"]),
        language=guess.language,
        dimensions=_weighed(shown, config=config, modality="text"),
        modality=base.modality,
        content_format=base.content_format,
        size=base.size,
        records=base.records,
    )


def _analyse_documents(base: Analysis, *, parsed: Parsed, config: Mapping[str, Any]) -> Analysis:
    """Judge each document, then measure what is kept as one text: the kept share scales the score."""
    decisions, kept_documents = decide(parsed.documents, judge=judge_for(config), copies=config.get("document_copies"))
    kept_dimension = _documents_dimension(decisions, config=config)
    kept_texts = [document.text for document in kept_documents]
    if not kept_texts:
        shown = {"validity": parsed.validity, "documents": kept_dimension}
        return dataclasses.replace(
            base, dimensions=_weighed(shown, config=config, modality="text"), documents=decisions
        )
    # One kept document (a plain-text file, say) is the kept text: its tokens and statistics are reused.
    alone = kept_documents[0] if len(kept_documents) == 1 else None
    tokens = alone.tokens if alone is not None else Tokens("\n\n".join(kept_texts))
    units = tuple(tokens.paragraphs) if base.content_format == "text" else tuple(kept_texts)
    kept = dataclasses.replace(parsed, units=units, text=tokens.text)
    stats = alone.stats if alone is not None else None
    analysis = _analyse_text(base, parsed=kept, tokens=tokens, config=config, stats=stats)
    shown = {**analysis.dimensions, "documents": kept_dimension}
    return dataclasses.replace(analysis, dimensions=shown, documents=decisions)


def _documents_dimension(decisions: DocumentDecisions, *, config: Mapping[str, Any]) -> Dimension:
    return documents_dimension(decisions, min_kept_share_bp=int(config["documents"]["min_kept_share_bp"]))


def _weighed(shown: Mapping[str, Dimension], *, config: Mapping[str, Any], modality: str) -> dict[str, Dimension]:
    weights = config["modalities"][modality]["weights"]
    return {name: dim.weighed(weights.get(name, 0)) for name, dim in shown.items()}


def finalise(analysis: Analysis, *, duplicates: Duplicates, policy: Policy) -> ScoreReport:
    """The score, verdict and explanation of an analysed upload, given what the shared index found."""
    shown = dict(analysis.dimensions)
    decisions = analysis.documents
    if decisions is not None and duplicates.document_copies:  # copies of earlier contributions' earn nothing
        decisions = decisions.without_copies(duplicates.document_copies)
        shown["documents"] = _documents_dimension(decisions, config=policy.config).weighed(shown["documents"].weight)
    shown["exact_duplicate"] = _exact(duplicates)
    if decisions is not None and decisions.checks_copies:
        shown["near_duplicate"] = _document_copies(decisions)
    elif analysis.image_hash is not None:  # an image's near copy is by its perceptual hash (v2 on)
        shown["near_duplicate"] = near_copy_dimension(duplicates, config=policy.config)
    else:
        shown["near_duplicate"] = _near(analysis, duplicates, threshold=policy.config["near_duplicate"]["threshold_bp"])
    gates = sorted(name for name, dim in shown.items() if dim.gate)
    weighed = {name: dim for name, dim in shown.items() if dim.weight}
    total_weight = sum(dim.weight for dim in weighed.values())
    mean = sum(dim.weight * dim.score for dim in weighed.values()) // total_weight if total_weight else 0
    if decisions is not None:  # what is dropped earns nothing: the kept share scales the score
        mean = mean * decisions.kept_share_bp // BP
    score = 0 if gates else mean
    pass_score = int(policy.config["pass_score"])
    verdict = "pass" if not gates and score >= pass_score else "fail"
    return ScoreReport(
        policy_hash=policy_hash(policy),
        score=score,
        verdict=verdict,
        dimensions={name: shown[name].public() for name in sorted(shown)},
        summary=_summary(shown, gates=gates, score=score, pass_score=pass_score),
        language=analysis.language,
        content_sha256=analysis.content_sha256,
        text_sha256=analysis.text_sha256,
        documents=decisions.public() if decisions is not None else None,
    )


def _exact(duplicates: Duplicates) -> Dimension:
    if duplicates.exact_of is None:
        return Dimension(
            0, BP, "every earlier contribution", "original", "No earlier contribution has the same content."
        )
    explanation = f"Contribution {duplicates.exact_of}, anchored earlier, has the same file or the same text."
    return Dimension(1, 0, {"contribution": duplicates.exact_of}, "exact_copy", explanation, gate=True)


def _near(analysis: Analysis, duplicates: Duplicates, *, threshold: int) -> Dimension:
    if analysis.minhash is None:
        return Dimension(0, BP, "not_applicable", "not_checked", "Near copies are checked for text only.")
    similarity = duplicates.near_similarity_bp or 0
    compared: dict[str, Any] = {"threshold_bp": threshold, "contribution": duplicates.near_of}
    if duplicates.near_of is None or similarity < threshold:
        explanation = f"No earlier contribution shares {threshold // 100}% or more of its 5-word phrases."
        return Dimension(similarity, BP, compared, "no_near_copy", explanation)
    explanation = (
        f"About {similarity // 100}% of its 5-word phrases match contribution {duplicates.near_of}, "
        f"anchored earlier (the limit is {threshold // 100}%)."
    )
    return Dimension(similarity, 0, compared, "near_copy", explanation, gate=True)


def _document_copies(decisions: DocumentDecisions) -> Dimension:
    """Copies of earlier contributions' documents, checked one document at a time: they are dropped, not gated."""
    copies = decisions.copies
    compared = "every document of the earlier contributions"
    if not copies:
        return Dimension(0, BP, compared, "no_copies", "No kept document copies a document of an earlier contribution.")
    first = copies[0]
    explanation = (
        f"{len(copies)} of its documents copy documents of earlier contributions and earn nothing (the first: "
        f"document {first.index}, {'a copy' if first.reason == COPY_OF_EARLIER else 'a near copy'} of contribution "
        f"{first.contribution}'s document {first.document})."
    )
    return Dimension(len(copies), BP, compared, "copies_dropped", explanation)


def _summary(shown: Mapping[str, Dimension], *, gates: list[str], score: int, pass_score: int) -> str:
    if gates:
        reasons = " ".join(shown[name].explanation for name in gates)
        return f"Score 0 of 10000, fail: {reasons}"
    scored = _scored_summary(shown, score=score, pass_score=pass_score)
    kept = shown.get("documents")  # what earns nothing comes first
    return f"{kept.explanation} {scored}" if kept is not None and kept.reason == "some_dropped" else scored


def _scored_summary(shown: Mapping[str, Dimension], *, score: int, pass_score: int) -> str:
    outcome = "pass" if score >= pass_score else f"fail (a pass needs {pass_score})"
    weighed = sorted((dim.score, name) for name, dim in shown.items() if dim.weight)
    weak = [f"{_NAMES[name]}: {shown[name].explanation}" for sub, name in weighed[:2] if sub < BP]
    if not weak:
        return f"Score {score} of 10000, {outcome}: every dimension is in its good range."
    return f"Score {score} of 10000, {outcome}. Lowest: " + " ".join(weak)
