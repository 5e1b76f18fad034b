"""Parquet: footer, schema and every page read back, and the bombs refused before they expand."""

import hashlib
import io
import struct
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from polyphony.formats.checks import ContentReport, check_content
from polyphony.formats.declared import ContentFormat
from polyphony.formats.errors import DecompressionBomb, InvalidContent
from polyphony.formats.readers import FormatLimits

PARQUET = ContentFormat.PARQUET
WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]


def parquet_bytes(table: pa.Table, **options: object) -> bytes:
    """The table written as a Parquet file in memory."""
    sink = io.BytesIO()
    pq.write_table(table, sink, **options)
    return sink.getvalue()


def sentences(count: int) -> list[str]:
    """`count` different sentences of ten words, so the file has some entropy."""
    picks = hashlib.shake_256(b"sentences").digest(count * 10)
    return [
        " ".join(WORDS[pick % len(WORDS)] for pick in picks[start : start + 10]) for start in range(0, len(picks), 10)
    ]


def check(tmp_path: Path, content: bytes, limits: FormatLimits | None = None) -> ContentReport:
    upload = tmp_path / "upload.parquet"
    upload.write_bytes(content)
    return check_content(upload, fmt=PARQUET, limits=limits or FormatLimits())


TEXTS = pa.table({"text": sentences(300), "label": list(range(300))})
NESTED = pa.table({"tokens": [[1, 2, 3]] * 50, "meta": [{"lang": "en"}] * 50, "raw": [b"\x00\x01"] * 50})


@pytest.mark.parametrize(
    ("content", "records", "fields"),
    [
        (parquet_bytes(TEXTS), 300, ("text", "label")),
        (parquet_bytes(TEXTS, compression="zstd", row_group_size=64), 300, ("text", "label")),
        (parquet_bytes(TEXTS, compression="none", use_dictionary=False), 300, ("text", "label")),
        (parquet_bytes(NESTED), 50, ("tokens", "meta", "raw")),
    ],
)
def test_well_formed_parquet_passes_with_its_report(
    tmp_path: Path, content: bytes, records: int, fields: tuple[str, ...]
) -> None:
    report = check(tmp_path, content)
    assert report == ContentReport(format=PARQUET, size=len(content), records=records, fields=fields)


def damaged(content: bytes, *, at: float) -> bytes:
    """The file with 32 bytes at a fraction of its length overwritten."""
    start = int(len(content) * at)
    return content[:start] + b"\xff" * 32 + content[start + 32 :]


ZSTD_PAGES = parquet_bytes(TEXTS, compression="zstd", use_dictionary=False)
FAKE_FOOTER = b"PAR1" + b"\x07" * 64 + struct.pack("<I", 40) + b"PAR1"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty_file"),
        (parquet_bytes(TEXTS.slice(0, 0)), "empty_file"),
        (ZSTD_PAGES[: len(ZSTD_PAGES) // 2], "invalid_parquet"),  # truncated: no footer
        (ZSTD_PAGES[:-1], "invalid_parquet"),
        (damaged(ZSTD_PAGES, at=0.3), "invalid_parquet"),  # a corrupt page in the middle
        (FAKE_FOOTER, "invalid_parquet"),  # the magic at both ends, and no readable metadata
        (b"PAR1" + b"\x00" * 100, "invalid_parquet"),
        (b"\x00\x01\x02\x03 not any format", "invalid_parquet"),
        (b"text,label\nhello,1\n", "format_mismatch"),  # a CSV named .parquet
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "format_mismatch"),
    ],
)
def test_broken_or_other_files_are_refused(tmp_path: Path, content: bytes, code: str) -> None:
    with pytest.raises(InvalidContent) as raised:
        check(tmp_path, content)
    assert raised.value.code == code
    assert raised.value.message.endswith(".")
    assert str(tmp_path) not in raised.value.message  # never the server's spool path


def test_a_long_list_of_zeros_is_refused_from_the_footer_alone(tmp_path: Path) -> None:
    content = parquet_bytes(pa.table({"zeros": [[0] * 2_000_000]}), compression="zstd")
    assert len(content) < 2000
    with pytest.raises(DecompressionBomb, match="declares 1 rows, 2000000 values") as raised:
        check(tmp_path, content)
    assert raised.value.code == "decompression_bomb"


def test_a_repeated_long_string_is_refused_while_decoding(tmp_path: Path) -> None:
    # Dictionary encoding stores the value once: the footer's sizes look small, the decoded column does not.
    content = parquet_bytes(pa.table({"text": ["x" * 4000] * 20_000}), compression="zstd")
    assert len(content) < 20_000
    with pytest.raises(DecompressionBomb, match="decodes past"):
        check(tmp_path, content)


def test_the_expansion_ratio_scales_with_the_file(tmp_path: Path) -> None:
    content = parquet_bytes(TEXTS)
    assert check(tmp_path, content, FormatLimits(max_expansion_ratio=20)).records == 300
    with pytest.raises(DecompressionBomb):
        check(tmp_path, content, FormatLimits(max_expansion_ratio=2))


def test_the_absolute_cap_holds_whatever_the_ratio(tmp_path: Path) -> None:
    content = parquet_bytes(TEXTS)
    with pytest.raises(DecompressionBomb):
        check(tmp_path, content, FormatLimits(max_expansion_ratio=1000, max_decoded_bytes=len(content)))


def test_a_column_of_nulls_counts_its_values_against_the_limit(tmp_path: Path) -> None:
    content = parquet_bytes(pa.table({"flag": pa.nulls(3_000_000, pa.bool_())}))
    with pytest.raises(DecompressionBomb, match="3000000 values"):
        check(tmp_path, content)
