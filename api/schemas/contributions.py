"""Response and request models of the contribution routes."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.schemas.fields import MAX_STORED_INTEGER, Signature
from governance.rewards.explained import RewardExplained
from polyphony.models.contribution import Contribution, ContributionEvent
from polyphony.models.score import ContributionScore
from polyphony.scores.documents import DocumentFate, DropReason, document_fates


class TimelineStepPublic(BaseModel):
    step: str
    at: datetime
    reason: str | None = None
    tx_hash: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class ContributionPublic(BaseModel):
    """A contribution as its contributor and the public see it."""

    id: int
    contributor: str
    cid: str | None
    sha256: str
    size: int
    status: str
    title: str
    description: str
    license: str
    modality: str
    format: str
    text_field: str | None = Field(
        default=None, description="The field of a record that holds its text, when the upload named one"
    )
    language: str | None
    topic: str | None = Field(default=None, description="The topic the upload declared, from GET /demand's topics")
    consent_sha256: str
    created_at: datetime
    timeline: list[TimelineStepPublic] = Field(default_factory=list)
    # Filled by the scoring stage (null until scored) and the rewards stage.
    score: int | None = None
    verdict: str | None = None
    dimensions: dict[str, Any] = Field(default_factory=dict)
    explanation: str | None = Field(default=None, description="Why the score is what it is, in plain words")
    policy_hash: str | None = Field(default=None, description="The scoring policy the score was computed with")
    duplicate_of: int | None = Field(default=None, description="The earlier contribution this one copies")
    records: int | None = Field(default=None, description="Documents read, where the policy judges each")
    kept_records: int | None = Field(
        default=None, description="Documents kept (and paid), where the policy judges each"
    )
    reward: dict[str, Any] | None = None

    @classmethod
    def of(
        cls, contribution: Contribution, steps: list[ContributionEvent] | None = None,
        scored: ContributionScore | None = None,
    ) -> "ContributionPublic":  # fmt: skip
        """The public view of `contribution`, with its timeline and score when given."""
        view = cls(
            id=int(contribution.id or 0), contributor=contribution.contributor, cid=contribution.cid,
            sha256=contribution.sha256, size=contribution.size, status=str(contribution.status),
            title=contribution.title, description=contribution.description, license=contribution.license,
            modality=contribution.modality, format=contribution.content_format, text_field=contribution.text_field,
            language=contribution.language, topic=contribution.topic,
            consent_sha256=contribution.consent_sha256, created_at=contribution.created_at,
            timeline=[TimelineStepPublic.model_validate(step, from_attributes=True) for step in steps or []],
        )  # fmt: skip
        return view.with_score(scored) if scored is not None else view

    @classmethod
    def listed(
        cls, page: Sequence[Contribution], scored: Mapping[int, ContributionScore],
        rewards: Mapping[int, dict[str, Any]],
    ) -> list["ContributionPublic"]:  # fmt: skip
        """A page of a list: each contribution with its latest score and its reward (no timeline)."""
        views = [cls.of(contribution, None, scored.get(int(contribution.id or 0))) for contribution in page]
        return [view.model_copy(update={"reward": rewards.get(view.id)}) for view in views]

    def with_score(self, scored: ContributionScore) -> "ContributionPublic":
        """This view with `scored`'s score, verdict, dimensions and explanation."""
        explanation = scored.summary if scored.verdict != "no-verdict" else (
            f"Not scored yet: {scored.reason or 'scoring could not finish'}. It is retried; this never lowers a score."
        )  # fmt: skip
        fates = document_fates(scored)
        return self.model_copy(update={
            "score": scored.score, "verdict": str(scored.verdict), "dimensions": scored.dimensions,
            "explanation": explanation, "policy_hash": scored.policy_hash, "duplicate_of": scored.duplicate_of,
            "records": fates.count if fates else None,
            "kept_records": fates.kept_in(str(scored.verdict)) if fates else None,
        })  # fmt: skip


class RecordPublic(BaseModel):
    """One document of a contribution: its index in the upload, kept or dropped, and why."""

    record: int
    status: str
    reason: str | None

    @classmethod
    def of(cls, fate: DocumentFate) -> "RecordPublic":
        return cls(record=fate.record, status=fate.status, reason=fate.reason)


class DropReasonPublic(BaseModel):
    """One reason documents of a contribution were dropped for: how many, and the first few of them."""

    reason: str = Field(description="The gate's stable reason, e.g. gopher_repetition")
    documents: int
    first_records: list[int] = Field(description="The first dropped documents' indices, for `/records`")

    @classmethod
    def of(cls, reason: DropReason) -> "DropReasonPublic":
        return cls(reason=reason.reason, documents=reason.documents, first_records=reason.first_records)


class RewardTermPublic(BaseModel):
    name: str
    value: int | str = Field(description="The weight is a decimal string (it outgrows JSON numbers)")
    meaning: str


class ContributionRewardPublic(BaseModel):
    """`GET /contributions/{id}/reward`: what it was paid, by which epoch, and every term of the formula."""

    contribution_id: int
    paid: bool = Field(description="Whether a closed epoch (not revoked) pays it")
    waiting: str | None = Field(description="Why it is not paid yet; null once paid")
    epoch: int | None
    epoch_status: str | None = Field(description="computed, proposed (amount pending) or active (claimable)")
    amount: str = Field(description="Token base units")
    amount_display: str = Field(description="The amount as a person reads it, e.g. `1,234.5 PLY`")
    formula_version: str | None
    report_cid: str | None = Field(description="The pinned epoch report: every input, term and amount")
    inputs: dict[str, Any] = Field(description="What the formula read of the contribution and its score")
    terms: list[RewardTermPublic] = Field(description="score, size, duplicate share, bonuses, diversity, weight")
    constants: dict[str, int] = Field(description="The formula version's published constants")

    @classmethod
    def of(cls, reward: RewardExplained) -> "ContributionRewardPublic":
        return cls(
            contribution_id=reward.contribution_id, paid=reward.paid, waiting=reward.waiting, epoch=reward.epoch,
            epoch_status=reward.epoch_status, amount=str(reward.amount), amount_display=reward.amount_display,
            formula_version=reward.formula_version, report_cid=reward.report_cid, inputs=reward.inputs,
            terms=[RewardTermPublic(name=t.name, value=t.value, meaning=t.meaning) for t in reward.terms],
            constants=reward.constants,
        )  # fmt: skip


class ClaimSignature(BaseModel):
    """`POST /contributions/{id}/claim`: the contributor's signature over the offered typed data."""

    signature: Signature


class RevocationSignature(BaseModel):
    """`POST /contributions/{id}/revocation`: the signature over the offered typed data, and its deadline."""

    signature: Signature
    deadline: int = Field(
        ge=0, le=MAX_STORED_INTEGER, description="The `deadline` of the typed data that was signed (unix seconds)"
    )
