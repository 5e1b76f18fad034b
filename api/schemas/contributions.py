"""Response and request models of the contribution routes."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.schemas.fields import MAX_STORED_INTEGER
from polyphony.models.contribution import Contribution, ContributionEvent
from polyphony.models.score import ContributionScore
from polyphony.scores.documents import DocumentFate, document_fates


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
            language=contribution.language,
            consent_sha256=contribution.consent_sha256, created_at=contribution.created_at,
            timeline=[TimelineStepPublic.model_validate(step, from_attributes=True) for step in steps or []],
        )  # fmt: skip
        return view.with_score(scored) if scored is not None else view

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


class ClaimSignature(BaseModel):
    """`POST /contributions/{id}/claim`: the contributor's signature over the offered typed data."""

    signature: str = Field(pattern=r"^0x[0-9a-fA-F]{130}$", description="65-byte secp256k1 signature, 0x-hex")


class RevocationSignature(BaseModel):
    """`POST /contributions/{id}/revocation`: the signature over the offered typed data, and its deadline."""

    signature: str = Field(pattern=r"^0x[0-9a-fA-F]{130}$", description="65-byte secp256k1 signature, 0x-hex")
    deadline: int = Field(
        ge=0, le=MAX_STORED_INTEGER, description="The `deadline` of the typed data that was signed (unix seconds)"
    )
