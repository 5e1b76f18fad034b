"""What a contributor does through the API, as plain functions the tests and the benchmarks share."""

from celery.result import AsyncResult
from eth_account.signers.local import LocalAccount

from cli.client import PolyphonyClient
from polyphony.queue import get_celery

JSONL = b'{"text": "Polyphony keeps many voices."}\n{"text": "Each one signs what it gives."}\n'
FORM = {
    "title": "Two sentences", "description": "A tiny JSONL sample", "license": "cc-by-4.0",
    "modality": "text", "language": "en", "consent": "I agree that this data may train community models.",
}  # fmt: skip


def upload(client: PolyphonyClient, content: bytes = JSONL, name: str = "sample.jsonl", **form: str) -> dict:  # type: ignore[type-arg]
    files = {"file": (name, content, "application/octet-stream")}
    return client.call("POST", "/contributions", data={**FORM, **form}, files=files)  # type: ignore[no-any-return]


def claim(client: PolyphonyClient, contribution_id: int, signer: LocalAccount | None = None) -> dict:  # type: ignore[type-arg]
    typed = client.call("GET", f"/contributions/{contribution_id}/claim")
    account = signer or client.account
    assert account is not None, "claim needs a signer: the client is not signed in"
    signed = account.sign_typed_data(full_message=typed)
    signature = "0x" + bytes(signed.signature).hex()
    return client.call("POST", f"/contributions/{contribution_id}/claim", json={"signature": signature})  # type: ignore[no-any-return]


def anchor_through_the_chain_worker() -> int | None:
    result: AsyncResult[int | None] = get_celery().send_task("chain.anchor_claims")
    return result.get(timeout=120)
