"""Response models of the score routes."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from polyphony.scores.service import ScoreRecord


class ScorePublic(BaseModel):
    """A contribution's score with everything needed to recompute and check it (`polyphony verify score`)."""

    contribution_id: int
    cid: str | None
    format: str
    modality: str
    text_field: str | None = Field(default=None, description="The record field the upload named as its text")
    policy_hash: str
    policy_version: str | None
    policy_cid: str | None = Field(description="Where the policy document is pinned; its sha256 is the policy hash")
    policy_registered_block: int | None
    verdict: str
    score: int | None
    dimensions: dict[str, Any]
    explanation: str | None
    report: str | None = Field(description="The canonical report JSON the score was finalised as")
    language: str | None
    exact_of: int | None
    near_of: int | None
    near_similarity_bp: int | None
    duplicate_of: int | None
    novelty_bp: int | None = Field(description="Advisory semantic novelty, not part of the report")
    scorer: str | None
    attestation_signature: str | None
    chain_id: int
    registry: str
    scored_at: datetime

    @classmethod
    def of(cls, record: ScoreRecord, *, chain_id: int, registry: str) -> "ScorePublic":
        """The public view of `record`, attested under the registry at `registry` on chain `chain_id`."""
        row, policy = record.score, record.policy
        return cls(
            contribution_id=row.contribution_id, cid=record.cid, format=record.content_format,
            modality=record.modality, text_field=record.text_field, policy_hash=row.policy_hash,
            policy_version=policy.version if policy else None,
            policy_cid=policy.document_cid if policy else None,
            policy_registered_block=policy.block_number if policy else None, verdict=str(row.verdict),
            score=row.score, dimensions=row.dimensions, explanation=row.summary or row.reason, report=row.report,
            language=row.language, exact_of=row.exact_of, near_of=row.near_of,
            near_similarity_bp=row.near_similarity_bp, duplicate_of=row.duplicate_of, novelty_bp=row.novelty_bp,
            scorer=row.scorer, attestation_signature=row.attestation_signature, chain_id=chain_id,
            registry=registry, scored_at=row.scored_at,
        )  # fmt: skip


class ScorePreviewPublic(BaseModel):
    """What a file would score under the current policy, as `polyphony score --json` prints it; nothing is stored."""

    file: str
    score: int
    verdict: str
    records: int = Field(description="Documents read: records of a JSONL, CSV or Parquet file, or 1 for text")
    kept_records: int = Field(description="Documents the policy keeps (none when the file fails)")
    policy_hash: str
    summary: str
    dimensions: dict[str, Any]
