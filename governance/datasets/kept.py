"""Which documents of a dataset's file are kept, as its manifest row writes them: ascending ranges of document
indices, "0-3,5,7-9" (a document is a record of a JSONL, CSV or Parquet text file, or a whole plain-text file,
numbered from 0 as the scorer numbered them). The ranges sit in the manifest's rows, so its CID, which the vote
approves, covers them: the trainer keeps exactly the documents the voters saw listed. A file judged as a whole
(a score under policy v1, an image, a table) has no ranges: every record of it is kept. A document a majority of
reviewers rejected leaves the ranges as a dropped one does (a file judged as a whole leaves the dataset).
"""

import bisect
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from typing import Any

from polyphony.models.score import ContributionScore
from polyphony.scores.documents import document_fates


def kept_documents(score: ContributionScore, *, rejected: AbstractSet[int] = frozenset()) -> tuple[int, str] | None:
    """How many documents `score` read and the ranges of those it kept, less those a majority of reviewers
    rejected (`rejected`); None when it judges the file as a whole."""
    fates = document_fates(score)
    if fates is None:
        return None
    dropped = {index for indices in fates.dropped.values() for index in indices} | set(rejected)
    return fates.count, ranges_of(index for index in range(fates.count) if index not in dropped)


def ranges_of(indices: Iterable[int]) -> str:
    """Ascending indices as ranges: [0, 1, 2, 3, 5] -> "0-3,5"; nothing -> ""."""
    spans: list[list[int]] = []
    for index in indices:
        if spans and index == spans[-1][1] + 1:
            spans[-1][1] = index
        else:
            spans.append([index, index])
    return ",".join(str(start) if start == end else f"{start}-{end}" for start, end in spans)


class KeptRanges:
    """Ranges read back from a manifest row, to ask of each document index whether it is kept."""

    def __init__(self, text: str) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for piece in text.split(",") if text else ():
            start, _, end = piece.partition("-")
            first, last = int(start), int(end or start)
            if first < 0 or last < first or (self.ends and first <= self.ends[-1]):
                raise ValueError(f"kept documents {text!r}: ranges must ascend without overlapping")
            self.starts.append(first)
            self.ends.append(last)

    def __contains__(self, index: int) -> bool:
        at = bisect.bisect_right(self.starts, index) - 1
        return at >= 0 and index <= self.ends[at]

    def __len__(self) -> int:
        """How many documents the ranges keep."""
        return sum(end - start + 1 for start, end in zip(self.starts, self.ends, strict=True))


def kept_in_row(row: Mapping[str, Any]) -> KeptRanges | None:
    """The documents a manifest row keeps; None keeps every record (a file judged as a whole, or an older row)."""
    text = row.get("kept_documents")
    return None if text is None else KeptRanges(str(text))
