"""`GET /ipfs/{cid}`: whole blobs, one byte range, and clear errors, from the configured store."""

import io

from fastapi.testclient import TestClient

from api.main import create_app
from polyphony.settings import Settings
from polyphony.storage import storage_from_settings

CONTENT = bytes(range(256)) * 1200  # 307,200 bytes: two blocks, so ranges cross a block boundary


def _stored(settings: Settings) -> str:
    return storage_from_settings(settings).add(io.BytesIO(CONTENT)).cid


def test_the_gateway_serves_the_whole_blob_with_its_length(settings: Settings, redis_url: str) -> None:
    cid = _stored(settings)
    answer = TestClient(create_app()).get(f"/ipfs/{cid}")
    assert answer.status_code == 200 and answer.content == CONTENT
    assert answer.headers["content-length"] == str(len(CONTENT)) and answer.headers["etag"] == f'"{cid}"'


def test_the_gateway_serves_byte_ranges_across_blocks_and_suffixes(settings: Settings, redis_url: str) -> None:
    cid, client = _stored(settings), TestClient(create_app())
    middle = client.get(f"/ipfs/{cid}", headers={"Range": "bytes=262000-262999"})
    assert middle.status_code == 206 and middle.content == CONTENT[262000:263000]
    assert middle.headers["content-range"] == f"bytes 262000-262999/{len(CONTENT)}"
    tail = client.get(f"/ipfs/{cid}", headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == CONTENT[-10:]
    open_ended = client.get(f"/ipfs/{cid}", headers={"Range": "bytes=307190-"})
    assert open_ended.content == CONTENT[307190:]


def test_the_gateway_answers_mistakes_with_codes(settings: Settings, redis_url: str) -> None:
    cid, client = _stored(settings), TestClient(create_app())
    past_the_end = client.get(f"/ipfs/{cid}", headers={"Range": f"bytes={len(CONTENT)}-"})
    assert (past_the_end.status_code, past_the_end.json()["error"]["code"]) == (416, "invalid_range")
    garbled = client.get(f"/ipfs/{cid}", headers={"Range": "lines=1-2"})
    assert garbled.status_code == 416
    assert client.get("/ipfs/not-a-cid").json()["error"]["code"] == "invalid_cid"
    unknown = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"  # sha256 of bytes nobody stored
    assert client.get(f"/ipfs/{unknown}").status_code == 404
