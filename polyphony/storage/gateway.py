"""Bytes from an HTTP `/ipfs/{cid}` gateway (the API's, or any other), resumable with byte ranges.

A gateway is untrusted, which is fine: every caller re-hashes what it reads against the CID it asked for.
"""

from collections.abc import Iterator

import httpx

from polyphony.storage.errors import GatewayUnavailable

PIECE_BYTES = 1 << 18


class GatewayBlobs:
    """A `BlobReader` over a gateway reached through `http` (an `httpx.Client` with the gateway's base URL)."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def cat(self, cid: str, *, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        """Stream `cid` from `offset` (to the end, or `length` bytes)."""
        headers = {} if offset == 0 and length is None else {"Range": f"bytes={offset}-{_last(offset, length)}"}
        try:
            with self.http.stream("GET", f"/ipfs/{cid}", headers=headers, timeout=120) as answer:
                if answer.status_code not in (200, 206):
                    raise GatewayUnavailable(
                        f"the gateway at {self.http.base_url} answered {answer.status_code} for {cid}"
                    )
                yield from answer.iter_bytes(PIECE_BYTES)
        except httpx.TransportError as error:
            raise GatewayUnavailable(
                f"reading {cid} from the gateway at {self.http.base_url} failed ({type(error).__name__})"
            ) from None


def _last(offset: int, length: int | None) -> str:
    return "" if length is None else str(offset + length - 1)
