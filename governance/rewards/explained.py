"""A contribution's reward with every term of the formula that gave it, in words: `GET /contributions/{id}/reward`.

The numbers are the ones the epoch recorded (and pinned in its report), under the formula version that epoch
names; this module only says what each one means. A contribution no live epoch has paid yet answers
`paid: false` and why it waits.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from governance.rewards.epochs import reward_of
from governance.rewards.formula import FORMULA_CONSTANTS, FORMULA_V1, FORMULA_V3, checked_version
from polyphony.contributions import service as contributions
from polyphony.models.contribution import ContributionStatus
from polyphony.tokens import format_tokens

_MEANINGS = {
    "score": "the score (0-10000) when the verdict is pass; 0 for a fail",
    "duplicate_share_bps": "10000, or 0 when the contribution copies an earlier one (a copy earns nothing)",
    "language_bonus_bps": "language_bonus_bps x the share of the approved corpus in other languages",
    "modality_bonus_bps": "modality_bonus_bps x the share of the approved corpus in other modalities",
    "diversity_bps": "10000 + the language bonus + the modality bonus: 1x to 2x, more for what the corpus lacks",
    "weight": "score x size x duplicate share x diversity: the budget is split in proportion to the weights, "
    "at most the contributor cap to anyone, then over each contributor's contributions by weight",
    "credibility_bps": "the contributor's credibility as the epoch began: a moving average of their sampled "
    "documents' review outcomes decided before then (10000 when never sampled)",
    "credibility_multiplier_bps": "credibility^credibility_exponent, within multiplier_floor_bps and "
    "multiplier_ceiling_bps",
    "demand_bps": "the demand multiplier for the contribution's language, modality, license or topic (10000: none)",
    "demand_diversity_bps": "diversity x demand, capped at demand_diversity_cap_bps",
}
_WEIGHT_MEANING = {
    FORMULA_V3: "score x size x duplicate share x demand-diversity x credibility multiplier: the contributors' "
    "budget (the budget less the reviewers' share) is split in proportion to the weights, at most the contributor "
    "cap to anyone, then over each contributor's contributions by weight",
}
_SIZE_MEANING = {
    FORMULA_V1: "the file's bytes, capped at size_cap_bytes",
    "default": "the words of the documents the score kept, capped at size_cap_words (a file judged whole: its "
    "bytes / bytes_per_word; a table: that times the share of rows kept)",
}
_TERM_ORDER = (
    "score", "size", "duplicate_share_bps", "language_bonus_bps", "modality_bonus_bps", "diversity_bps",
    "demand_bps", "demand_diversity_bps", "credibility_bps", "credibility_multiplier_bps",
)  # fmt: skip


@dataclass(frozen=True)
class Term:
    """One term of the weight: its name in the report, its value, what it means."""

    name: str
    value: int | str
    meaning: str


@dataclass(frozen=True)
class RewardExplained:
    """What a contribution was paid, by which epoch, and how the formula got there."""

    contribution_id: int
    paid: bool
    waiting: str | None = None  # why it is not paid yet, when it is not
    epoch: int | None = None
    epoch_status: str | None = None
    amount: int = 0
    formula_version: str | None = None
    report_cid: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    terms: list[Term] = field(default_factory=list)
    constants: dict[str, int] = field(default_factory=dict)

    @property
    def amount_display(self) -> str:
        """The amount as a person reads it."""
        return format_tokens(self.amount)


def explain_reward(session: Session, contribution_id: int) -> RewardExplained:
    """The reward of `contribution_id` with its terms; 404 for no such contribution."""
    contribution = contributions.get(session, contribution_id)
    reward = reward_of(session, contribution_id)
    if reward is None:
        return RewardExplained(contribution_id, paid=False, waiting=_waiting(contribution.status))
    version = checked_version(reward["formula_version"])
    recorded: dict[str, Any] = reward.get("terms", {})
    return RewardExplained(
        contribution_id, paid=True, epoch=reward["epoch"], epoch_status=reward["epoch_status"],
        amount=int(reward["amount"]), formula_version=version, report_cid=reward["report_cid"],
        inputs=reward.get("inputs", {}), terms=_terms(recorded, version=version),
        constants=FORMULA_CONSTANTS[version],
    )  # fmt: skip


def _terms(recorded: dict[str, Any], *, version: str) -> list[Term]:
    named = [*_TERM_ORDER, "weight"]
    meanings = _MEANINGS | {"size": _SIZE_MEANING.get(version, _SIZE_MEANING["default"])}
    meanings["weight"] = _WEIGHT_MEANING.get(version, _MEANINGS["weight"])
    return [Term(name, recorded[name], meanings[name]) for name in named if name in recorded]


def _waiting(status: ContributionStatus) -> str:
    if status == ContributionStatus.WITHDRAWN:
        return "withdrawn: a withdrawn contribution is not paid"
    if status == ContributionStatus.SCORED:
        return "scored: the epoch its verdict landed in pays it when it closes"
    return f"{status}: a contribution is paid once it is scored and its epoch closes"
