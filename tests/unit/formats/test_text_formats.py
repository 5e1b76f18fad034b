"""Text formats (plain text, JSON Lines, CSV): what passes, what each refusal says, and that checks stream."""

import gzip
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from polyphony.errors import BadRequest
from polyphony.formats.checks import ContentReport, check_content
from polyphony.formats.declared import ContentFormat
from polyphony.formats.errors import InvalidContent, InvalidCsv, InvalidUtf8, LineTooLong, NotJsonl, NulByte
from polyphony.formats.readers import FormatLimits

LIMITS = FormatLimits()
TEXT, JSONL, CSV = ContentFormat.TEXT, ContentFormat.JSONL, ContentFormat.CSV
PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def check(tmp_path: Path, content: bytes, fmt: ContentFormat, limits: FormatLimits = LIMITS) -> ContentReport:
    upload = tmp_path / "upload"
    upload.write_bytes(content)
    return check_content(upload, fmt=fmt, limits=limits)


@pytest.mark.parametrize(
    ("fmt", "content", "records", "fields"),
    [
        (TEXT, b"hello\n\nworld", 2, ()),
        (TEXT, "\ufeff# Titre\r\n\r\nÉté à Noël, 夏\r\n".encode(), 2, ()),
        (JSONL, b'{"text": "a"}\n\n{"text": "b", "lang": "en"}\n', 2, ("text", "lang")),
        (JSONL, '\ufeff{"text": "caf\\u00e9 ☕"}'.encode(), 1, ("text",)),
        (JSONL, b'{"nested": {"deep": [1, 2, {"x": null}]}, "ok": true}\r\n', 1, ("nested", "ok")),
        (CSV, b'text,label\na,1\n"multi\nline, quoted",2\n', 2, ("text", "label")),
        (CSV, "\ufefftext;x,label\r\nb,0\r\n\r\n".encode(), 1, ("text;x", "label")),
        (CSV, b"only\nx\ny\n", 2, ("only",)),
    ],
)
def test_well_formed_text_files_pass_with_their_report(
    tmp_path: Path, fmt: ContentFormat, content: bytes, records: int, fields: tuple[str, ...]
) -> None:
    report = check(tmp_path, content, fmt)
    assert report == ContentReport(format=fmt, size=len(content), records=records, fields=fields)


DEEP = b'{"a": ' + b"[" * 50_000 + b"]" * 50_000 + b"}\n"


@pytest.mark.parametrize(
    ("fmt", "content", "code"),
    [
        (TEXT, b"", "empty_file"),
        (JSONL, b"", "empty_file"),
        (CSV, b"", "empty_file"),
        (TEXT, b"\n  \n\t\n", "empty_file"),
        (JSONL, b"\n\n", "empty_file"),
        (CSV, b"\n\n", "empty_file"),
        (CSV, b"text,label\n", "empty_file"),  # a header and no rows holds no data
        (TEXT, b"caf\xe9 in Latin-1\n", "invalid_utf8"),
        (TEXT, b"overlong \xc0\xaf slash", "invalid_utf8"),
        (TEXT, b"lone surrogate \xed\xa0\x80", "invalid_utf8"),
        (JSONL, b'{"text": "cut \xe2\x82', "invalid_utf8"),
        (TEXT, b"a\x00b", "nul_byte"),
        (CSV, b"a,b\n1,\x002\n", "nul_byte"),
        (JSONL, b'{"a": 1}\n[1, 2]\n', "not_jsonl"),
        (JSONL, b'{"a": 1}\n{"a":\n', "not_jsonl"),
        (JSONL, b'"just a string"\n', "not_jsonl"),
        (JSONL, b"42\n", "not_jsonl"),
        (JSONL, b'{"a": NaN}\n', "not_jsonl"),
        (JSONL, b'{"a": ' + b"9" * 5000 + b"}\n", "not_jsonl"),
        (JSONL, b"a,b\n1,2\n", "not_jsonl"),
        (JSONL, DEEP, "not_jsonl"),
        (JSONL, b'[{"a": 1}, {"a": 2}]', "format_mismatch"),  # one JSON array is a .json file
        (JSONL, b'[\n  {"a": 1},\n  {"a": 2}\n]\n', "format_mismatch"),
        (CSV, b"a,b\n1,2,3\n", "invalid_csv"),
        (CSV, b'a,b\n1,"2\n', "invalid_csv"),
        (CSV, b'a,b\n1,"x"y\n', "invalid_csv"),
        (CSV, b"a,a\n1,2\n", "invalid_csv"),
        (CSV, b"a,,c\n1,2,3\n", "invalid_csv"),
        (CSV, PNG_HEAD + b"\x00" * 20, "format_mismatch"),
        (TEXT, b"PK\x03\x04" + b"\x00" * 20, "format_mismatch"),  # an .xlsx or .docx named .txt
        (JSONL, gzip.compress(b'{"a": 1}\n'), "format_mismatch"),
        (TEXT, b"PAR1" + b"\x00" * 20 + b"PAR1", "format_mismatch"),
    ],
)
def test_malformed_text_files_are_refused_with_a_stable_code(
    tmp_path: Path, fmt: ContentFormat, content: bytes, code: str
) -> None:
    with pytest.raises(InvalidContent) as raised:
        check(tmp_path, content, fmt)
    assert raised.value.code == code
    assert isinstance(raised.value, BadRequest)
    assert raised.value.message.endswith(".")
    assert str(tmp_path) not in raised.value.message  # never the server's spool path


@pytest.mark.parametrize(
    ("content", "offset"),
    [(b"ok\nbad \xff here", 7), (b"\xfe", 0), ("déjà vu ".encode() + b"\x80", 10)],
)
def test_invalid_utf8_gives_the_byte_offset(tmp_path: Path, content: bytes, offset: int) -> None:
    with pytest.raises(InvalidUtf8) as raised:
        check(tmp_path, content, TEXT)
    assert raised.value.offset == offset
    assert f"offset {offset}" in raised.value.message


def test_a_nul_byte_gives_its_offset(tmp_path: Path) -> None:
    with pytest.raises(NulByte) as raised:
        check(tmp_path, b"first line\nsec\x00ond", TEXT)
    assert raised.value.offset == 14


@pytest.mark.parametrize(
    ("content", "line"),
    [(b'{"a": 1}\n\n{"a": [1, 2}\n', 3), (b'{"a": 1}\n{"a": 2}\n{"a": 3} x\n', 3), (b'{"a": Infinity}', 1)],
)
def test_not_jsonl_names_the_line(tmp_path: Path, content: bytes, line: int) -> None:
    with pytest.raises(NotJsonl) as raised:
        check(tmp_path, content, JSONL)
    assert raised.value.line == line
    assert raised.value.message.startswith(f"Line {line} ")


@pytest.mark.parametrize(
    ("content", "line"),
    [(b"a,b\n1,2\n3,4\n5\n", 4), (b'a,b\n"x\ny",2\n3,4,5\n', 4), (b"a,,b\n", 1)],
)
def test_invalid_csv_names_the_line(tmp_path: Path, content: bytes, line: int) -> None:
    with pytest.raises(InvalidCsv) as raised:
        check(tmp_path, content, CSV)
    assert raised.value.line == line


@pytest.mark.parametrize(
    ("fmt", "content", "line"),
    [
        (JSONL, b'{"a": 1}\n{"text": "' + b"x" * 100 + b'"}\n', 2),
        (TEXT, b"short\n" + b"y" * 65, 2),
        (CSV, b'text\n"' + b"spans lines\n" * 10 + b'"\n', 7),  # a quoted record is bounded as a whole
    ],
)
def test_lines_past_the_limit_are_refused(tmp_path: Path, fmt: ContentFormat, content: bytes, line: int) -> None:
    with pytest.raises(LineTooLong) as raised:
        check(tmp_path, content, fmt, FormatLimits(max_line_bytes=64))
    assert (raised.value.code, raised.value.line) == ("line_too_long", line)


def test_a_line_of_exactly_the_limit_passes(tmp_path: Path) -> None:
    line = b'{"t": "' + b"x" * 54 + b'"}\n'
    assert len(line) == 64
    assert check(tmp_path, line, JSONL, FormatLimits(max_line_bytes=64)).records == 1


def test_the_report_keeps_at_most_a_thousand_field_names(tmp_path: Path) -> None:
    wide = "{" + ", ".join(f'"k{i}": {i}' for i in range(1500)) + "}\n"
    report = check(tmp_path, wide.encode() * 2, JSONL)
    assert report.records == 2
    assert report.fields == tuple(f"k{i}" for i in range(1000))


def write_jsonl(path: Path, *, megabytes: int) -> int:
    """A JSON Lines file of at least `megabytes` MiB, written a block at a time; returns its count of lines."""
    block = b"".join(b'{"text": "%s", "n": %d}\n' % (b"lorem ipsum " * 8, n) for n in range(10_000))
    blocks = megabytes * 2**20 // len(block) + 1
    with path.open("wb") as stream:
        for _ in range(blocks):
            stream.write(block)
    return blocks * 10_000


@contextmanager
def traced_peak() -> Iterator[Callable[[], int]]:
    """Trace Python's allocations; the yielded function gives the most bytes held at once so far."""
    tracemalloc.start()
    try:
        yield lambda: tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_20_mb_jsonl_is_checked_in_bounded_memory(tmp_path: Path) -> None:
    upload = tmp_path / "big.jsonl"
    lines = write_jsonl(upload, megabytes=20)
    size = upload.stat().st_size
    with traced_peak() as peak:
        report = check_content(upload, fmt=JSONL, limits=LIMITS)
        assert peak() < size // 20, f"peak {peak()} bytes while checking {size} bytes"
    assert (report.records, report.fields, report.size) == (lines, ("text", "n"), size)


def test_one_huge_line_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    upload = tmp_path / "one-line.txt"
    with upload.open("wb") as stream:
        for _ in range(20):
            stream.write(b"z" * 2**20)
    with traced_peak() as peak:
        with pytest.raises(LineTooLong):
            check_content(upload, fmt=TEXT, limits=FormatLimits(max_line_bytes=2**20))
        assert peak() < 4 * 2**20, f"peak {peak()} bytes for a 20 MiB line"


@pytest.mark.parametrize(
    "line",
    [
        '{"escaped lone surrogate": "\\ud800"}',  # JSON text json reads, the faster parser does not
        '{"deep": ' + "[" * 300 + "]" * 300 + "}",
        '{"huge": 1e999, "long": ' + "9" * 4300 + "}",
        '{"twice": 1, "twice": 2}',
    ],
)
def test_json_lines_accepted_by_pythons_json_are_accepted(tmp_path: Path, line: str) -> None:
    assert check(tmp_path, line.encode() + b"\n", JSONL).records == 1


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ('{"a": Infinity}', "Infinity is not a JSON value"),
        ('{"long": ' + "9" * 4301 + "}", "digits"),
        ('{"a": 1,}', "Expecting property name enclosed in double quotes"),
        ('{"a": "tab\tinside"}', "Invalid control character"),
        ('{"a": 01}', "Expecting ',' delimiter"),
    ],
)
def test_json_lines_refused_by_pythons_json_are_refused_in_its_words(tmp_path: Path, line: str, says: str) -> None:
    with pytest.raises(NotJsonl) as refused:
        check(tmp_path, b'{"first": "fine"}\n' + line.encode() + b"\n", JSONL)
    assert "line 2" in refused.value.message.lower() and says in refused.value.message, refused.value.message
