"""`GET /ipfs/{cid}`: whole blobs, one byte range, CARs and raw blocks by content negotiation, and clear errors,
from the configured store (the local CID store, or the IPFS node at IPFS_API_URL)."""

import hashlib
import io
from pathlib import Path

from fastapi.testclient import TestClient

from api.main import create_app
from polyphony.settings import Settings
from polyphony.storage import storage_from_settings
from polyphony.storage.base import CHUNK_SIZE
from polyphony.storage.cid import DAG_PB, RAW, Cid, parse_cid
from polyphony.storage.unixfs import decode_file_node
from tests.support.ipld_car import read_with_ipld_car

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
    # No single byte range (another unit, an unreadable one, several, a digit that is not ASCII): the whole blob,
    # as RFC 9110 lets a server answer, rather than an error.
    for unreadable in (b"lines=1-2", b"null", b"bytes=0-1,5-6", "bytes=\u00b3-".encode()):
        whole = client.get(f"/ipfs/{cid}", headers={"Range": unreadable})
        assert (whole.status_code, whole.content) == (200, CONTENT) and "content-range" not in whole.headers
    assert client.get("/ipfs/not-a-cid").json()["error"]["code"] == "invalid_cid"
    unknown = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"  # sha256 of bytes nobody stored
    assert client.get(f"/ipfs/{unknown}").status_code == 404


def test_a_car_is_served_for_the_car_media_type_or_format_car_and_reads_with_ipld_car(
    settings: Settings, redis_url: str, tmp_path: Path
) -> None:
    cid, client = _stored(settings), TestClient(create_app())
    by_accept = client.get(f"/ipfs/{cid}", headers={"Accept": "application/vnd.ipld.car; version=1"})
    by_query = client.get(f"/ipfs/{cid}", params={"format": "car"})
    assert by_accept.status_code == by_query.status_code == 200
    assert by_accept.content == by_query.content
    assert by_accept.headers["content-type"].startswith("application/vnd.ipld.car; version=1")
    assert by_accept.headers["x-content-type-options"] == "nosniff"
    assert by_accept.headers["content-disposition"] == f'attachment; filename="{cid}.car"'
    assert by_accept.headers["etag"] == f'"{cid}.car"' and by_accept.headers["vary"] == "Accept"
    (tmp_path / "blob.car").write_bytes(by_accept.content)
    read = read_with_ipld_car(tmp_path / "blob.car")
    assert read["roots"] == [cid] and len(read["blocks"]) == 3  # the root node and two leaves
    assert all(block["verified"] for block in read["blocks"])
    assert read["files"][cid] == {"sha256": hashlib.sha256(CONTENT).hexdigest(), "size": len(CONTENT)}


def test_a_raw_block_is_served_for_the_raw_media_type_or_format_raw(settings: Settings, redis_url: str) -> None:
    cid, client = _stored(settings), TestClient(create_app())
    root = client.get(f"/ipfs/{cid}", headers={"Accept": "application/vnd.ipld.raw"})
    assert root.status_code == 200 and root.headers["content-type"] == "application/vnd.ipld.raw"
    assert Cid.of_block(root.content, codec=DAG_PB) == parse_cid(cid)  # the dag-pb node itself, not the file
    assert root.headers["content-disposition"] == f'attachment; filename="{cid}.bin"'
    assert root.headers["x-content-type-options"] == "nosniff" and root.headers["etag"] == f'"{cid}.raw"'
    first_leaf = decode_file_node(root.content).links[0].cid
    leaf = client.get(f"/ipfs/{first_leaf}", params={"format": "raw"})
    assert leaf.content == CONTENT[:CHUNK_SIZE] and Cid.of_block(leaf.content, codec=RAW) == first_leaf


def test_content_negotiation_serves_browsers_the_bytes_and_refuses_what_it_cannot_serve(
    settings: Settings, redis_url: str
) -> None:
    cid, client = _stored(settings), TestClient(create_app())
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
    for accept in (browser, "*/*", "application/octet-stream"):
        answer = client.get(f"/ipfs/{cid}", headers={"Accept": accept})
        assert answer.status_code == 200 and answer.content == CONTENT, accept
    preferred = client.get(
        f"/ipfs/{cid}", headers={"Accept": "application/octet-stream;q=0.5, application/vnd.ipld.raw"}
    )
    assert preferred.headers["content-type"] == "application/vnd.ipld.raw"
    for accept in ("text/html", "application/json", "application/vnd.ipld.car; version=2", "*/*;q=0"):
        refused = client.get(f"/ipfs/{cid}", headers={"Accept": accept})
        assert (refused.status_code, refused.json()["error"]["code"]) == (406, "not_acceptable"), accept
    wrong = client.get(f"/ipfs/{cid}", params={"format": "tar"})
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (400, "invalid_format")
    unknown = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
    for format_ in ("car", "raw"):
        assert client.get(f"/ipfs/{unknown}", params={"format": format_}).status_code == 404
