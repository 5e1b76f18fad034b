"""What a dataset's filters select, counted, without building or pinning anything: `GET /datasets/preview`; and
the same counts of a dataset made earlier, from its pinned manifest: `GET /datasets/{id}/summary`.

It reads the very selection `POST /datasets` would build from (`selected_members`), so the preview and the
dataset can never disagree. A selection of nothing is answered as zeros, where the dataset would refuse it.
"""

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlmodel import Session

from governance.datasets.kept import KeptRanges
from governance.datasets.service import DatasetFilters, Member, get_dataset, read_manifest_rows, selected_members
from polyphony.sizes import format_bytes
from polyphony.storage.base import Storage


@dataclass(frozen=True)
class SelectionPreview:
    """The counts of a selection: contributions, kept documents, bytes, and who and what they are."""

    contributions: int
    documents: int
    bytes: int
    contributors: int
    languages: dict[str, int]  # language -> contributions
    licenses: dict[str, int]  # SPDX id -> contributions
    modalities: dict[str, int]  # modality -> contributions

    @property
    def bytes_display(self) -> str:
        """The size as a person reads it (`1.5 MiB`)."""
        return format_bytes(self.bytes)


def preview_selection(session: Session, filters: DatasetFilters) -> SelectionPreview:
    """What `filters` select now, counted; the same refusals as a dataset for impossible filters or ids."""
    return summarise(selected_members(session, filters))


def summarise_dataset(session: Session, dataset_id: int, *, storage: Storage) -> SelectionPreview:
    """The same counts for a dataset as its pinned manifest lists it: what a vote on it approves."""
    manifest = json.loads(b"".join(storage.cat(get_dataset(session, dataset_id).manifest_cid)))
    return summarise([Member(**row) for row in read_manifest_rows(manifest)])


def summarise(members: Sequence[Member]) -> SelectionPreview:
    """The counts of `members`."""
    return SelectionPreview(
        contributions=len(members), documents=sum(map(documents_of, members)),
        bytes=sum(member.size for member in members),
        contributors=len({member.contributor for member in members}),
        languages=_counted(member.language or "und" for member in members),
        licenses=_counted(member.license for member in members),
        modalities=_counted(member.modality for member in members),
    )  # fmt: skip


def documents_of(member: Member) -> int:
    """The documents a pull writes of `member`: its kept ones, or 1 for a file judged as a whole."""
    if member.kept_documents is None:
        return 1
    ranges = KeptRanges(member.kept_documents)
    return sum(end - start + 1 for start, end in zip(ranges.starts, ranges.ends, strict=True))


def _counted(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))
