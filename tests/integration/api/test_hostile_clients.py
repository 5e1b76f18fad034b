"""Hostile clients against the API under uvicorn: a slowloris (a 500 MB Content-Length, then silence) is cut
with a 408 and leaves nothing behind, a request head that never ends is cut too, one client's uploads in flight
are bounded, and a flood of refused uploads from one address uses neither its own quota nor anyone else's,
while another client uploads as usual.

Clients come from their own loopback addresses (127.0.0.x), as clients behind different addresses would.
"""

import logging
import os
import secrets
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from eth_account import Account
from rich.console import Console
from sqlalchemy.engine import Engine

from chain.bindings import Deployment
from cli.client import ClientError, PolyphonyClient
from cli.stack import Stack, api_part
from polyphony.settings import Settings
from tests.support.contributor_flows import FORM, upload

log = logging.getLogger(__name__)
IDLE_S = 2
AT_ONCE = 2
REFUSED = 6
QUOTA = 4


@pytest.fixture(scope="module")
def api_url(settings: Settings, redis_url: str, engine: Engine, deployment: Deployment) -> Iterator[str]:
    api = Stack(settings, Console(quiet=True))
    part = api_part(settings.model_copy(update={"polyphony_api_workers": 1}))
    part.env.update({
        "POLYPHONY_BODY_IDLE_TIMEOUT_S": str(IDLE_S), "POLYPHONY_HEADER_TIMEOUT_S": str(IDLE_S),
        "POLYPHONY_UPLOADS_AT_ONCE_PER_CLIENT": str(AT_ONCE), "POLYPHONY_REFUSED_UPLOADS_PER_CLIENT": str(REFUSED),
        "POLYPHONY_UPLOAD_PER_CLIENT": str(QUOTA),
    })  # fmt: skip
    api.start(part)
    yield f"http://127.0.0.1:{settings.polyphony_api_port}"
    api.stop_all()


def client_at(api_url: str, address: str) -> PolyphonyClient:
    """A fresh wallet signed in from the loopback address `address`."""
    transport = httpx.HTTPTransport(local_address=address)
    http = httpx.Client(base_url=api_url, transport=transport, timeout=30)
    client = PolyphonyClient(api_url, Account.create(), http=http)
    client.sign_in()
    return client


def stalled_upload(api_url: str, token: str, *, source: str) -> socket.socket:
    """An upload that announces 500 MB, sends its first bytes, and then nothing more."""
    port = int(api_url.rsplit(":", 1)[1])
    connection = socket.create_connection(("127.0.0.1", port), source_address=(source, 0))
    boundary = "slow"
    head = (
        f"POST /contributions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {500 * 2**20}\r\n\r\n"
    )
    first_bytes = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n'
    connection.sendall(head.encode() + first_bytes.encode() + os.urandom(300_000))
    return connection


def answer_of(connection: socket.socket, *, within_s: float) -> tuple[bytes, float]:
    """What the server answers on `connection` until it closes it, and after how many seconds it did; a server
    that holds the connection past `within_s` fails the test (socket.timeout)."""
    started = time.monotonic()
    connection.settimeout(within_s)
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    connection.close()
    return received, time.monotonic() - started


def leftovers(settings: Settings) -> list[Path]:
    """Stagings and spool files on disk: none once every upload is answered."""
    staging, spool = settings.blocks_dir / "staging", settings.spool_dir
    return [*(staging.iterdir() if staging.is_dir() else ()), *spool.glob("incoming-*")]


def test_a_slowloris_upload_is_cut_with_a_408_while_another_client_uploads(api_url: str, settings: Settings) -> None:
    slow, other = client_at(api_url, "127.0.0.2"), client_at(api_url, "127.0.0.3")
    stalled = stalled_upload(api_url, str(slow.token), source="127.0.0.2")
    uploaded = upload(other, content=secrets.token_hex(32).encode().join([b'{"text": "', b'"}\n']))
    answer, after_s = answer_of(stalled, within_s=IDLE_S + 10)
    assert uploaded["status"] == "stored"
    assert answer.startswith(b"HTTP/1.1 408 ") and b'"request_timeout"' in answer
    assert leftovers(settings) == []
    log.info(f"slowloris body cut after {after_s:.1f} s (idle timeout {IDLE_S} s)")


def test_a_request_head_that_never_ends_is_cut_with_a_408(api_url: str) -> None:
    port = int(api_url.rsplit(":", 1)[1])
    connection = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.4", 0))
    connection.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    answer, after_s = answer_of(connection, within_s=IDLE_S + 10)
    assert answer.startswith(b"HTTP/1.1 408 ")
    log.info(f"slowloris head cut after {after_s:.1f} s (header timeout {IDLE_S} s)")
    silent = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.4", 0))
    assert answer_of(silent, within_s=IDLE_S + 10)[0].startswith(b"HTTP/1.1 408 ")


def test_one_client_has_at_most_so_many_uploads_in_flight(api_url: str) -> None:
    busy = client_at(api_url, "127.0.0.5")
    stalled = [stalled_upload(api_url, str(busy.token), source="127.0.0.5") for _ in range(AT_ONCE)]
    time.sleep(0.5)  # both are in
    with pytest.raises(ClientError) as refused:
        upload(busy)
    assert refused.value.status == 429 and "at once" in refused.value.message
    assert all(answer_of(connection, within_s=IDLE_S + 10)[0].startswith(b"HTTP/1.1 408 ") for connection in stalled)
    assert upload(busy, content=b'{"text": "once the stalled ones were cut"}\n')["status"] == "stored"


def test_refused_uploads_fill_their_own_bucket_not_the_quota(api_url: str) -> None:
    flooder, neighbour = client_at(api_url, "127.0.0.6"), client_at(api_url, "127.0.0.7")
    for attempt in range(QUOTA):  # as many refusals as the whole quota: none of it is used
        with pytest.raises(ClientError) as refused:
            upload(flooder, content=f'{{"text": "{attempt}"}}\n'.encode(), license="not-a-license")
        assert refused.value.status == 400
    assert upload(flooder, content=b'{"text": "a good one after the bad ones"}\n')["status"] == "stored"
    statuses = []
    for attempt in range(REFUSED):
        try:
            upload(flooder, content=f'{{"text": "flood {attempt}"}}\n'.encode(), license="not-a-license")
        except ClientError as error:
            statuses.append(error.status)
    assert statuses[: REFUSED - QUOTA] == [400] * (REFUSED - QUOTA) and statuses[-1] == 429
    with pytest.raises(ClientError) as stopped:
        upload(flooder, content=b'{"text": "even a good one waits now"}\n')
    assert stopped.value.status == 429 and "refused uploads" in stopped.value.message
    assert upload(neighbour, content=b'{"text": "the neighbour is not affected"}\n')["status"] == "stored"
    assert FORM["license"]  # the good uploads above used the shared, valid form
