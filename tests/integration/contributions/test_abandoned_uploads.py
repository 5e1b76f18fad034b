"""What a dead upload leaves is swept within seconds, and a live one's is never touched: two API processes under
uvicorn share one state folder; one is killed (SIGKILL) while an upload streams into it, and the other one's
sweep removes that upload's staging and spool file while its own slow upload goes on and is kept. A refused
upload leaves nothing, at once.
"""

import logging
import os
import secrets
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account import Account
from rich.console import Console
from sqlalchemy.engine import Engine

from chain.bindings import Deployment
from cli.client import ClientError, PolyphonyClient
from cli.stack import Part, Stack, api_part, free_port
from polyphony.settings import Settings
from tests.support.contributor_flows import FORM

log = logging.getLogger(__name__)
SWEEP_S = 1
SWEPT_WITHIN_S = 60  # a guard against a sweep that never comes, far above the period


@dataclass
class Api:
    url: str
    part: Part


def _api(stack: Stack, settings: Settings, port: int) -> Api:
    part = api_part(settings.model_copy(update={"polyphony_api_workers": 1, "polyphony_api_port": port}))
    # A slow upload here pauses between pieces for longer than the default idle timeout would allow. The local
    # store, whichever is configured: what is swept is its stagings (an IPFS node collects its own unpinned
    # blocks), and a js-ipfs node whose add client is killed keeps its garbage-collection lock for good.
    part.env.update({
        "POLYPHONY_UPLOAD_SWEEP_S": str(SWEEP_S), "POLYPHONY_BODY_IDLE_TIMEOUT_S": "60", "IPFS_API_URL": "",
    })  # fmt: skip
    stack.start(part)
    return Api(f"http://127.0.0.1:{port}", part)


@pytest.fixture
def two_apis(settings: Settings, redis_url: str, engine: Engine, deployment: Deployment) -> Iterator[list[Api]]:
    stack = Stack(settings, Console(quiet=True))
    # The first one listens where sign-in messages say the API is; bearer tokens (in Redis) hold on both.
    apis = [_api(stack, settings, settings.polyphony_api_port), _api(stack, settings, free_port())]
    yield apis
    stack.stop_all()


def streaming_upload(api: Api, token: str, *, first_bytes: int) -> socket.socket:
    """An upload whose form says nothing of its format before the file (so it is spooled too), with its first
    `first_bytes` bytes of file sent; the rest is sent by `finish_upload`."""
    port = int(api.url.rsplit(":", 1)[1])
    connection = socket.create_connection(("127.0.0.1", port))
    head = (
        f"POST /contributions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: multipart/form-data; boundary=b0\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    connection.sendall(head.encode())
    _send_chunk(connection, b'--b0\r\nContent-Disposition: form-data; name="file"; filename="slow.jsonl"\r\n\r\n')
    _send_chunk(connection, _jsonl(first_bytes))
    return connection


def finish_upload(connection: socket.socket) -> bytes:
    """Send the rest of a `streaming_upload`: the end of its file and its fields; the answer."""
    rest = b"\r\n" + b"".join(
        f'--b0\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in FORM.items()
    )
    _send_chunk(connection, rest + b"--b0--\r\n")
    connection.sendall(b"0\r\n\r\n")
    connection.settimeout(60)
    answer = b""
    while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
        answer += connection.recv(65536)
    connection.close()
    return answer


def _send_chunk(connection: socket.socket, data: bytes) -> None:
    connection.sendall(f"{len(data):x}\r\n".encode() + data + b"\r\n")


def _jsonl(size: int) -> bytes:
    line = b'{"text": "' + secrets.token_hex(40).encode() + b'"}\n'
    return line * (size // len(line))


def leftovers_of(settings: Settings, pid: int) -> list[Path]:
    """The stagings (the local store's folders) and spool files the process `pid` holds."""
    places = [settings.blocks_dir / "staging", settings.spool_dir]
    found = [path for place in places if place.is_dir() for path in place.iterdir()]
    return [path for path in found if f".{pid}." in path.name]


def wait_for(condition: object, *, within_s: float) -> float:
    """Seconds until `condition()` held; fails past `within_s`."""
    started = time.monotonic()
    while not condition():  # type: ignore[operator]
        assert time.monotonic() - started < within_s, "the sweep did not come"
        time.sleep(0.1)
    return time.monotonic() - started


def test_a_killed_uploads_leftovers_are_swept_and_a_live_uploads_are_kept(
    two_apis: list[Api], settings: Settings
) -> None:
    dying, living = two_apis
    with PolyphonyClient(dying.url, Account.create()) as client:
        token = client.sign_in()
    slow = streaming_upload(living, token, first_bytes=600_000)
    doomed = streaming_upload(dying, token, first_bytes=1_200_000)
    assert dying.part.process is not None and living.part.process is not None
    wait_for(lambda: len(leftovers_of(settings, dying.part.process.pid)) >= 2, within_s=30)  # type: ignore[union-attr]

    os.kill(dying.part.process.pid, signal.SIGKILL)
    dying.part.process.wait()
    doomed.close()
    swept_after_s = wait_for(lambda: not leftovers_of(settings, dying.part.process.pid), within_s=SWEPT_WITHIN_S)  # type: ignore[union-attr]
    log.info("a killed upload's staging and spool file were swept %.1f s after the kill", swept_after_s)

    assert len(leftovers_of(settings, living.part.process.pid)) >= 2  # the live upload's: untouched
    answer = finish_upload(slow)
    assert answer.startswith(b"HTTP/1.1 201 ") and b'"status":"stored"' in answer
    assert leftovers_of(settings, living.part.process.pid) == []


def test_a_refused_upload_leaves_nothing_at_once(two_apis: list[Api], settings: Settings) -> None:
    api = two_apis[0]
    with PolyphonyClient(api.url, Account.create()) as client:
        client.sign_in()
        with pytest.raises(ClientError) as refused:
            client.call(
                "POST", "/contributions", data={**FORM, "license": "not-a-license"},
                files={"file": ("refused.jsonl", _jsonl(900_000), "application/octet-stream")},
            )  # fmt: skip
    assert refused.value.status == 400
    assert api.part.process is not None
    assert leftovers_of(settings, api.part.process.pid) == []
