"""`GET /ipfs/{cid}`: a read-only gateway to the configured store, with HTTP byte ranges and the trustless
gateway's answers (https://specs.ipfs.tech/http-gateways/trustless-gateway/).

The format is chosen by `?format=car|raw` or, without it, by the `Accept` header: a CAR of the whole DAG
(`application/vnd.ipld.car`), the one block (`application/vnd.ipld.raw`), or the file's bytes for anything
else a browser or `curl` accepts (`*/*`, `application/octet-stream`). A request that accepts none of them is a
406, never bytes it did not ask for. Bytes served here need no trust: a client re-hashes them against the CID
(`polyphony verify` does), and every block of a CAR or raw answer carries its own CID.
"""

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import StreamingResponse

from api.deps import StorageDep
from api.schemas.errors import ErrorPublic
from polyphony.storage.base import Storage
from polyphony.storage.cid import parse_cid
from polyphony.storage.errors import InvalidFormat, InvalidRange, NoAcceptableFormat

router = APIRouter(tags=["storage"])

Format = Literal["file", "car", "raw"]
CAR_MEDIA_TYPE = "application/vnd.ipld.car"
RAW_MEDIA_TYPE = "application/vnd.ipld.raw"
# What our CARs are, said in full: version 1, blocks depth first from the root, each once.
CAR_CONTENT_TYPE = f"{CAR_MEDIA_TYPE}; version=1; order=dfs; dups=n"
_FILE_MEDIA_TYPES = {"*/*", "application/*", "application/octet-stream"}
_CAR_PARAMETERS = {"version": {"1"}, "order": {"dfs", "unk"}, "dups": {"n"}}
_SINGLE_RANGE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$", re.ASCII)
_IMMUTABLE = "public, max-age=31536000, immutable"


@router.get(
    "/ipfs/{cid}",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/octet-stream": {}, CAR_MEDIA_TYPE: {}, RAW_MEDIA_TYPE: {}}},
        206: {"description": "Partial content"},
        **{c: {"model": ErrorPublic} for c in (400, 404, 406, 416)},
    },
)
def get_blob(
    cid: str,
    storage: StorageDep,
    range_: Annotated[str | None, Header(alias="Range")] = None,
    accept: Annotated[str | None, Header()] = None,
    format_: Annotated[str | None, Query(alias="format", description="car or raw (else: the Accept header)")] = None,
) -> Response:
    """The content of `cid`: the bytes (whole or one `Range`), a CAR (`?format=car`) or one block (`?format=raw`)."""
    canonical = str(parse_cid(cid))
    chosen = negotiated_format(format_, accept)
    if chosen == "car":
        return _car(storage, canonical)
    if chosen == "raw":
        return _raw_block(storage, canonical)
    return _file(storage, canonical, range_=range_)


def negotiated_format(format_: str | None, accept: str | None) -> Format:
    """What to answer: `?format=` if given, else the first `Accept` media range (by q) the gateway serves."""
    if format_ is not None:
        if format_ not in ("car", "raw"):
            raise InvalidFormat(f"format={format_!r} is not served here: ask for format=car or format=raw")
        return "car" if format_ == "car" else "raw"
    if not accept or not accept.strip():
        return "file"
    for media_type, parameters in _ranked_media_ranges(accept):
        served = _served_format(media_type, parameters)
        if served is not None:
            return served
    raise NoAcceptableFormat(
        f"Accept: {accept[:200]!r} names nothing served here: {CAR_MEDIA_TYPE}, {RAW_MEDIA_TYPE}, "
        "application/octet-stream or */*"
    )


def _ranked_media_ranges(accept: str) -> list[tuple[str, dict[str, str]]]:
    """The media ranges of an `Accept` header, highest q first (ties keep their order), q=0 left out."""
    ranked: list[tuple[float, str, dict[str, str]]] = []
    for media_range in accept.split(","):
        media_type, *raw_parameters = (part.strip() for part in media_range.split(";"))
        parameters = dict(_parameter(part) for part in raw_parameters if "=" in part)
        try:
            quality = float(parameters.pop("q", "1"))
        except ValueError:
            quality = 0.0  # an unreadable weight: as if the range were not sent
        if media_type and quality > 0:
            ranked.append((quality, media_type.lower(), parameters))
    ranked.sort(key=lambda entry: -entry[0])
    return [(media_type, parameters) for _, media_type, parameters in ranked]


def _parameter(part: str) -> tuple[str, str]:
    name, _, value = part.partition("=")
    return name.strip().lower(), value.strip().strip('"').lower()


def _served_format(media_type: str, parameters: dict[str, str]) -> Format | None:
    if media_type == CAR_MEDIA_TYPE:
        fits = all(name not in parameters or parameters[name] in allowed for name, allowed in _CAR_PARAMETERS.items())
        return "car" if fits else None
    if media_type == RAW_MEDIA_TYPE:
        return "raw"
    return "file" if media_type in _FILE_MEDIA_TYPES else None


def _car(storage: Storage, cid: str) -> StreamingResponse:
    headers = {
        "ETag": f'"{cid}.car"', "Content-Disposition": f'attachment; filename="{cid}.car"',
        "Accept-Ranges": "none", **_verifiable_headers(cid),
    }  # fmt: skip
    return StreamingResponse(storage.export_car(cid), media_type=CAR_CONTENT_TYPE, headers=headers)


def _raw_block(storage: Storage, cid: str) -> Response:
    headers = {
        "ETag": f'"{cid}.raw"',
        "Content-Disposition": f'attachment; filename="{cid}.bin"',
        **_verifiable_headers(cid),
    }
    return Response(storage.block(cid), media_type=RAW_MEDIA_TYPE, headers=headers)


def _verifiable_headers(cid: str) -> dict[str, str]:
    """What the trustless gateway sends with every CAR and block: never sniffed, cached for good, varies by Accept."""
    return {
        "X-Content-Type-Options": "nosniff", "Cache-Control": _IMMUTABLE, "Vary": "Accept",
        "X-Ipfs-Path": f"/ipfs/{cid}", "X-Ipfs-Roots": cid,
    }  # fmt: skip


def _file(storage: Storage, cid: str, *, range_: str | None) -> StreamingResponse:
    size = storage.size(cid)
    requested = byte_range(range_, size=size) if range_ else None
    start, end = requested or (0, size)
    headers = {
        "Accept-Ranges": "bytes", "Content-Length": str(end - start), "ETag": f'"{cid}"', "Cache-Control": _IMMUTABLE,
        "Vary": "Accept", "X-Ipfs-Path": f"/ipfs/{cid}",
    }  # fmt: skip
    if requested:
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    content = storage.cat(cid, offset=start, length=end - start)
    return StreamingResponse(
        content, status_code=206 if requested else 200, media_type="application/octet-stream", headers=headers
    )


def byte_range(header: str, *, size: int) -> tuple[int, int] | None:
    """The [start, end) one `Range: bytes=...` header asks of a `size`-byte blob (RFC 9110, one range).

    None for a header that is no single byte range (another unit, several ranges, `null`): RFC 9110 14.2 lets a
    server ignore those and answer the whole content, which every client understands. A byte range that starts
    past the end is refused (416), as the RFC says it must be.
    """
    match = _SINGLE_RANGE.match(header.strip())
    if match is None or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # a suffix: the last N bytes
        return max(size - int(last), 0), size
    start, end = int(first), size if last == "" else min(int(last) + 1, size)
    if start >= size or end <= start:
        raise InvalidRange(f"bytes {first}-{last} are outside this {size}-byte blob")
    return start, end
