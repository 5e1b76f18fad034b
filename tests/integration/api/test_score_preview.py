"""`POST /scores/preview`: what a file would score, through the real API, with nothing stored."""

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from cli.client import ClientError, PolyphonyClient
from polyphony.formats.declared import ContentFormat, Modality
from polyphony.formats.readers import FormatLimits
from polyphony.scores.preview import preview_file
from polyphony.settings import Settings, get_settings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "scoring"


def preview(client: PolyphonyClient, name: str, content: bytes, **form: str) -> dict:  # type: ignore[type-arg]
    files = {"file": (name, content, "application/octet-stream")}
    return client.call("POST", "/scores/preview", data=form, files=files)  # type: ignore[no-any-return]


def test_a_preview_answers_what_polyphony_score_prints_and_stores_nothing(
    contributor: PolyphonyClient, settings: Settings
) -> None:
    prose = FIXTURES / "gzip_man.txt"
    before = sorted(settings.spool_dir.glob("*")) if settings.spool_dir.is_dir() else []

    answered = preview(contributor, "gzip.txt", prose.read_bytes())

    offline = preview_file(prose, fmt=ContentFormat.TEXT, modality=Modality.TEXT, limits=FormatLimits())
    assert answered == offline.to_json(file="gzip.txt")
    assert contributor.call("GET", "/contributions", params={"contributor": contributor.account.address})["total"] == 0
    assert (sorted(settings.spool_dir.glob("*")) if settings.spool_dir.is_dir() else []) == before


def test_the_format_field_names_a_format_the_file_name_does_not(contributor: PolyphonyClient) -> None:
    records = "".join(json.dumps({"text": line}) + "\n" for line in (FIXTURES / "ls_man.txt").read_text().split("\n\n"))

    answered = preview(contributor, "export.data", records.encode(), format="jsonl")

    assert answered["records"] == len(records.splitlines()) and answered["file"] == "export.data"


def test_the_text_field_names_which_field_of_each_record_is_judged(contributor: PolyphonyClient) -> None:
    paragraphs = [p for p in (FIXTURES / "gzip_man.txt").read_text().split("\n\n") if len(p.split()) > 40]
    records = "".join(json.dumps({"body": p, "text": "Buy cheap watches online today! " * 30}) + "\n"
                      for p in paragraphs).encode()  # fmt: skip

    by_default = preview(contributor, "export.jsonl", records)
    by_body = preview(contributor, "export.jsonl", records, text_field="body")

    assert (by_default["verdict"], by_default["kept_records"]) == ("fail", 0)  # the spam in `text` is judged
    assert (by_body["verdict"], by_body["kept_records"]) == ("pass", len(paragraphs))


@pytest.mark.parametrize(
    ("name", "content", "form", "code"),
    [
        ("latin1.txt", "caf\xe9".encode("latin-1"), {}, "invalid_utf8"),
        ("table.csv", b"a,b\n1,2\n", {"modality": "image"}, "modality_mismatch"),
        ("notes.txt", b"Plain prose.\n", {"text_field": "body"}, "text_field_not_applicable"),
        ("table.csv", b"a,b\n1,2\n", {"modality": "tabular", "text_field": "a"}, "text_field_not_applicable"),
    ],
)
def test_a_file_the_upload_would_refuse_is_a_400_with_the_uploads_code(
    contributor: PolyphonyClient, name: str, content: bytes, form: dict[str, str], code: str
) -> None:
    with pytest.raises(ClientError) as refused:
        preview(contributor, name, content, **form)
    assert (refused.value.status, refused.value.code) == (400, code)


@pytest.mark.parametrize("name", ["notes.docx", "README"])
def test_a_file_type_the_upload_does_not_take_is_a_415(contributor: PolyphonyClient, name: str) -> None:
    with pytest.raises(ClientError) as refused:
        preview(contributor, name, b"PK\x03\x04")
    assert (refused.value.status, refused.value.code) == (415, "unsupported_format")
    assert "extension" in refused.value.message


def test_a_preview_needs_a_token_a_file_and_a_size_within_the_limit(
    contributor: PolyphonyClient, settings: Settings
) -> None:
    anonymous = TestClient(create_app(), base_url=settings.effective_public_url)
    files = {"file": ("a.txt", b"hello")}
    assert anonymous.post("/scores/preview", files=files).json()["error"]["code"] == "missing_token"
    with pytest.raises(ClientError) as no_file:
        contributor.call("POST", "/scores/preview", data={"format": "text"}, files={"other": ("a.txt", b"x")})
    assert (no_file.value.status, no_file.value.code) == (400, "missing_file")
    app = contributor.http.app  # type: ignore[attr-defined]
    app.dependency_overrides[get_settings] = lambda: settings.model_copy(update={"polyphony_max_preview_bytes": 1})
    with pytest.raises(ClientError) as too_large:
        preview(contributor, "big.txt", b"x" * (2 << 20))
    assert (too_large.value.status, too_large.value.code) == (413, "upload_too_large")
