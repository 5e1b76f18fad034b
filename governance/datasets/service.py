"""Datasets: filters select scored contributions; the members become a Croissant manifest and a Merkle root.

The manifest is Croissant 1.0 JSON-LD (it loads in `mlcroissant`): one `cr:FileObject` per contribution
(`contentUrl` `ipfs://<cid>`, its sha256 and size) and a `contributions` record set whose inline rows carry
each contribution's CID, sha256, license, contributor, score, provenance batch (root, tx) and, where its score
judged each document (policy v2 on), how many documents it read (`documents`) and which it kept
(`kept_documents`, ranges such as "0-3,5": `kept.py`); both are null for a file judged as a whole. The pull
writes only the kept documents. It also names the Merkle root over the members, whose leaves are the
OpenZeppelin standard encoding of

    (uint256 contribution id, bytes32 content sha256, bytes32 keccak256(UTF-8 bytes of the base32 CID))

so a trainer recomputes the root from the manifest alone and compares it with the one approved on-chain. The
root fixes the files; the manifest's CID, approved on-chain with it, fixes every row, the kept documents too.
The same members give the same bytes, hence the same CID: nothing in the manifest depends on when it was built.
"""

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from chain.addresses import checksum_address
from chain.merkle import StandardMerkleTree, keccak
from governance.datasets.errors import (
    DatasetNotFound,
    EmptySelection,
    IneligibleContributions,
    InvalidFilters,
    UnknownContributions,
)
from governance.datasets.kept import kept_documents
from governance.reviews.service import rejected_records
from polyphony.contributions.licenses import check_license
from polyphony.db import page_of
from polyphony.formats.declared import Modality
from polyphony.models.contribution import ANCHORED_OR_LATER, AnchorBatch, Contribution, Tombstone
from polyphony.models.dataset import Dataset, DatasetItem
from polyphony.models.score import ContributionScore, Verdict
from polyphony.storage.base import Storage

LEAF_ENCODING = ("uint256", "bytes32", "bytes32")
CROISSANT = "http://mlcommons.org/croissant/1.0"
RECORD_SET = "contributions"
MAX_SCORE = 10_000
_MEDIA_TYPES = {
    "jsonl": "application/jsonlines", "csv": "text/csv", "parquet": "application/vnd.apache.parquet",
    "text": "text/plain", "png": "image/png", "jpeg": "image/jpeg",
}  # fmt: skip
# The manifest's record fields, in order, with their Croissant data types.
FIELDS = (
    ("contribution_id", "sc:Integer"), ("cid", "sc:Text"), ("sha256", "sc:Text"), ("size", "sc:Integer"),
    ("format", "sc:Text"), ("modality", "sc:Text"), ("language", "sc:Text"), ("license", "sc:Text"),
    ("contributor", "sc:Text"), ("score", "sc:Integer"), ("policy_hash", "sc:Text"), ("batch_root", "sc:Text"),
    ("batch_tx", "sc:Text"), ("batch_manifest_cid", "sc:Text"), ("chain_id", "sc:Integer"),
    ("documents", "sc:Integer"), ("kept_documents", "sc:Text"),
)  # fmt: skip
# The standard Croissant 1.0 context, plus the two terms this manifest adds for its Merkle root.
CONTEXT: dict[str, Any] = {
    "@language": "en", "@vocab": "https://schema.org/", "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/", "sc": "https://schema.org/", "dct": "http://purl.org/dc/terms/",
    "citeAs": "cr:citeAs", "column": "cr:column", "conformsTo": "dct:conformsTo",
    "data": {"@id": "cr:data", "@type": "@json"}, "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "equivalentProperty": "cr:equivalentProperty", "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract", "field": "cr:field", "fileProperty": "cr:fileProperty", "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet", "format": "cr:format", "includes": "cr:includes", "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath", "key": "cr:key", "md5": "cr:md5", "parentField": "cr:parentField", "path": "cr:path",
    "recordSet": "cr:recordSet", "references": "cr:references", "regex": "cr:regex", "repeated": "cr:repeated",
    "replace": "cr:replace", "samplingRate": "cr:samplingRate", "separator": "cr:separator", "source": "cr:source",
    "subField": "cr:subField", "transform": "cr:transform",
    "polyphony": "https://polyphony.dev/ns#", "merkleRoot": "polyphony:merkleRoot",
    "merkleLeafEncoding": "polyphony:merkleLeafEncoding",
}  # fmt: skip


@dataclass(frozen=True)
class DatasetFilters:
    """Which contributions a dataset takes: every filter given must hold (an empty list filters nothing)."""

    min_score: int = 0
    languages: tuple[str, ...] = ()
    licenses: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    contribution_ids: tuple[int, ...] = ()
    contributors: tuple[str, ...] = ()  # checksum addresses
    uploaded_from: datetime | None = None  # uploaded at or after, UTC
    uploaded_to: datetime | None = None  # uploaded before, UTC

    @classmethod
    def checked(
        cls, *, min_score: int = 0, languages: Sequence[str] = (), licenses: Sequence[str] = (),
        modalities: Sequence[str] = (), contribution_ids: Sequence[int] = (), contributors: Sequence[str] = (),
        uploaded_from: datetime | None = None, uploaded_to: datetime | None = None,
    ) -> "DatasetFilters":  # fmt: skip
        """Filters in canonical form (sorted, de-duplicated, SPDX ids canonical); `InvalidFilters` if impossible."""
        if not 0 <= min_score <= MAX_SCORE:
            raise InvalidFilters(f"min_score must be 0-{MAX_SCORE}, not {min_score}")
        if any(not language.strip() for language in languages):
            raise InvalidFilters("a language filter is blank: give tags such as en or pt-BR")
        known = {str(modality) for modality in Modality}
        if unknown := sorted(set(modalities) - known):
            raise InvalidFilters(f"unknown modality {', '.join(unknown)}: use {', '.join(sorted(known))}")
        if any(number < 1 for number in contribution_ids):
            raise InvalidFilters("contribution ids are positive integers")
        start, end = _utc(uploaded_from), _utc(uploaded_to)
        if start is not None and end is not None and end <= start:
            raise InvalidFilters(f"uploaded_to ({end.isoformat()}) must come after uploaded_from ({start.isoformat()})")
        return cls(
            min_score=min_score, languages=tuple(sorted({language.strip() for language in languages})),
            licenses=tuple(sorted({check_license(license_id) for license_id in licenses})),
            modalities=tuple(sorted(set(modalities))), contribution_ids=tuple(sorted(set(contribution_ids))),
            contributors=tuple(sorted({checksum_address(who, what="contributor") for who in contributors})),
            uploaded_from=start, uploaded_to=end,
        )  # fmt: skip

    def as_json(self) -> dict[str, Any]:
        """The filters as the dataset row keeps them (times as ISO 8601)."""
        return {name: _json_value(value) for name, value in asdict(self).items()}


def _utc(moment: datetime | None) -> datetime | None:
    """A filter's time in UTC; a time without a zone is taken as UTC."""
    if moment is None:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _json_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return value.isoformat() if isinstance(value, datetime) else value


@dataclass(frozen=True)
class Member:
    """One contribution as the manifest lists it."""

    contribution_id: int
    cid: str
    sha256: str
    size: int
    format: str
    modality: str
    language: str | None
    license: str
    contributor: str
    score: int
    policy_hash: str
    batch_root: str
    batch_tx: str | None
    batch_manifest_cid: str | None
    chain_id: int
    documents: int | None = None  # documents the score read; None when it judged the file as a whole
    kept_documents: str | None = None  # the ranges of the kept ones ("0-3,5"), likewise

    def leaf_values(self) -> tuple[int, str, str]:
        """The Merkle leaf values: contribution id, content sha256, keccak256 of the CID's UTF-8 bytes."""
        return member_leaf(self.contribution_id, sha256=self.sha256, cid=self.cid)


def member_leaf(contribution_id: int, *, sha256: str, cid: str) -> tuple[int, str, str]:
    """The leaf values of one dataset member (see the module docstring)."""
    return contribution_id, "0x" + sha256, "0x" + keccak(cid.encode()).hex()


@dataclass(frozen=True)
class BuiltManifest:
    """A manifest's canonical bytes and the Merkle tree over its members."""

    content: bytes
    tree: StandardMerkleTree
    members: list[Member] = field(repr=False)

    @property
    def root(self) -> str:
        """The Merkle root a proposal binds to."""
        return self.tree.root


def select_members(session: Session, filters: DatasetFilters) -> list[Member]:
    """The anchored, untombstoned contributions whose latest score passed and meets every filter, by id."""
    members = selected_members(session, filters)
    if not members:
        raise EmptySelection("no anchored, scored contribution matches these filters: widen them")
    return members


def selected_members(session: Session, filters: DatasetFilters) -> list[Member]:
    """What `select_members` selects, an empty selection included (the preview answers it as zeros)."""
    _check_explicit_ids(session, filters.contribution_ids)
    latest = _latest_scores(session, filters)
    rejected = rejected_records(session, list(latest))
    members = [
        _member(*found, rejected=rejected.get(cid, set()))
        for cid, found in latest.items()
        if _wanted(found[1], found[0], filters) and not _rejected_whole(found[1], rejected.get(cid))
    ]
    if filters.contribution_ids:
        missing = sorted(set(filters.contribution_ids) - {member.contribution_id for member in members})
        if missing:
            raise IneligibleContributions(
                f"contributions {_listed(missing)} cannot be in a dataset with these filters: each must be "
                "anchored, not revoked, and scored with a pass verdict that meets the filters"
            )
    return sorted(members, key=lambda member: member.contribution_id)


def _check_explicit_ids(session: Session, ids: tuple[int, ...]) -> None:
    if not ids:
        return
    found = set(session.exec(select(Contribution.id).where(col(Contribution.id).in_(ids))))
    if unknown := sorted(set(ids) - found):
        raise UnknownContributions(f"there is no contribution {_listed(unknown)}")


Found = tuple[Contribution, ContributionScore, AnchorBatch]


def _latest_scores(session: Session, filters: DatasetFilters) -> dict[int, Found]:
    """Each candidate contribution with its newest score (whatever its verdict) and its batch."""
    query = (
        select(Contribution, ContributionScore, AnchorBatch)
        .join(ContributionScore, col(ContributionScore.contribution_id) == col(Contribution.id))
        .join(AnchorBatch, col(AnchorBatch.id) == col(Contribution.batch_id))
        .outerjoin(Tombstone, col(Tombstone.contribution_id) == col(Contribution.id))
        .where(col(Contribution.status).in_(ANCHORED_OR_LATER), col(Tombstone.id).is_(None))
        .order_by(col(ContributionScore.scored_at), col(ContributionScore.id))
    )
    if filters.contribution_ids:
        query = query.where(col(Contribution.id).in_(filters.contribution_ids))
    if filters.licenses:
        query = query.where(col(Contribution.license).in_(filters.licenses))
    if filters.modalities:
        query = query.where(col(Contribution.modality).in_(filters.modalities))
    if filters.contributors:
        query = query.where(col(Contribution.contributor).in_(filters.contributors))
    if filters.uploaded_from is not None:
        query = query.where(col(Contribution.created_at) >= filters.uploaded_from)
    if filters.uploaded_to is not None:
        query = query.where(col(Contribution.created_at) < filters.uploaded_to)
    return {
        int(contribution.id or 0): (contribution, score, batch) for contribution, score, batch in session.exec(query)
    }


def _wanted(score: ContributionScore, contribution: Contribution, filters: DatasetFilters) -> bool:
    if score.verdict != Verdict.PASS or score.score is None or score.score < filters.min_score:
        return False
    return not filters.languages or (score.language or contribution.language) in filters.languages


def _rejected_whole(score: ContributionScore, rejected: set[int] | None) -> bool:
    """A file judged as a whole whose one document reviewers rejected: it leaves the dataset."""
    return bool(rejected) and kept_documents(score) is None


def _member(contribution: Contribution, score: ContributionScore, batch: AnchorBatch, *, rejected: set[int]) -> Member:
    assert contribution.id is not None and contribution.cid is not None and score.score is not None
    documents, kept = kept_documents(score, rejected=rejected) or (None, None)
    return Member(
        contribution_id=contribution.id, cid=contribution.cid, sha256=contribution.sha256, size=contribution.size,
        format=contribution.content_format, modality=contribution.modality,
        language=score.language or contribution.language, license=contribution.license,
        contributor=contribution.contributor, score=score.score, policy_hash=score.policy_hash,
        batch_root=batch.root, batch_tx=batch.tx_hash, batch_manifest_cid=batch.manifest_cid,
        chain_id=batch.chain_id, documents=documents, kept_documents=kept,
    )  # fmt: skip


def build_manifest(members: Sequence[Member], *, name: str, description: str) -> BuiltManifest:
    """The Croissant manifest of `members` (sorted by id) and their Merkle tree; pure, deterministic."""
    ordered = sorted(members, key=lambda member: member.contribution_id)
    tree = StandardMerkleTree.of([member.leaf_values() for member in ordered], leaf_encoding=LEAF_ENCODING)
    document = {
        "@context": CONTEXT, "@type": "sc:Dataset", "conformsTo": CROISSANT, "name": name,
        "description": description or name, "url": f"https://polyphony.dev/datasets/{tree.root}",
        "version": "1.0.0", "citeAs": f"Polyphony dataset {name}, Merkle root {tree.root}",
        "license": sorted({_license_url(member.license) for member in ordered}),
        "merkleRoot": tree.root, "merkleLeafEncoding": list(LEAF_ENCODING),
        "distribution": [_file_object(member) for member in ordered],
        "recordSet": [_record_set(ordered)],
    }  # fmt: skip
    content = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return BuiltManifest(content=content, tree=tree, members=list(ordered))


def _license_url(spdx_id: str) -> str:
    return f"https://spdx.org/licenses/{spdx_id}.html"


def _file_object(member: Member) -> dict[str, Any]:
    return {
        "@type": "cr:FileObject", "@id": f"contribution-{member.contribution_id}",
        "name": f"contribution-{member.contribution_id}", "contentUrl": f"ipfs://{member.cid}",
        "encodingFormat": _MEDIA_TYPES.get(member.format, "application/octet-stream"), "sha256": member.sha256,
        "contentSize": f"{member.size} B",
    }  # fmt: skip


def _record_set(members: Sequence[Member]) -> dict[str, Any]:
    fields = [
        {"@type": "cr:Field", "@id": f"{RECORD_SET}/{name}", "name": name, "dataType": data_type}
        for name, data_type in FIELDS
    ]
    rows = [{f"{RECORD_SET}/{name}": value for name, value in asdict(member).items()} for member in members]
    return {
        "@type": "cr:RecordSet", "@id": RECORD_SET, "name": RECORD_SET,
        "description": "Every contribution in the dataset: its file, license, contributor, score, provenance and "
        "kept documents.",
        "key": {"@id": f"{RECORD_SET}/contribution_id"}, "field": fields, "data": rows,
    }  # fmt: skip


def read_manifest_rows(manifest: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The member rows of a manifest, keyed by plain field names."""
    record_sets = [record for record in manifest.get("recordSet", []) if record.get("@id") == RECORD_SET]
    if len(record_sets) != 1:
        raise ValueError(f"the manifest has no single '{RECORD_SET}' record set")
    prefix = RECORD_SET + "/"
    return [{key.removeprefix(prefix): value for key, value in row.items()} for row in record_sets[0]["data"]]


def stored_manifest_rows(storage: Storage, manifest_cid: str) -> list[dict[str, Any]]:
    """The member rows of the manifest `manifest_cid`, read from this server's storage (where it was pinned)."""
    return read_manifest_rows(json.loads(b"".join(storage.cat(manifest_cid))))


def root_of_rows(rows: Sequence[Mapping[str, Any]]) -> str:
    """The Merkle root over manifest rows, recomputed from their id, sha256 and CID."""
    leaves = [member_leaf(int(row["contribution_id"]), sha256=row["sha256"], cid=row["cid"]) for row in rows]
    return StandardMerkleTree.of(leaves, leaf_encoding=LEAF_ENCODING).root


def create_dataset(
    session: Session, *, storage: Storage, curator: str, name: str, description: str, filters: DatasetFilters
) -> tuple[Dataset, bool]:
    """Select, build and pin the manifest, and record the dataset; the same manifest again is the same dataset."""
    built = build_manifest(select_members(session, filters), name=name, description=description)
    manifest_cid = storage.add(io.BytesIO(built.content)).cid
    existing = session.exec(select(Dataset).where(Dataset.manifest_cid == manifest_cid)).first()
    if existing is not None:
        return existing, False
    dataset = Dataset(
        name=name, description=description, curator=curator, filters=filters.as_json(),
        item_count=len(built.members), root=built.root, manifest_cid=manifest_cid,
    )  # fmt: skip
    session.add(dataset)
    session.flush()
    session.add_all(
        DatasetItem(dataset_id=dataset.id or 0, contribution_id=member.contribution_id, leaf=built.tree.leaf_hash(i))
        for i, member in enumerate(built.members)
    )
    session.flush()
    return dataset, True


def get_dataset(session: Session, dataset_id: int) -> Dataset:
    """The dataset `dataset_id`."""
    dataset = session.get(Dataset, dataset_id)
    if dataset is None:
        raise DatasetNotFound(f"there is no dataset {dataset_id}")
    return dataset


def list_datasets(session: Session, *, offset: int, limit: int) -> tuple[list[Dataset], int]:
    """One page of datasets, newest first, and how many there are."""
    return page_of(session, select(Dataset).order_by(col(Dataset.id).desc()), offset=offset, limit=limit)


def dataset_contribution_ids(session: Session, dataset_id: int) -> list[int]:
    """The contributions of a dataset, by id."""
    query = select(DatasetItem.contribution_id).where(DatasetItem.dataset_id == dataset_id)
    return sorted(session.exec(query))


def _listed(ids: Sequence[int], *, shown: int = 10) -> str:
    text = ", ".join(str(number) for number in ids[:shown])
    return text + (f" and {len(ids) - shown} more" if len(ids) > shown else "")
