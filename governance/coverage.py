"""The corpus by language, modality and license over time, and what the diversity multiplier favours now.

The corpus is what a dataset could take today: every anchored, not withdrawn contribution whose latest score
passed (the selection of `POST /datasets` with no filter), counted in contributions, the documents a pull
would write (its kept ones; 1 for a file judged as a whole) and bytes. Over time it is bucketed by the UTC day
of the upload, or by the epoch that paid it. The answer is bounded whatever the corpus: at most `MAX_BUCKETS`
buckets (and `unpaid`), and per breakdown the `TOP_VALUES` largest values by bytes, the rest summed under `other`.

The diversity bonuses are the reward formula's own (`governance/rewards/formula.py`), against the approved
corpus the next epoch will read (`approved_corpus`): a language or modality the approved corpus lacks gets the
most. The formula has a language and a modality term, and no license term.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from sqlmodel import Session, col, select

from governance.datasets.preview import documents_of
from governance.datasets.service import DatasetFilters, Member, selected_members
from governance.rewards.epochs import approved_corpus
from governance.rewards.formula import (
    FORMULA_VERSION,
    LANGUAGE_BONUS_BPS,
    MODALITY_BONUS_BPS,
    Corpus,
    language_bonus_bps,
    modality_bonus_bps,
    new_language_bonus_bps,
    normal_language,
)
from polyphony.clock import utcnow
from polyphony.formats.declared import Modality
from polyphony.models.contribution import Contribution
from polyphony.models.epoch import Epoch, EpochReward, EpochStatus

MAX_BUCKETS = 366
TOP_VALUES = 20
OTHER = "other"
UNPAID = "unpaid"  # the epoch bucket of a contribution no live epoch has paid yet
BREAKDOWNS = ("language", "modality", "license")


class Bucketing(StrEnum):
    DAY = "day"  # the UTC day of the upload, e.g. 2026-12-02
    EPOCH = "epoch"  # the number of the epoch that paid it, or "unpaid"


@dataclass
class Amounts:
    """How much of the corpus one slice holds."""

    contributions: int = 0
    documents: int = 0
    bytes: int = 0

    def add(self, member: Member) -> None:
        """Count `member` in."""
        self.contributions += 1
        self.documents += documents_of(member)
        self.bytes += member.size


@dataclass(frozen=True)
class Slice:
    """One bucket of one value of one breakdown: e.g. day 2026-12-02, language en."""

    bucket: str
    value: str
    amounts: Amounts


@dataclass(frozen=True)
class Bonus:
    """The diversity bonus a contribution of one language or modality gets now, and the approved share behind it."""

    value: str
    approved: int  # approved contributions of it
    bonus_bps: int


@dataclass(frozen=True)
class Diversity:
    """What the diversity multiplier favours now: 10000 + a language bonus + a modality bonus, in bps."""

    formula_version: str
    approved: int
    languages: list[Bonus]
    modalities: list[Bonus]
    new_language_bonus_bps: int  # for a language no approved contribution has
    language_bonus_max_bps: int
    modality_bonus_max_bps: int


@dataclass(frozen=True)
class Coverage:
    """The corpus now (`totals`), over time (`series`), per breakdown; and the diversity bonuses."""

    bucketing: Bucketing
    buckets: list[str]
    totals: Amounts
    by: dict[str, list[Slice]]  # breakdown -> totals per value, largest first
    series: dict[str, list[Slice]]  # breakdown -> per bucket and value, in bucket order
    diversity: Diversity


def coverage(session: Session, *, bucketing: Bucketing, buckets: int, now: datetime | None = None) -> Coverage:
    """The corpus and its last `buckets` days or epochs (at most `MAX_BUCKETS`), with the diversity bonuses."""
    members = selected_members(session, DatasetFilters())
    labels = _bucket_labels(session, members, bucketing=bucketing, buckets=buckets, now=now or utcnow())
    in_window = [member for member in members if member.contribution_id in labels]
    totals = Amounts()
    for member in members:
        totals.add(member)
    by, series = {}, {}
    for breakdown in BREAKDOWNS:
        top = top_values(members, breakdown)
        by[breakdown] = sliced(members, breakdown, top, bucket_of=lambda _: "all")
        series[breakdown] = sliced(in_window, breakdown, top, bucket_of=lambda member: labels[member.contribution_id])
    return Coverage(
        bucketing=bucketing, buckets=sorted(set(labels.values()), key=_bucket_order), totals=totals, by=by,
        series=series, diversity=current_diversity(session, members),
    )  # fmt: skip


def value_of(member: Member, breakdown: str) -> str:
    """The language, modality or license of `member`, as the breakdown names it."""
    if breakdown == "language":
        return normal_language(member.language)
    return member.modality if breakdown == "modality" else member.license


def top_values(members: Sequence[Member], breakdown: str) -> set[str]:
    """The `TOP_VALUES` values of `breakdown` holding the most bytes (ties by value); the rest is `other`."""
    sizes: Counter[str] = Counter()
    for member in members:
        sizes[value_of(member, breakdown)] += member.size
    ranked = sorted(sizes.items(), key=lambda item: (-item[1], item[0]))
    return {value for value, _ in ranked[:TOP_VALUES]}


def sliced(
    members: Iterable[Member], breakdown: str, top: set[str], *, bucket_of: Callable[[Member], str]
) -> list[Slice]:
    """`members` summed per bucket and value (a value outside `top` as `other`), buckets in order, largest first."""
    amounts: defaultdict[tuple[str, str], Amounts] = defaultdict(Amounts)
    for member in members:
        value = value_of(member, breakdown)
        amounts[bucket_of(member), value if value in top else OTHER].add(member)
    ordered = sorted(amounts.items(), key=lambda item: (_bucket_order(item[0][0]), -item[1].bytes, item[0][1]))
    return [Slice(bucket, value, found) for (bucket, value), found in ordered]


def _bucket_labels(
    session: Session, members: Sequence[Member], *, bucketing: Bucketing, buckets: int, now: datetime
) -> dict[int, str]:
    """Each member in the window, by id, with its bucket's label."""
    wanted = max(1, min(buckets, MAX_BUCKETS))
    ids = [member.contribution_id for member in members]
    if bucketing == Bucketing.DAY:
        return _days(session, ids, first=(now.astimezone(UTC) - timedelta(days=wanted - 1)).date())
    return _epochs(session, ids, wanted=wanted)


def _days(session: Session, ids: list[int], *, first: date) -> dict[int, str]:
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    query = select(Contribution.id, Contribution.created_at).where(
        col(Contribution.id).in_(ids), col(Contribution.created_at) >= start
    )
    return {int(cid or 0): created.date().isoformat() for cid, created in session.exec(query)}


def _epochs(session: Session, ids: list[int], *, wanted: int) -> dict[int, str]:
    """The epoch that paid each member (a live one: not revoked) among the last `wanted`, or `unpaid`."""
    query = (
        select(EpochReward.contribution_id, Epoch.number)
        .join(Epoch, col(Epoch.id) == col(EpochReward.epoch_id))
        .where(col(EpochReward.contribution_id).in_(ids), Epoch.status != EpochStatus.REVOKED)
    )
    paid = dict(session.exec(query).all())
    recent = set(sorted(set(paid.values()))[-wanted:])
    labels = {cid: str(number) for cid, number in paid.items() if number in recent}
    return labels | {cid: UNPAID for cid in ids if cid not in paid}


def _bucket_order(label: str) -> tuple[int, str]:
    """Days sort as text; epoch numbers as numbers, `unpaid` after them."""
    return (int(label), "") if label.isdigit() else (1 << 62 if label == UNPAID else 0, label)


def current_diversity(session: Session, members: Sequence[Member]) -> Diversity:
    """The language and modality bonuses the next epoch would give, for every language in the corpus or approved."""
    corpus = approved_corpus(session)
    languages = sorted(set(corpus.languages) | {value_of(member, "language") for member in members})
    return Diversity(
        formula_version=FORMULA_VERSION, approved=corpus.total,
        languages=sorted((_language(corpus, language) for language in languages), key=_favoured),
        modalities=sorted((_modality(corpus, str(modality)) for modality in Modality), key=_favoured),
        new_language_bonus_bps=new_language_bonus_bps(corpus), language_bonus_max_bps=LANGUAGE_BONUS_BPS,
        modality_bonus_max_bps=MODALITY_BONUS_BPS,
    )  # fmt: skip


def _language(corpus: Corpus, language: str) -> Bonus:
    return Bonus(language, corpus.languages.get(language, 0), language_bonus_bps(corpus, language))


def _modality(corpus: Corpus, modality: str) -> Bonus:
    return Bonus(modality, corpus.modalities.get(modality, 0), modality_bonus_bps(corpus, modality))


def _favoured(bonus: Bonus) -> tuple[int, str]:
    return -bonus.bonus_bps, bonus.value
