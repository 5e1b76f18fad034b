"""Policy v2 on small uploads: every document kept or dropped with its reason, the kept share scaling the score."""

import json
from pathlib import Path

from polyphony.scoring import Duplicates, analyse, finalise, load_policy, report_bytes
from polyphony.scoring.results import DocumentCopy

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
                                "kept_words": report.documents["words"], "dropped": {}, "copies": []}  # fmt: skip


def test_v2_reports_carry_every_decision_and_v1_reports_keep_their_bytes() -> None:
    content = jsonl({"text": " ".join(PARAGRAPHS[0].split())}, {"text": SPAM})

    assert json.loads(report_bytes(scored(content)))["documents"]["dropped"] == {"gopher_repetition:top_2gram": [1]}
    assert "documents" not in json.loads(report_bytes(scored(content, policy=V1)))
    assert report_bytes(scored(content)) == report_bytes(scored(content))


def one_word_in_twenty_changed(text: str) -> str:
    return " ".join("changed" if n % 20 == 7 else word for n, word in enumerate(text.split()))


def test_a_near_copy_within_the_upload_is_dropped_and_a_short_document_is_checked_for_exact_copies_only() -> None:
    long, other = " ".join(PARAGRAPHS[0].split()), " ".join(PARAGRAPHS[1].split())
    report = scored(jsonl({"text": long}, {"text": other}, {"text": one_word_in_twenty_changed(long)}))

    assert report.documents is not None and report.documents["dropped"] == {"near_copy_in_upload": [2]}
    keys = analyse(jsonl({"text": long}, {"text": "Too short to be a near copy."}), content_format="jsonl",
                   modality="text", policy=V2).documents.keys  # fmt: skip
    assert [key.compact is not None for key in keys] == [True]  # the short one failed the gates; no near check


def test_copies_of_earlier_contributions_documents_are_dropped_and_lower_the_score() -> None:
    good = [{"text": " ".join(p.split())} for p in PARAGRAPHS[:4]]
    analysis = analyse(jsonl(*good), content_format="jsonl", modality="text", policy=V2)
    copies = (DocumentCopy(index=1, contribution=7, document=0, similarity_bp=10_000),
              DocumentCopy(index=3, contribution=9, document=2, similarity_bp=7_100))  # fmt: skip

    alone = finalise(analysis, duplicates=Duplicates(), policy=V2)
    copying = finalise(analysis, duplicates=Duplicates(document_copies=copies), policy=V2)

    assert copying.documents is not None and copying.documents["kept"] == 2
    assert copying.documents["dropped"] == {"copy_of_earlier": [1], "near_copy_of_earlier": [3]}
    assert copying.documents["copies"] == [[1, 7, 0, 10_000], [3, 9, 2, 7_100]]
    assert copying.score < alone.score and copying.dimensions["documents"]["value"] < 10_000
    assert "contribution 7's document 0" in copying.dimensions["near_duplicate"]["explanation"]
