"""A contributor's first contact, through the real API, Redis, storage, anvil and the chain-queue worker:
sign in, upload, sign the claim, see it anchored, and prove it without trusting the API's database."""

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from sqlmodel import select
from web3 import Web3

from api.main import create_app
from chain.provenance import Provenance
from chain.verify.provenance import verify_provenance
from cli.client import ClientError, PolyphonyClient
from polyphony.db import session_scope
from polyphony.models.contribution import Contribution
from polyphony.settings import Settings, get_settings
from polyphony.storage import storage_from_settings
from polyphony.storage.base import Storage
from polyphony.storage.local import LocalStorage
from polyphony.storage.unixfs import cid_of
from tests.support.contributor_flows import FORM, JSONL, anchor_through_the_chain_worker, claim, upload

BOUNDARY = "polyphony-test-boundary"
UNKEPT = b'{"text": "Refused for its metadata, these bytes are never kept."}\n'


@pytest.mark.usefixtures("chain_celery_worker")
def test_upload_claim_anchor_and_verify_end_to_end(
    contributor: PolyphonyClient, web3: Web3, settings: Settings
) -> None:
    stored = upload(contributor)
    assert stored["status"] == "stored" and stored["size"] == len(JSONL) and stored["license"] == "CC-BY-4.0"
    assert stored["cid"].startswith("bafkrei")  # one raw block: Kubo's CIDv1 for these bytes

    claimed = claim(contributor, stored["id"])
    assert claimed["status"] == "claimed"
    assert anchor_through_the_chain_worker() is not None

    followed = contributor.call("GET", f"/contributions/{stored['id']}")
    assert followed["status"] == "anchored"
    steps = [step["step"] for step in followed["timeline"]]
    assert steps == ["uploaded", "stored", "claimed", "anchored"]
    assert followed["timeline"][-1]["tx_hash"].startswith("0x")

    record = Provenance(**contributor.call("GET", f"/contributions/{stored['id']}/provenance"))
    storage = storage_from_settings(settings)
    checks = verify_provenance(stored["id"], record, web3=web3, blobs=storage)
    assert [check.ok for check in checks] == [True] * 7, checks

    tampered = verify_provenance(stored["id"], record, web3=web3, blobs=_TamperedContent(storage, stored["cid"]))
    assert [check.ok for check in tampered] == [True] * 6 + [False]
    assert "hash to" in tampered[-1].detail

    lying = Provenance(**{**record.__dict__, "root": "0x" + "00" * 32})
    assert not verify_provenance(stored["id"], lying, web3=web3, blobs=storage)[-1].ok


class _TamperedContent:
    """A store that serves one flipped byte in the contribution's content, as a corrupted disk or node would."""

    def __init__(self, storage: Storage, cid: str) -> None:
        self.storage, self.cid = storage, cid

    def cat(self, cid: str, *, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        content = b"".join(self.storage.cat(cid, offset=offset, length=length))
        yield bytes([content[0] ^ 1]) + content[1:] if cid == self.cid else content


def test_the_same_bytes_again_are_the_same_contribution(contributor: PolyphonyClient) -> None:
    first = upload(contributor, content=b'{"n": 1}\n')
    again = upload(contributor, content=b'{"n": 1}\n', title="another title")
    assert again["id"] == first["id"]


def test_a_retried_request_with_the_same_idempotency_key_is_the_same_contribution(
    contributor: PolyphonyClient,
) -> None:
    headers = {"Idempotency-Key": "upload-7f3a"}
    first = contributor.call(
        "POST", "/contributions", data=FORM, files={"file": ("a.jsonl", b'{"try": 1}\n')}, headers=headers
    )
    # Even with other bytes, a request under a key already used answers what the first one made.
    retried = contributor.call(
        "POST", "/contributions", data=FORM, files={"file": ("b.jsonl", b'{"try": 2}\n')}, headers=headers
    )
    assert retried["id"] == first["id"] and retried["sha256"] == first["sha256"]


def test_a_claim_signed_by_another_key_is_refused(contributor: PolyphonyClient) -> None:
    stored = upload(contributor, content=b'{"n": 2}\n')
    with pytest.raises(ClientError) as refused:
        claim(contributor, stored["id"], signer=Account.create())
    assert (refused.value.status, refused.value.code) == (400, "signature_wrong_signer")
    assert contributor.call("GET", f"/contributions/{stored['id']}")["status"] == "stored"


def test_nobody_claims_someone_elses_contribution(contributor: PolyphonyClient, stranger: PolyphonyClient) -> None:
    stored = upload(contributor, content=b'{"n": 3}\n')
    with pytest.raises(ClientError) as refused:
        stranger.call("GET", f"/contributions/{stored['id']}/claim")
    assert (refused.value.status, refused.value.code) == (403, "not_your_contribution")


@pytest.mark.parametrize(
    ("name", "content", "form", "status", "code"),
    [
        ("data.jsonl", b"", {}, 400, "empty_file"),
        ("data.jsonl", b"[1, 2, 3]\n", {}, 400, "format_mismatch"),
        ("data.jsonl", b'{"a": 1}\nnot json\n', {}, 400, "not_jsonl"),
        ("data.txt", b"caf\xe9\n", {}, 400, "invalid_utf8"),
        ("data.jsonl", UNKEPT, {"license": "Not-A-License"}, 400, "unknown_license"),
        ("data.jsonl", UNKEPT, {"title": ""}, 400, "invalid_metadata"),
        ("data.jsonl", UNKEPT, {"language": "english please"}, 400, "invalid_metadata"),
        ("data.exe", b"MZ", {}, 415, "unsupported_format"),
        ("data", b'{"named": "without an extension"}\n', {}, 415, "unsupported_format"),
    ],
)
def test_bad_uploads_are_refused_with_a_code_and_nothing_is_kept(
    contributor: PolyphonyClient, settings: Settings, name: str, content: bytes, form: dict[str, str], status: int,
    code: str,
) -> None:  # fmt: skip
    with pytest.raises(ClientError) as refused:
        upload(contributor, content=content, name=name, **form)
    assert (refused.value.status, refused.value.code) == (status, code), refused.value.message
    _assert_nothing_kept(contributor.account.address, settings.spool_dir)
    _assert_not_pinned(settings, content)


def test_a_large_upload_refused_early_in_its_body_is_cut_off_and_nothing_is_pinned(
    contributor: PolyphonyClient, settings: Settings
) -> None:
    # Far more than a pipe holds, so the receiver waits on the check, which refuses line 2 while bytes still come.
    content = b'{"a": 1}\nnot json\n' + b'{"pad": "' + b"x" * 1000 + b'"}\n' * 12_000
    with pytest.raises(ClientError) as refused:
        upload(contributor, content=content)
    assert (refused.value.status, refused.value.code) == (400, "not_jsonl"), refused.value.message
    _assert_nothing_kept(contributor.account.address, settings.spool_dir)
    _assert_not_pinned(settings, content)


def test_fields_sent_after_the_file_are_read_and_the_file_checked_once_it_arrived(
    contributor: PolyphonyClient, settings: Settings
) -> None:
    good = _multipart([("file", JSONL), *FORM.items()])
    assert _post(contributor, good).status_code == 201
    bad = _multipart([("file", b"[1, 2]\n"), *FORM.items()])
    assert _post(contributor, bad).json()["error"]["code"] == "format_mismatch"
    assert list(settings.spool_dir.glob("*")) == []
    _assert_not_pinned(settings, b"[1, 2]\n")


def test_an_upload_answers_where_its_time_went_by_phase(contributor: PolyphonyClient) -> None:
    answer = _post(contributor, _multipart([*FORM.items(), ("file", b'{"text": "timed by phase"}\n')]))
    assert answer.status_code == 201, answer.text
    phases = dict(metric.split(";dur=") for metric in answer.headers["Server-Timing"].split(", "))
    expected = {"token", "admission", "body", "thread_hop", "storage_and_check", "metadata", "commit_storing", "pin",
                "commit_stored"}  # fmt: skip
    assert set(phases) == expected
    assert all(float(ms) >= 0 for ms in phases.values())


def test_a_field_sent_twice_is_refused(contributor: PolyphonyClient, settings: Settings) -> None:
    body = _multipart([*FORM.items(), ("modality", "image"), ("file", JSONL)])
    answer = _post(contributor, body)
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "malformed_upload")
    _assert_nothing_kept(contributor.account.address, settings.spool_dir)


def _multipart(parts: list[tuple[str, str | bytes]]) -> bytes:
    """A multipart body with its parts in this order (the file part is `sample.jsonl`)."""
    body = b""
    for name, value in parts:
        filename = '; filename="sample.jsonl"' if name == "file" else ""
        payload = value if isinstance(value, bytes) else value.encode()
        body += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"{filename}\r\n\r\n'.encode()
        body += payload + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


def _post(contributor: PolyphonyClient, body: bytes) -> httpx.Response:
    headers = {
        "Authorization": f"Bearer {contributor.token}",
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
    }
    return contributor.http.post("/contributions", content=body, headers=headers)


def _assert_not_pinned(settings: Settings, content: bytes) -> None:
    """The bytes of a refused upload are held by no pin: garbage collection takes whatever was staged."""
    storage = storage_from_settings(settings)
    if isinstance(storage, LocalStorage):
        cid = cid_of(content)
        assert not (storage.root / "pins" / cid).exists()
        storage.gc()
        assert not storage.has(cid)


def test_an_upload_over_the_limit_is_cut_off_with_413(contributor: PolyphonyClient, settings: Settings) -> None:
    app = contributor.http.app  # type: ignore[attr-defined]
    app.dependency_overrides[get_settings] = lambda: settings.model_copy(update={"polyphony_max_upload_bytes": 1024})
    with pytest.raises(ClientError) as refused:
        upload(contributor, content=b'{"pad": "' + b"x" * 4096 + b'"}\n')
    assert (refused.value.status, refused.value.code) == (413, "upload_too_large")
    _assert_nothing_kept(contributor.account.address, settings.spool_dir)


def test_uploads_need_a_token_and_multipart(settings: Settings, contributor: PolyphonyClient) -> None:
    anonymous = TestClient(create_app(), base_url=settings.effective_public_url)
    files = {"file": ("a.jsonl", JSONL)}
    assert anonymous.post("/contributions", data=FORM, files=files).json()["error"]["code"] == "missing_token"
    with pytest.raises(ClientError) as refused:
        contributor.call(
            "POST", "/contributions", content=json.dumps(FORM), headers={"Content-Type": "application/json"}
        )
    assert (refused.value.status, refused.value.code) == (415, "not_multipart")


def _assert_nothing_kept(contributor: str, spool_dir: Path) -> None:
    with session_scope() as session:
        rows = session.exec(select(Contribution).where(Contribution.contributor == contributor)).all()
    assert rows == []
    assert list(spool_dir.glob("*")) == []
