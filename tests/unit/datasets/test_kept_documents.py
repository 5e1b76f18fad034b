"""The kept documents a manifest row lists (ranges of document indices), what they do to the manifest's bytes,
and the pull's Parquet keeping only them (the document's text, not its raw record), on files in a temporary folder."""

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from governance.datasets.kept import KeptRanges, kept_documents, kept_in_row, ranges_of
from governance.datasets.service import Member, build_manifest, read_manifest_rows
from governance.rounds.pull import write_configs
from governance.rounds.rows import Source
from polyphony.models.score import ContributionScore, Verdict


@pytest.mark.parametrize(
    ("indices", "text"),
    [([], ""), ([0], "0"), ([0, 1, 2, 3, 5], "0-3,5"), ([1, 3, 4, 7, 8, 9], "1,3-4,7-9")],
)
def test_kept_indices_are_written_as_ranges_and_read_back_exactly(indices: list[int], text: str) -> None:
    assert ranges_of(indices) == text
    kept = KeptRanges(text)
    assert [index for index in range(12) if index in kept] == indices


@pytest.mark.parametrize("text", ["3-1", "0-2,2", "4,1", "-1", "a", "1-2-3", "0,,2"])
def test_ranges_that_do_not_ascend_or_do_not_parse_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        KeptRanges(text)


def _score(documents: dict[str, object] | None) -> ContributionScore:
    report = json.dumps({"score": 9000} | ({"documents": documents} if documents else {}))
    return ContributionScore(contribution_id=1, policy_hash="0x", verdict=Verdict.PASS, score=9000, report=report)


def test_a_score_s_dropped_documents_of_any_reason_are_left_out_of_its_ranges() -> None:
    dropped = {"gopher_repetition:top_2gram": [2, 3], "copy_in_upload": [8], "any_new_reason": [5]}
    documents = {"count": 9, "kept": 5, "words": 90, "kept_words": 50, "dropped": dropped}
    assert kept_documents(_score(documents)) == (9, "0-1,4,6-7")
    assert kept_documents(_score(None)) is None  # judged as a whole: no ranges


def _member(**documents: object) -> Member:
    return Member(
        contribution_id=4, cid="bafkreicid4", sha256="00" * 32, size=40, format="jsonl", modality="text",
        language="en", license="CC-BY-4.0", contributor="0x" + "44" * 20, score=7000, policy_hash="0x" + "ab" * 32,
        batch_root="0x" + "cd" * 32, batch_tx=None, batch_manifest_cid=None, chain_id=31337, **documents,  # type: ignore[arg-type]
    )  # fmt: skip


def test_the_kept_documents_are_in_the_manifest_rows_so_its_cid_covers_them_but_not_its_root() -> None:
    listed = build_manifest([_member(documents=6, kept_documents="0-2,5")], name="d", description="")
    other = build_manifest([_member(documents=6, kept_documents="0-3,5")], name="d", description="")
    [row] = read_manifest_rows(json.loads(listed.content))
    assert (row["documents"], row["kept_documents"]) == (6, "0-2,5")
    assert listed.content != other.content and listed.root == other.root
    [whole] = read_manifest_rows(json.loads(build_manifest([_member()], name="d", description="").content))
    assert (whole["documents"], whole["kept_documents"], kept_in_row(whole)) == (None, None, None)


def _pulled(tmp_path: Path, member: Member, content: bytes) -> list[tuple[int, str]]:
    (tmp_path / "files").mkdir(exist_ok=True)
    (tmp_path / "files" / member.cid).write_bytes(content)
    row = {name: value for name, value in member.__dict__.items()}
    written = write_configs(tmp_path, [Source(row=row, path=tmp_path / "files" / member.cid)])
    if not written:
        return []
    [config] = written
    table = pq.read_table(config.shards[0])
    return list(zip(table.column("record").to_pylist(), table.column("text").to_pylist(), strict=True))


def test_the_pull_writes_only_the_kept_records_of_a_jsonl_file_with_their_numbers(tmp_path: Path) -> None:
    lines = [json.dumps({"text": f"record {i}"}) for i in range(6)]
    content = ("\n".join(lines[:3]) + "\n\n" + "\n".join(lines[3:]) + "\n").encode()  # a blank line is no record
    pulled = _pulled(tmp_path, _member(documents=6, kept_documents="0-1,4"), content)
    assert pulled == [(0, "record 0"), (1, "record 1"), (4, "record 4")]
    assert len(_pulled(tmp_path, _member(), content)) == 6  # judged as a whole: every record


def test_the_pull_keeps_the_kept_rows_of_a_csv_file(tmp_path: Path) -> None:
    out = io.StringIO()
    csv.writer(out).writerows([["text", "n"], ["first", 1], ["second", 2], ["third", 3]])
    member = replace(_member(documents=3, kept_documents="1-2"), format="csv")
    pulled = _pulled(tmp_path, member, out.getvalue().encode())
    assert pulled == [(1, "second"), (2, "third")]


def test_a_plain_text_file_is_one_document_its_whole_text_kept_or_none(tmp_path: Path) -> None:
    content = b"one line\nanother line\n"
    kept = replace(_member(documents=1, kept_documents="0"), format="text")
    assert _pulled(tmp_path, kept, content) == [(0, "one line\nanother line\n")]
    dropped = replace(_member(documents=1, kept_documents=""), format="text")
    assert _pulled(tmp_path, dropped, content) == []
