"""Policy v2 on small tables: every row kept or dropped with its reason, the kept share scaling the score."""

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from polyphony.scoring import Duplicates, analyse, finalise, load_policy, report_bytes
from polyphony.scoring.tables import Row, decide_rows, row_hash

V1, V2 = load_policy("v1"), load_policy("v2")
DROP_PII = V2.config["tables"]["drop_pii"]
HEADER = "id,species,habitat,wingspan_cm"
BIRDS = [
    "1,Common swift,open sky over towns,42",
    "2,Barn owl,farmland and hedgerows,89",
    "3,Grey heron,rivers and lakes,175",
    "4,White stork,wet meadows,200",
    "5,Eurasian wren,woodland undergrowth,15",
    "6,Red kite,mixed countryside,165",
]


def csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def scored(content: bytes, content_format: str = "csv", policy=V2):
    analysis = analyse(content, content_format=content_format, modality="tabular", policy=policy)
    return finalise(analysis, duplicates=Duplicates(), policy=policy)


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        (("", " ", ""), "empty_row"),
        (("7", "Kestrel", "write to jo.bloggs@example.org"), "pii:email"),
        (("8", "Kestrel", "IBAN GB82 WEST 1234 5698 7654 32"), "pii:iban"),
        (("9", "Kestrel", "card 4111 1111 1111 1111"), "pii:card"),
        (("10", "Kestrel", "4111111111111111"), None),  # a number alone is no text: an id column is no card
        (("11", "Kestrel", "192.168.1.20"), None),  # an address is measured, not a reason to drop the row
        (("12", "Kestrel", "hovers over verges"), None),
    ],
)
def test_a_row_is_dropped_for_its_reason_or_kept(cells: tuple[str, ...], reason: str | None) -> None:
    decisions = decide_rows([Row(cells)], drop_pii=DROP_PII)

    assert (decisions.kept, decisions.dropped) == (((0,), {}) if reason is None else ((), {reason: (0,)}))


def test_a_copy_of_an_earlier_kept_row_is_dropped_however_its_case_and_spacing() -> None:
    rows = [Row(("1", "Barn owl", "farmland")), Row(("1", " BARN  owl", "Farmland ")), Row(("1", "Barn owl", "fen"))]

    decisions = decide_rows(rows, drop_pii=DROP_PII)

    assert decisions.kept == (0, 2) and decisions.dropped == {"copy_in_upload": (1,)}
    assert row_hash(rows[0]) == row_hash(rows[1]) != row_hash(Row(("1 Barn owl", "farmland")))


def test_rows_weigh_one_each() -> None:
    decisions = decide_rows([Row(("a", "b")), Row(("", "")), Row(("c", "d")), Row(("a", "b"))], drop_pii=DROP_PII)

    assert (decisions.words, decisions.kept_words, decisions.kept_share_bp) == (4, 2, 5000)


def test_a_good_table_keeps_every_row_and_passes() -> None:
    report = scored(csv(*BIRDS))

    assert report.verdict == "pass" and report.score == 10_000
    assert report.documents == {"count": 6, "kept": 6, "words": 6, "kept_words": 6, "dropped": {}}


def test_a_table_of_mostly_copies_fails_naming_the_copies() -> None:
    report = scored(csv(*BIRDS[:2], *[BIRDS[0]] * 5))

    assert (report.score, report.verdict) == (0, "fail")
    assert report.documents is not None and report.documents["dropped"] == {"copy_in_upload": [2, 3, 4, 5, 6]}
    assert report.dimensions["documents"]["reason"] == "too_little_kept"
    assert "Kept 2 of 7 rows (28%). Dropped: 5 for copy_in_upload (first: row 2)." in report.summary


def test_a_table_of_mostly_empty_rows_fails() -> None:
    report = scored(csv(BIRDS[0], *[",,,"] * 4))

    assert report.verdict == "fail" and report.documents is not None
    assert report.documents["dropped"] == {"empty_row": [1, 2, 3, 4]}


def test_the_kept_share_scales_the_score() -> None:
    report = scored(csv(*BIRDS, BIRDS[0], BIRDS[1]))  # 6 of 8 rows kept

    assert report.verdict == "pass" and report.dimensions["documents"]["reason"] == "some_dropped"
    assert report.score == 10_000 * 6 // 8
    assert report.summary.startswith("Kept 6 of 8 rows (75%). Dropped: 2 for copy_in_upload (first: row 6).")


def test_jsonl_records_with_other_fields_are_invalid_rows() -> None:
    records = [{"species": name, "wingspan_cm": n} for n, name in enumerate(["Swift", "Owl", "Heron", "Stork"])]
    records.insert(2, {"title": "not a bird"})
    records.append({"species": None, "wingspan_cm": None})
    content = "".join(json.dumps(record) + "\n" for record in records).encode()

    report = scored(content, content_format="jsonl")

    assert report.documents is not None and report.documents["dropped"] == {"empty_row": [5], "other_fields": [2]}


def test_parquet_rows_are_judged_alike() -> None:
    table = pa.table({"species": ["Swift", "Owl", "Swift", None], "wingspan_cm": [42, 89, 42, None]})
    sink = io.BytesIO()
    pq.write_table(table, sink)

    report = scored(sink.getvalue(), content_format="parquet")

    assert report.documents is not None and report.documents["dropped"] == {"copy_in_upload": [2], "empty_row": [3]}


def test_v1_judges_a_table_as_a_whole_and_keeps_its_report_bytes() -> None:
    content = csv(*BIRDS[:2], *[BIRDS[0]] * 5)

    assert scored(content, policy=V1).documents is None
    assert "documents" not in json.loads(report_bytes(scored(content, policy=V1)))


def test_only_a_rows_strings_are_read_for_personal_data_and_its_bytes_count_by_their_hash() -> None:
    table = pa.table({
        "note": ["mail jo@example.org", "a quiet day", "a quiet day", "a quiet day"],
        "payload": [b"\x00" * 40, b"jo@example.org", b"other bytes", b"other bytes"],
    })  # fmt: skip
    sink = io.BytesIO()
    pq.write_table(table, sink)

    report = scored(sink.getvalue(), content_format="parquet")

    assert report.documents is not None and report.documents["dropped"] == {"copy_in_upload": [3], "pii:email": [0]}


def test_a_plain_text_file_read_as_a_table_is_judged_as_a_whole() -> None:
    report = scored(b"id species\n1 swift\n", content_format="text")

    assert report.documents is None and "validity" in report.dimensions
