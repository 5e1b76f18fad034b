"""Manifests, roots, filters and the streaming file check, without I/O beyond a temporary folder."""

import io
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from governance.datasets.errors import InvalidFilters
from governance.datasets.service import DatasetFilters, Member, build_manifest, read_manifest_rows, root_of_rows
from governance.rounds.errors import TamperedItem
from governance.rounds.pull_files import (
    STATE_FILE,
    StreamingCheck,
    WantedFile,
    fetch_verified,
)
from polyphony.contributions.errors import UnknownLicense
from polyphony.storage.base import CHUNK_SIZE
from polyphony.storage.errors import StorageUnavailable
from polyphony.storage.unixfs import blob_of


def _member(number: int) -> Member:
    return Member(
        contribution_id=number, cid=f"bafkreicid{number}", sha256=f"{number:064x}", size=10 * number,
        format="jsonl", modality="text", language="en", license="CC-BY-4.0",
        contributor="0x" + f"{number:040x}", score=7000 + number, policy_hash="0x" + "ab" * 32,
        batch_root="0x" + "cd" * 32, batch_tx="0x" + "ef" * 32, batch_manifest_cid="bafybatch", chain_id=31337,
    )  # fmt: skip


def test_the_same_members_in_any_order_give_the_same_manifest_bytes_and_root() -> None:
    members = [_member(number) for number in (3, 1, 2)]
    first = build_manifest(members, name="d", description="")
    second = build_manifest(list(reversed(members)), name="d", description="")
    assert first.content == second.content and first.root == second.root
    assert build_manifest(members[:2], name="d", description="").root != first.root


def test_a_manifest_s_rows_rebuild_its_root_and_a_changed_cid_does_not() -> None:
    built = build_manifest([_member(number) for number in range(1, 6)], name="d", description="")
    rows = read_manifest_rows(json.loads(built.content))
    assert [row["contribution_id"] for row in rows] == [1, 2, 3, 4, 5]
    assert root_of_rows(rows) == built.root == json.loads(built.content)["merkleRoot"]
    rows[2]["cid"] = "bafkreiother"
    assert root_of_rows(rows) != built.root


@pytest.mark.parametrize(
    ("filters", "error"),
    [
        ({"min_score": 10_001}, InvalidFilters),
        ({"min_score": -1}, InvalidFilters),
        ({"languages": [" "]}, InvalidFilters),
        ({"modalities": ["video"]}, InvalidFilters),
        ({"contribution_ids": [0]}, InvalidFilters),
        ({"licenses": ["MIT OR Apache-2.0"]}, UnknownLicense),
    ],
)
def test_impossible_filters_are_refused(filters: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        DatasetFilters.checked(**filters)  # type: ignore[arg-type]


def test_filters_are_kept_in_one_canonical_form() -> None:
    filters = DatasetFilters.checked(licenses=["cc-by-4.0", "MIT"], languages=["en", "en"], contribution_ids=[3, 1])
    assert (filters.licenses, filters.languages, filters.contribution_ids) == (("CC-BY-4.0", "MIT"), ("en",), (1, 3))


@pytest.mark.parametrize("size", [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, 3 * CHUNK_SIZE + 17, 175 * CHUNK_SIZE + 5])
@pytest.mark.parametrize("piece", [1000, CHUNK_SIZE, 1 << 20])
def test_the_streaming_check_gives_the_cid_the_store_gives_whatever_the_pieces(size: int, piece: int) -> None:
    content = bytes(range(256)) * (size // 256) + bytes(size % 256)
    stored = blob_of(io.BytesIO(content))
    check = StreamingCheck()
    for start in range(0, len(content), piece):
        check.update(content[start : start + piece])
    assert check.finish() == stored.cid


class _Blobs:
    """An in-memory source that can be told to fail after some bytes of one CID, and records what was asked."""

    def __init__(self, contents: dict[str, bytes], *, break_cid: str | None = None, after: int = 0) -> None:
        self.contents, self.break_cid, self.after = contents, break_cid, after
        self.asked: list[tuple[str, int]] = []

    def cat(self, cid: str, *, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        self.asked.append((cid, offset))
        content = self.contents[cid][offset:]
        for start in range(0, len(content), 1000):
            if cid == self.break_cid and offset + start >= self.after:
                raise StorageUnavailable("connection dropped")
            yield content[start : start + 1000]


def _wanted(contents: list[bytes]) -> tuple[list[WantedFile], dict[str, bytes]]:
    wanted, by_cid = [], {}
    for number, content in enumerate(contents, start=1):
        blob = blob_of(io.BytesIO(content))
        wanted.append(WantedFile(number, blob.cid, len(content)))
        by_cid[blob.cid] = content
    return wanted, by_cid


def test_an_interrupted_fetch_resumes_from_the_bytes_on_disk_and_skips_verified_files(tmp_path: Path) -> None:
    wanted, contents = _wanted([b"a" * 5000, b"b" * 400_000, b"c" * 10])
    big = wanted[1].cid
    with pytest.raises(StorageUnavailable):
        fetch_verified(wanted, blobs=_Blobs(contents, break_cid=big, after=300_000), folder=tmp_path, workers=1)
    assert (tmp_path / "files" / f"{big}.part").stat().st_size == 300_000

    again = _Blobs(contents)
    fetch_verified(wanted, blobs=again, folder=tmp_path, workers=2)
    assert (big, 300_000) in again.asked and wanted[0].cid not in [cid for cid, _ in again.asked]
    for item in wanted:
        assert (tmp_path / "files" / item.cid).read_bytes() == contents[item.cid]
    assert set((tmp_path / STATE_FILE).read_text().split()) == {item.cid for item in wanted}


def test_a_changed_byte_is_refused_naming_the_contribution(tmp_path: Path) -> None:
    wanted, contents = _wanted([b"x" * 3000, b"y" * 3000])
    contents[wanted[1].cid] = b"y" * 1500 + b"z" + b"y" * 1499
    with pytest.raises(TamperedItem, match=f"contribution 2 \\({wanted[1].cid}\\)"):
        fetch_verified(wanted, blobs=_Blobs(contents), folder=tmp_path, workers=1)
    assert not (tmp_path / "files" / wanted[1].cid).exists()
    assert not (tmp_path / "files" / f"{wanted[1].cid}.part").exists()


def test_a_source_that_sends_too_much_is_refused(tmp_path: Path) -> None:
    wanted, contents = _wanted([b"q" * 100])
    short = replace(wanted[0], size=50)
    with pytest.raises(TamperedItem):
        fetch_verified([short], blobs=_Blobs(contents), folder=tmp_path, workers=1)


def test_a_file_of_many_leaves_is_fetched_whole_and_a_byte_changed_in_its_last_leaf_caught(tmp_path: Path) -> None:
    content = bytes(range(256)) * (5 * CHUNK_SIZE // 256 + 1000)
    wanted, contents = _wanted([content])
    fetch_verified(wanted, blobs=_Blobs(contents), folder=tmp_path / "good", workers=1)
    assert (tmp_path / "good" / "files" / wanted[0].cid).read_bytes() == content
    contents[wanted[0].cid] = content[:-1] + b"\x00"
    with pytest.raises(TamperedItem, match="contribution 1"):
        fetch_verified(wanted, blobs=_Blobs(contents), folder=tmp_path / "bad", workers=1)
