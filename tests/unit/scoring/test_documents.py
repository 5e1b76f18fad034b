"""Policy v2 on small uploads: every document kept or dropped with its reason, the kept share scaling the score."""

import json
from pathlib import Path

from polyphony.scoring import Duplicates, analyse, finalise, load_policy, report_bytes

V1, V2 = load_policy("v1"), load_policy("v2")
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "scoring"
PARAGRAPHS = [p for p in (FIXTURES / "gzip_man.txt").read_text().split("\n\n") if len(p.split()) > 40]
SPAM = "Buy cheap watches online today! " * 40


def scored(content: bytes, content_format: str = "jsonl", policy=V2):
    analysis = analyse(content, content_format=content_format, modality="text", policy=policy)
    return finalise(analysis, duplicates=Duplicates(), policy=policy)


def jsonl(*records: dict) -> bytes:
    return "".join(json.dumps(record) + "\n" for record in records).encode()


def test_each_record_is_a_document_kept_or_dropped_with_its_reason() -> None:
    good = [{"text": " ".join(p.split())} for p in PARAGRAPHS[:4]]
    report = scored(jsonl(good[0], {"title": "no text field"}, good[1], good[0], {"text": SPAM}, good[2], good[3]))

    assert report.documents is not None and report.documents["count"] == 7 and report.documents["kept"] == 4
    assert report.documents["dropped"] == {
        "copy_in_upload": [3], "gopher_repetition:top_2gram": [4], "no_text": [1],
    }  # fmt: skip
    # Under half of the words are kept (the copy and the spam count as dropped words): the upload fails.
    assert report.verdict == "fail" and report.dimensions["documents"]["reason"] == "too_little_kept"


def test_the_kept_share_scales_the_score_so_junk_padding_earns_nothing() -> None:
    good = [{"text": " ".join(p.split())} for p in PARAGRAPHS[:4]]
    clean = scored(jsonl(*good))
    padded = scored(jsonl(*good, *({"text": SPAM + str(n)} for n in range(2))))

    share = padded.dimensions["documents"]["value"]
    assert clean.documents and clean.documents["kept"] == 4 and clean.dimensions["documents"]["value"] == 10_000
    assert padded.score < clean.score and padded.score <= clean.score * share // 10_000 + 1


def test_an_upload_of_junk_fails_with_the_reason_named() -> None:
    report = scored((SPAM + "\n").encode() * 20, content_format="text")

    assert (report.score, report.verdict) == (0, "fail")
    assert report.dimensions["documents"]["reason"] == "too_little_kept"
    assert "gopher_repetition" in report.summary


def test_a_plain_text_file_is_one_document() -> None:
    report = scored("\n\n".join(PARAGRAPHS).encode(), content_format="text")

    assert report.documents == {"count": 1, "kept": 1, "words": report.documents["words"],
                                "kept_words": report.documents["words"], "dropped": {}}  # fmt: skip


def test_v2_reports_carry_every_decision_and_v1_reports_keep_their_bytes() -> None:
    content = jsonl({"text": " ".join(PARAGRAPHS[0].split())}, {"text": SPAM})

    assert json.loads(report_bytes(scored(content)))["documents"]["dropped"] == {"gopher_repetition:top_2gram": [1]}
    assert "documents" not in json.loads(report_bytes(scored(content, policy=V1)))
    assert report_bytes(scored(content)) == report_bytes(scored(content))
