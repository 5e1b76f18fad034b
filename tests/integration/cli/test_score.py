"""`polyphony score`: the offline scorer, run as a contributor runs it, with no stack."""

import json
import subprocess
import sys
from pathlib import Path

from polyphony.scoring import Duplicates, analyse, current_policy, finalise

POLYPHONY = str(Path(sys.executable).parent / "polyphony")
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "scoring"


def score(*arguments: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([POLYPHONY, "score", *map(str, arguments)], capture_output=True, text=True, timeout=300)


def test_several_files_in_one_run_print_one_json_object_each_scored_as_the_workers_score(tmp_path: Path) -> None:
    spam = tmp_path / "spam.txt"
    spam.write_text("Buy cheap watches online today!\n" * 300)
    prose = FIXTURES / "gzip_man.txt"

    finished = score(prose, spam, FIXTURES / "v1_stored" / "cities_crlf.csv", "--json")

    assert finished.returncode == 0, finished.stderr
    lines = [json.loads(line) for line in finished.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(prose), str(spam), str(FIXTURES / "v1_stored" / "cities_crlf.csv")]
    policy, policy_hash = current_policy()
    for line in lines:
        assert {"score", "verdict", "records", "kept_records", "dimensions", "summary"} <= set(line)
        assert line["policy_hash"] == policy_hash
    worker = finalise(analyse(prose.read_bytes(), content_format="text", modality="text", policy=policy),
                      duplicates=Duplicates(), policy=policy)  # fmt: skip
    assert (lines[0]["score"], lines[0]["verdict"]) == (worker.score, worker.verdict)
    assert (lines[2]["records"], lines[0]["records"]) == (4, 1)  # CSV rows; a plain-text file is one document


def test_a_file_the_upload_would_refuse_is_one_line_with_its_code_and_the_others_are_still_scored(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "latin1.txt"
    broken.write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    unknown = tmp_path / "notes.docx"
    unknown.write_bytes(b"PK\x03\x04")

    finished = score(broken, FIXTURES / "ls_man.txt", unknown, tmp_path / "missing.txt", "--json")

    assert finished.returncode == 2
    refused = finished.stderr.splitlines()
    assert len(refused) == 3 and "(invalid_utf8)" in refused[0] and "(unsupported_format)" in refused[1]
    assert "missing.txt" in refused[2]
    assert [json.loads(line)["file"] for line in finished.stdout.splitlines()] == [str(FIXTURES / "ls_man.txt")]


def test_the_format_comes_from_the_option_when_the_name_says_nothing(tmp_path: Path) -> None:
    records = tmp_path / "export.data"
    records.write_text('{"text": "Many voices, one model."}\n{"text": "And one more record."}\n')

    by_name = score(records, "--json")
    as_jsonl = score(records, "--format", "jsonl", "--json")

    assert by_name.returncode == 2 and "(unsupported_format)" in by_name.stderr
    assert as_jsonl.returncode == 0 and json.loads(as_jsonl.stdout)["records"] == 2


def test_a_failing_verdict_still_exits_0_and_the_table_names_the_weakest_dimension(tmp_path: Path) -> None:
    tiny = tmp_path / "tiny.png"
    tiny.write_bytes((FIXTURES / "v1_stored" / "small.png").read_bytes())

    finished = score(tiny)

    assert finished.returncode == 0
    assert "fail" in finished.stdout and "small_image" in finished.stdout
