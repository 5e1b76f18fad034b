"""Response models of `GET /coverage`: the corpus by language, modality and license, and the diversity bonuses."""

from pydantic import BaseModel, Field

from governance.coverage import Amounts, Bonus, Coverage, Slice
from polyphony.sizes import format_bytes


class AmountsPublic(BaseModel):
    contributions: int
    documents: int = Field(description="Documents a pull would write: the kept ones, 1 per file judged whole")
    bytes: int
    bytes_display: str = Field(description="The size as a person reads it, e.g. `1.5 MiB`")

    @classmethod
    def of(cls, amounts: Amounts) -> "AmountsPublic":
        return cls(
            contributions=amounts.contributions, documents=amounts.documents, bytes=amounts.bytes,
            bytes_display=format_bytes(amounts.bytes),
        )  # fmt: skip


class SlicePublic(AmountsPublic):
    bucket: str = Field(description="A UTC day (2026-12-02), an epoch number, `unpaid`, or `all` in `by`")
    value: str = Field(description="The language tag (und: unknown), modality or SPDX id; `other` for the rest")

    @classmethod
    def of_slice(cls, found: Slice) -> "SlicePublic":
        return cls(bucket=found.bucket, value=found.value, **AmountsPublic.of(found.amounts).model_dump())


class BonusPublic(BaseModel):
    value: str = Field(description="The language tag or modality")
    approved: int = Field(description="Approved contributions of it: the share the bonus is computed against")
    bonus_bps: int = Field(description="What it adds to the 10000 bps diversity multiplier now")


class DiversityPublic(BaseModel):
    """The reward formula's diversity multiplier now: 10000 + language bonus + modality bonus (bps), larger for
    what the approved corpus lacks. The formula has no license term."""

    formula_version: str
    approved: int = Field(description="Contributions in approved datasets; with none, every bonus is 0")
    languages: list[BonusPublic] = Field(
        description="Every language of the corpus or the approved corpus, most wanted first"
    )
    modalities: list[BonusPublic] = Field(description="Every modality, most wanted first")
    new_language_bonus_bps: int = Field(description="The bonus of a language nobody has contributed yet")
    language_bonus_max_bps: int
    modality_bonus_max_bps: int


class CoveragePublic(BaseModel):
    """`GET /coverage`: the corpus (anchored, not withdrawn, latest score passed) now and over time."""

    bucketing: str = Field(description="day (of the upload, UTC) or epoch (that paid it)")
    buckets: list[str] = Field(description="The buckets `series` covers, in order (only those with contributions)")
    totals: AmountsPublic = Field(description="The whole corpus now")
    by: dict[str, list[SlicePublic]] = Field(description="language, modality, license -> the corpus now per value")
    series: dict[str, list[SlicePublic]] = Field(description="language, modality, license -> per bucket and value")
    diversity: DiversityPublic

    @classmethod
    def of(cls, found: Coverage) -> "CoveragePublic":
        """The public view of `found`."""
        diversity = found.diversity
        return cls(
            bucketing=str(found.bucketing), buckets=found.buckets, totals=AmountsPublic.of(found.totals),
            by={name: [SlicePublic.of_slice(s) for s in slices] for name, slices in found.by.items()},
            series={name: [SlicePublic.of_slice(s) for s in slices] for name, slices in found.series.items()},
            diversity=DiversityPublic(
                formula_version=diversity.formula_version, approved=diversity.approved,
                languages=[_bonus(b) for b in diversity.languages],
                modalities=[_bonus(b) for b in diversity.modalities],
                new_language_bonus_bps=diversity.new_language_bonus_bps,
                language_bonus_max_bps=diversity.language_bonus_max_bps,
                modality_bonus_max_bps=diversity.modality_bonus_max_bps,
            ),
        )  # fmt: skip


def _bonus(bonus: Bonus) -> BonusPublic:
    return BonusPublic(value=bonus.value, approved=bonus.approved, bonus_bps=bonus.bonus_bps)
