"""What scoring produces: one Dimension per measured quality, the Analysis of the bytes, the final ScoreReport.

Every number here is an integer (basis points, counts, pixels), so a report serialises to the same bytes on any
machine. Shares and probabilities are basis points: 10000 = 100 %.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from polyphony.scoring.copies import DocumentKey

BP = 10_000  # basis points in one
_SCALARS = frozenset({int, str, bool, type(None)})


@dataclass(frozen=True)
class Dimension:
    """One measured quality: its value, its 0-10000 sub-score, what it was compared with, and why.

    `gate` marks a dimension whose failure fails the whole contribution whatever the other dimensions say
    (unparseable bytes, an exact or near copy). `weight` is the dimension's share in the weighted mean (0 = shown,
    not scored). `features` holds the integer statistics behind a composite value (heuristic quality).
    """

    value: int
    score: int
    compared_with: str | int | Mapping[str, Any]
    reason: str
    explanation: str
    weight: int = 0
    gate: bool = False
    features: Mapping[str, int] = field(default_factory=dict)

    def weighed(self, weight: int) -> "Dimension":
        """This dimension with another weight (the constructor, not dataclasses.replace: ten times cheaper)."""
        return Dimension(
            self.value, self.score, self.compared_with, self.reason, self.explanation, weight, self.gate, self.features
        )

    def public(self) -> dict[str, Any]:
        """The JSON-able form stored with the score and shown to contributors."""
        shown: dict[str, Any] = {
            "value": self.value,
            "score": self.score,
            "weight": self.weight,
            "compared_with": _plain(self.compared_with),
            "reason": self.reason,
            "explanation": self.explanation,
        }
        if self.features:
            shown["features"] = dict(sorted(self.features.items()))
        return shown


@dataclass(frozen=True)
class DocumentCopy:
    """A kept document of an upload that copies a document of an earlier contribution, in anchoring order."""

    index: int  # the copying document, in this upload
    contribution: int  # the earlier contribution
    document: int  # the copied document, in the earlier contribution's upload
    similarity_bp: int  # BP for an exact copy (the same normalised text), else the estimated Jaccard similarity

    @property
    def reason(self) -> str:
        """The reason the copying document is dropped for."""
        return COPY_OF_EARLIER if self.similarity_bp == BP else NEAR_COPY_OF_EARLIER

    def public(self) -> list[int]:
        return [self.index, self.contribution, self.document, self.similarity_bp]


COPY_OF_EARLIER = "copy_of_earlier"
NEAR_COPY_OF_EARLIER = "near_copy_of_earlier"


@dataclass(frozen=True)
class DocumentDecisions:
    """Which documents of an upload are kept, and why the others were dropped (reason -> their indices).

    `keys` holds what the shared index keeps of each kept document (under a policy with a `document_copies`
    section), `copies` the kept documents found to copy an earlier contribution's, which `without_copies` drops.
    """

    count: int
    kept: tuple[int, ...]
    dropped: Mapping[str, tuple[int, ...]]
    words: int
    kept_words: int
    kept_word_counts: tuple[int, ...] = ()  # the words of each kept document, in the order of `kept`
    keys: tuple["DocumentKey", ...] = ()
    copies: tuple[DocumentCopy, ...] = ()
    checks_copies: bool = False  # whether the policy checks documents against earlier contributions' (v2 on)

    def without_copies(self, copies: Sequence[DocumentCopy]) -> "DocumentDecisions":
        """These decisions with the documents `copies` names dropped as copies of earlier contributions'."""
        copying = {copy.index: copy for copy in copies}
        if not copying:
            return self
        dropped = {reason: list(indices) for reason, indices in self.dropped.items()}
        for copy in sorted(copying.values(), key=lambda found: found.index):
            dropped.setdefault(copy.reason, []).append(copy.index)
        kept = [(index, words) for index, words in zip(self.kept, self.kept_word_counts, strict=True)
                if index not in copying]  # fmt: skip
        return DocumentDecisions(
            count=self.count, kept=tuple(index for index, _ in kept),
            dropped={reason: tuple(indices) for reason, indices in dropped.items()}, words=self.words,
            kept_words=sum(words for _, words in kept), kept_word_counts=tuple(words for _, words in kept),
            keys=tuple(key for key in self.keys if key.index not in copying),
            copies=tuple(sorted(copying.values(), key=lambda found: found.index)), checks_copies=self.checks_copies,
        )  # fmt: skip

    @property
    def kept_share_bp(self) -> int:
        """The share of the upload's words in kept documents."""
        return self.kept_words * BP // self.words if self.words else 0

    def public(self) -> dict[str, Any]:
        """The form the score report carries, so anyone can recompute every decision."""
        shown: dict[str, Any] = {
            "count": self.count, "kept": len(self.kept), "words": self.words, "kept_words": self.kept_words,
            "dropped": {reason: list(indices) for reason, indices in sorted(self.dropped.items())},
        }  # fmt: skip
        if self.checks_copies:
            shown["copies"] = [copy.public() for copy in self.copies]
        return shown


@dataclass(frozen=True)
class Analysis:
    """Everything computable from the bytes alone, before the shared near-duplicate index is asked.

    - `content_sha256`: hex sha256 of the uploaded bytes.
    - `text_sha256`: hex sha256 of the normalised text (see `polyphony.scoring.text.normalise`) of a text-modality
      upload: the whole file for plain text, the records' texts joined by blank lines for JSONL, CSV and Parquet.
      Equal text_sha256 means an exact copy. None for tabular and image uploads (exact copies by file bytes only).
    - `minhash`: the MinHash signature of the normalised text's word 5-grams (see `polyphony.scoring.minhash`),
      None when there is no word or the modality has no near-duplicate check.
    - `lsh_bands`: one hex key per LSH band, what the shared index stores; empty when `minhash` is None.
    - `language`: ISO 639 code from fastText lid.176, None when there is no text to detect.
    - `dimensions`: every dimension measurable from the bytes, keyed by name.
    - `documents`: the decision for each document (a text upload's record, a table's row), v2 on.
    - `image_hash`: an image's perceptual hash, for the near-copy check of images (`polyphony.scoring.images`).
    """

    content_sha256: str
    text_sha256: str | None
    minhash: tuple[int, ...] | None
    lsh_bands: tuple[str, ...]
    language: str | None
    dimensions: Mapping[str, Dimension]
    modality: str = "text"
    content_format: str = "text"
    size: int = 0
    records: int = 0
    documents: DocumentDecisions | None = None  # for policies that judge documents (v2 on); None under v1
    image_hash: str | None = None  # an image's perceptual hash (hex), for policies that check images (v2 on)


@dataclass(frozen=True)
class Duplicates:
    """What the shared index found for this contribution, supplied by the caller (earlier in anchoring order)."""

    exact_of: int | None = None  # contribution id of an earlier exact copy (same file bytes or same normalised text)
    near_of: int | None = None  # contribution id of an earlier near copy (shares an LSH band)
    # MinHash-estimated Jaccard similarity with `near_of`, basis points; for an image, the share of the perceptual
    # hash's bits the two agree on (`polyphony.scoring.images`)
    near_similarity_bp: int | None = None
    document_copies: tuple[DocumentCopy, ...] = ()  # kept documents that copy earlier contributions' documents


@dataclass(frozen=True)
class ScoreReport:
    """The score of one contribution under one policy: recomputable byte for byte from the bytes and the policy."""

    policy_hash: str
    score: int  # 0-10000
    verdict: str  # "pass" | "fail"
    dimensions: Mapping[str, Any]
    summary: str
    language: str | None = None
    content_sha256: str = ""
    text_sha256: str | None = None
    documents: Mapping[str, Any] | None = None  # every document's fate, for policies that judge documents


def report_bytes(report: ScoreReport) -> bytes:
    """Canonical JSON of a report (sorted keys, no whitespace, UTF-8): what `verify score` compares byte for byte."""
    document = {
        "policy_hash": report.policy_hash,
        "score": report.score,
        "verdict": report.verdict,
        "dimensions": _plain(report.dimensions),
        "summary": report.summary,
        "language": report.language,
        "content_sha256": report.content_sha256,
        "text_sha256": report.text_sha256,
    }
    if report.documents is not None:  # absent under v1, whose reports must keep their bytes
        document["documents"] = _plain(report.documents)
    return canonical_json(document)


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, non-ASCII kept as UTF-8; floats are refused so no machine can round differently."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # Read back by the C scanner, which calls these hooks only for a float, NaN or an infinity.
    json.loads(text, parse_float=_refuse_float, parse_constant=_refuse_float)
    return text.encode()


def _plain(value: Any) -> Any:
    """Mappings and sequences as dicts and lists, for JSON."""
    if type(value) in _SCALARS:  # most values: one type lookup before the abstract-class checks
        return value
    if isinstance(value, Mapping):
        return {str(key): item if type(item) in _SCALARS else _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _refuse_float(literal: str) -> Any:
    raise TypeError(f"a float ({literal}) in a canonical document: convert it to an integer (basis points) first")
