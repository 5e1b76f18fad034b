"""The reward formulas, "polyphony-rewards/1", "/2" and "/3": how an epoch's budget is split, in exact integers.

Each contribution whose verdict landed in the epoch gets a weight, the product of published terms:

- score: the policy's 0-10000 score when the verdict is `pass`; 0 for `fail`. A `no-verdict` (an
  infrastructure error) is not paid at all yet: it waits, and is paid by the epoch its verdict lands in.
- size, under /2 and /3 (every epoch closed from now on): the words of the documents the score kept, capped at
  `SIZE_CAP_WORDS`, so a dropped document earns nothing and one huge upload cannot take the epoch. A score
  that judges no document alone (policy v1's, or an image's) has no kept words; its size is its bytes
  counted as words, `BYTES_PER_WORD` bytes to a word (English prose averages about six with the space), under
  the same cap: the cap is 1 MiB of text either way, so such an upload weighs what a fully kept text upload of
  its size weighs, no more. A table's documents are its rows, which have no words: its size is its bytes as
  words times the share of its rows kept. Under /1 (epochs closed before): the file's bytes, capped at `SIZE_CAP_BYTES`
  (1 MiB).
- duplicate share: `DUPLICATE_SHARE_BPS` (0) when the scorer found it copies an earlier contribution
  (`duplicate_of`), else 10000: a copy earns nothing, the original earns once.
- diversity: 10000 + `LANGUAGE_BONUS_BPS` x (1 - the share of the approved corpus in its language)
  + `MODALITY_BONUS_BPS` x (1 - the share in its modality), rounded down: between 1x and 2x, more for what
  the approved corpus lacks. With no approved corpus yet, every contribution gets 1x.

Under /3 two more terms come from the community's review (`governance/reviews/`), and the budget is split in two:

- demand: `demand_bps` (10000 when none is set), the DemandRegistry's multiplier for the contribution's
  language, modality, license or topic. It multiplies the diversity term, and their product (diversity x
  demand / 10000, rounded down) is capped at `DEMAND_DIVERSITY_CAP_BPS` (4x, the registry's own bound).
- credibility multiplier: from the contributor's `credibility_bps` (10000 for one never sampled), an
  exponential moving average of their sampled documents' review outcomes: credibility^`credibility_exponent`,
  clamped into [`multiplier_floor_bps`, `multiplier_ceiling_bps`] (see `governance/reviews/credibility.py`
  for the average and every parameter; all of them are published among the formula's constants). A document
  a majority of its reviewers rejected is dropped from the kept words like a gate failure, while its
  contribution is still unpaid; paid rewards are never taken back.
- the reviewers' share: `reviewer_share_bps` of the budget goes to the reviewers whose reviews landed in the
  epoch (`allocate_reviewers`: by reviews x agreement weight), the rest to contributors as below. A share
  no reviewer earns is left unallocated.

weight = score x size x duplicate share x diversity (/1, /2), or score x size x duplicate share x min(diversity
x demand, cap) x credibility multiplier (/3). The contributors' budget goes to contributors in proportion to
the sum of their weights, at most `contributor_cap` each: what a cap cuts is redistributed over the uncapped
contributors (water-filling), and is left unallocated only when every contributor is capped. Each
contributor's amount is then split over their contributions by weight. Both splits are exact: everyone gets
the floor of their share, and the units left over go one each to the largest remainders, ties broken by
ascending address (contributors) or contribution id (contributions). The sum never exceeds the budget.

An epoch's report names its formula version, and that version alone decides how the report recomputes: a /1
epoch verifies byte for byte forever, with /1's inputs, constants and size term, and a /2 epoch with /2's.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from governance.reviews.credibility import (
    CREDIBILITY_START_BPS,
    REVIEW_PARAMS,
    ReviewerTally,
    ReviewParams,
    credibility_multiplier_bps,
    reviewer_split,
)
from governance.reviews.sampling import REVIEWS_PER_DOCUMENT, SAMPLE_RATE_BPS
from governance.rewards.errors import UnknownFormula
from governance.rewards.split import largest_remainder as largest_remainder

FORMULA_V1 = "polyphony-rewards/1"
FORMULA_V2 = "polyphony-rewards/2"
FORMULA_V3 = "polyphony-rewards/3"
FORMULA_VERSION = FORMULA_V3  # what a new epoch is closed with
BPS = 10_000
SIZE_CAP_BYTES = 1 << 20
BYTES_PER_WORD = 6
SIZE_CAP_WORDS = SIZE_CAP_BYTES // BYTES_PER_WORD
DUPLICATE_SHARE_BPS = 0
LANGUAGE_BONUS_BPS = 5_000
MODALITY_BONUS_BPS = 5_000
UNKNOWN_LANGUAGE = "und"  # BCP 47 "undetermined"
TABULAR = "tabular"
DEMAND_DIVERSITY_CAP_BPS = 40_000  # the DemandRegistry's MAX_PRODUCT_BPS: the contract bounds the product

_SHARED_CONSTANTS = {
    "bps": BPS,
    "duplicate_share_bps": DUPLICATE_SHARE_BPS,
    "language_bonus_bps": LANGUAGE_BONUS_BPS,
    "modality_bonus_bps": MODALITY_BONUS_BPS,
}
_V2_CONSTANTS = {**_SHARED_CONSTANTS, "size_cap_words": SIZE_CAP_WORDS, "bytes_per_word": BYTES_PER_WORD}
# /3 publishes the review's parameters too: the credibility average, its multiplier and the reviewers' share.
_V3_CONSTANTS = {
    **_V2_CONSTANTS, "demand_diversity_cap_bps": DEMAND_DIVERSITY_CAP_BPS,
    "credibility_start_bps": CREDIBILITY_START_BPS, "sample_rate_bps": SAMPLE_RATE_BPS,
    "reviews_per_document": REVIEWS_PER_DOCUMENT, **REVIEW_PARAMS.to_json(),
}  # fmt: skip
# What each version's report publishes as its constants.
FORMULA_CONSTANTS: dict[str, dict[str, int]] = {
    FORMULA_V1: {**_SHARED_CONSTANTS, "size_cap_bytes": SIZE_CAP_BYTES},
    FORMULA_V2: _V2_CONSTANTS,
    FORMULA_V3: _V3_CONSTANTS,
}
_V1_INPUTS = (
    "contribution_id", "contributor", "verdict", "score", "size", "duplicate_of", "language", "modality",
    "policy_hash",
)  # fmt: skip
_V2_INPUTS = (*_V1_INPUTS, "records", "kept_records", "kept_words")
# The fields each version's report lists for every input; /2 adds the score's documents (null where it judges
# none alone): records read, records kept and the words they hold; /3 the contributor's credibility and the
# contribution's demand multiplier (null: never sampled, no demand set).
INPUT_FIELDS: dict[str, tuple[str, ...]] = {
    FORMULA_V1: _V1_INPUTS,
    FORMULA_V2: _V2_INPUTS,
    FORMULA_V3: (*_V2_INPUTS, "license", "topic", "credibility_bps", "demand_bps"),
}


def checked_version(version: str) -> str:
    """`version` if this code computes it; `UnknownFormula` otherwise."""
    if version not in FORMULA_CONSTANTS:
        raise UnknownFormula(
            f"the reward formula {version!r} is not one this code computes ({', '.join(sorted(FORMULA_CONSTANTS))})"
        )
    return version


@dataclass(frozen=True)
class RewardInput:
    """What the formula reads of one scored contribution."""

    contribution_id: int
    contributor: str
    verdict: str
    score: int
    size: int
    duplicate_of: int | None
    language: str
    modality: str
    policy_hash: str
    # The score's documents (None when it judges none alone): records read, records kept (none for a fail),
    # and the words of the kept ones.
    records: int | None = None
    kept_records: int | None = None
    kept_words: int | None = None
    # /3: the contributor's credibility when the epoch closed (None: never sampled, 10000), and the demand
    # multiplier for what the contribution is (None: no demand set, 10000).
    credibility_bps: int | None = None
    demand_bps: int | None = None
    # /3: what the demand multiplier matched besides language and modality.
    license: str | None = None
    topic: str | None = None

    def to_json(self, version: str = FORMULA_VERSION) -> dict[str, Any]:
        """The input as an epoch report of formula `version` lists it."""
        return {name: getattr(self, name) for name in INPUT_FIELDS[checked_version(version)]}

    @classmethod
    def from_json(cls, entry: Mapping[str, Any], version: str = FORMULA_VERSION) -> "RewardInput":
        """The input back from a report of formula `version`: what that version lists, nothing else."""
        listed = INPUT_FIELDS[checked_version(version)]
        found: dict[str, Any] = {name: entry[name] if name in _V1_INPUTS else entry.get(name) for name in listed}
        return cls(**found)


@dataclass(frozen=True)
class Corpus:
    """How many approved contributions there are, per language and per modality."""

    total: int
    languages: Mapping[str, int]
    modalities: Mapping[str, int]

    @classmethod
    def of(cls, members: Iterable[tuple[str, str]]) -> "Corpus":
        """The corpus of (language, modality) pairs, one per approved contribution."""
        pairs = list(members)
        return cls(len(pairs), Counter(language for language, _ in pairs), Counter(m for _, m in pairs))

    def to_json(self) -> dict[str, Any]:
        """The counts as the epoch report lists them."""
        return {"total": self.total, "languages": dict(sorted(self.languages.items())),
                "modalities": dict(sorted(self.modalities.items()))}  # fmt: skip

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> "Corpus":
        """The counts back from the report."""
        return cls(int(entry["total"]), dict(entry["languages"]), dict(entry["modalities"]))


def normal_language(language: str | None) -> str:
    """A language tag as the formula compares it: lower case, "und" when unknown."""
    return (language or UNKNOWN_LANGUAGE).strip().lower() or UNKNOWN_LANGUAGE


def size_term(item: RewardInput, version: str = FORMULA_VERSION) -> int:
    """The size term of `item` under formula `version` (see the module docstring)."""
    if checked_version(version) == FORMULA_V1:
        return min(item.size, SIZE_CAP_BYTES)
    as_words = item.size // BYTES_PER_WORD
    if item.kept_words is None or item.kept_records is None or not item.records:
        return min(as_words, SIZE_CAP_WORDS)
    if item.modality == TABULAR:  # a table's documents are rows: its bytes, in the share of rows it keeps
        return min(as_words * item.kept_records // item.records, SIZE_CAP_WORDS)
    return min(item.kept_words, SIZE_CAP_WORDS)


def terms_of(
    item: RewardInput, corpus: Corpus, version: str = FORMULA_VERSION, *, review: ReviewParams = REVIEW_PARAMS
) -> dict[str, int]:
    """Every term of `item`'s weight under formula `version`, and the weight."""
    score = item.score if item.verdict == "pass" else 0
    size = size_term(item, version)
    duplicate = DUPLICATE_SHARE_BPS if item.duplicate_of is not None else BPS
    language_bonus = language_bonus_bps(corpus, item.language)
    modality_bonus = modality_bonus_bps(corpus, item.modality)
    diversity = BPS + language_bonus + modality_bonus
    terms = {
        "score": score, "size": size, "duplicate_share_bps": duplicate, "language_bonus_bps": language_bonus,
        "modality_bonus_bps": modality_bonus, "diversity_bps": diversity,
        "weight": score * size * duplicate * diversity,
    }  # fmt: skip
    if version != FORMULA_V3:
        return terms
    added = review_terms(item, diversity_bps=diversity, review=review)
    weight = score * size * duplicate * added["demand_diversity_bps"] * added["credibility_multiplier_bps"]
    return terms | added | {"weight": weight}


def review_terms(item: RewardInput, *, diversity_bps: int, review: ReviewParams = REVIEW_PARAMS) -> dict[str, int]:
    """The terms /3 adds: credibility and its multiplier, demand and its bounded product with diversity."""
    credibility = CREDIBILITY_START_BPS if item.credibility_bps is None else item.credibility_bps
    demand = BPS if item.demand_bps is None else item.demand_bps
    return {
        "credibility_bps": credibility, "credibility_multiplier_bps": credibility_multiplier_bps(credibility, review),
        "demand_bps": demand, "demand_diversity_bps": min(diversity_bps * demand // BPS, DEMAND_DIVERSITY_CAP_BPS),
    }  # fmt: skip


def language_bonus_bps(corpus: Corpus, language: str) -> int:
    """The diversity bonus of a contribution in `language` (as `normal_language` writes it) against `corpus`."""
    return _bonus(LANGUAGE_BONUS_BPS, corpus.languages.get(language, 0), corpus.total)


def modality_bonus_bps(corpus: Corpus, modality: str) -> int:
    """The diversity bonus of a contribution of `modality` against `corpus`."""
    return _bonus(MODALITY_BONUS_BPS, corpus.modalities.get(modality, 0), corpus.total)


def new_language_bonus_bps(corpus: Corpus) -> int:
    """The diversity bonus of a contribution in a language no approved contribution has."""
    return _bonus(LANGUAGE_BONUS_BPS, 0, corpus.total)


def _bonus(bonus_bps: int, alike: int, total: int) -> int:
    """`bonus_bps` x the share of the corpus that is not alike, rounded down; 0 with no corpus."""
    return 0 if total == 0 else bonus_bps * (total - alike) // total


@dataclass(frozen=True)
class Allocation:
    """The split of one epoch's budget."""

    terms: dict[int, dict[str, int]]  # contribution id -> its terms and weight
    amounts: dict[int, int]  # contribution id -> base units
    contributors: dict[str, int]  # address -> base units
    capped: frozenset[str]

    @property
    def allocated(self) -> int:
        """The sum of every amount."""
        return sum(self.contributors.values())


def allocate(
    items: Sequence[RewardInput], *, budget: int, contributor_cap: int, corpus: Corpus, version: str = FORMULA_VERSION,
    review: ReviewParams = REVIEW_PARAMS,
) -> Allocation:  # fmt: skip
    """Split the contributors' part of `budget` over `items` by formula `version`, at most `contributor_cap` each."""
    terms = {item.contribution_id: terms_of(item, corpus, version, review=review) for item in items}
    by_contributor: dict[str, list[int]] = {}
    for item in items:
        by_contributor.setdefault(item.contributor, []).append(item.contribution_id)
    weights = {who: sum(terms[cid]["weight"] for cid in ids) for who, ids in by_contributor.items()}
    contributors_budget = budget - reviewer_budget(budget, version, review=review)
    contributors, capped = _capped_split(weights, budget=contributors_budget, cap=contributor_cap)
    amounts: dict[int, int] = {}
    for who, ids in by_contributor.items():
        amounts |= largest_remainder(contributors[who], [(cid, terms[cid]["weight"]) for cid in sorted(ids)])
    return Allocation(terms, amounts, contributors, frozenset(capped))


def reviewer_budget(budget: int, version: str = FORMULA_VERSION, *, review: ReviewParams = REVIEW_PARAMS) -> int:
    """The reviewers' part of `budget` under formula `version`: `reviewer_share_bps` of it under /3, else none."""
    return budget * review.reviewer_share_bps // BPS if checked_version(version) == FORMULA_V3 else 0


def allocate_reviewers(
    reviewers: Sequence[ReviewerTally], *, budget: int, review: ReviewParams = REVIEW_PARAMS
) -> dict[str, int]:
    """Split the reviewers' part of an epoch's `budget` (under /3) by reviews x agreement weight, exactly."""
    return reviewer_split(reviewer_budget(budget, FORMULA_V3, review=review), reviewers, review)


def _capped_split(weights: Mapping[str, int], *, budget: int, cap: int) -> tuple[dict[str, int], set[str]]:
    """Water-filling: cap whoever the proportional split would pay more than `cap`, split the rest again."""
    capped: set[str] = set()
    while True:
        free = {who: weight for who, weight in weights.items() if who not in capped and weight > 0}
        rest, free_weight = budget - cap * len(capped), sum(free.values())
        over = {who for who, weight in free.items() if rest * weight > cap * free_weight}
        if not over:
            break
        capped |= over
    amounts = {who: 0 for who in weights} | {who: cap for who in capped}
    amounts |= largest_remainder(rest, sorted(free.items()))
    return amounts, capped
