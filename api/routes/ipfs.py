"""`GET /ipfs/{cid}`: a read-only gateway to the configured store, with HTTP byte ranges.

Bytes served here need no trust: a client re-hashes them against the CID (`polyphony verify` does).
"""

import re
from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import StreamingResponse

from api.deps import StorageDep
from api.schemas.errors import ErrorPublic
from polyphony.storage.cid import parse_cid
from polyphony.storage.errors import InvalidRange

router = APIRouter(tags=["storage"])

_SINGLE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@router.get(
    "/ipfs/{cid}",
    response_class=StreamingResponse,
    responses={206: {"description": "Partial content"}, **{c: {"model": ErrorPublic} for c in (400, 404, 416)}},
)
def get_blob(
    cid: str, storage: StorageDep, range_: Annotated[str | None, Header(alias="Range")] = None
) -> StreamingResponse:
    """The content of `cid`, whole or one byte range (`Range: bytes=start-end`)."""
    canonical = str(parse_cid(cid))
    size = storage.size(canonical)
    start, end = byte_range(range_, size=size) if range_ else (0, size)
    headers = {
        "Accept-Ranges": "bytes", "Content-Length": str(end - start), "ETag": f'"{canonical}"',
        "Cache-Control": "public, max-age=31536000, immutable", "X-Ipfs-Path": f"/ipfs/{canonical}",
    }  # fmt: skip
    if range_:
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    content = storage.cat(canonical, offset=start, length=end - start)
    return StreamingResponse(
        content, status_code=206 if range_ else 200, media_type="application/octet-stream", headers=headers
    )


def byte_range(header: str, *, size: int) -> tuple[int, int]:
    """The [start, end) one `Range: bytes=...` header asks of a `size`-byte blob (RFC 9110, one range)."""
    match = _SINGLE_RANGE.match(header.strip())
    if match is None or match.groups() == ("", ""):
        raise InvalidRange(f"'{header}' is not one byte range: send e.g. 'bytes=0-1023' or 'bytes=-500'")
    first, last = match.groups()
    if first == "":  # a suffix: the last N bytes
        return max(size - int(last), 0), size
    start, end = int(first), size if last == "" else min(int(last) + 1, size)
    if start >= size or end <= start:
        raise InvalidRange(f"bytes {first}-{last} are outside this {size}-byte blob")
    return start, end
