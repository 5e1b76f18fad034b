"""Bytes from an HTTP `/ipfs/{cid}` gateway (the API's, or any other), resumable with byte ranges, and its CARs.

A gateway is untrusted, which is fine: every caller re-hashes what it reads against the CID it asked for.
"""

from collections.abc import Iterator

import httpx

from polyphony.storage.errors import GatewayUnavailable

PIECE_BYTES = 1 << 18
CAR_ACCEPT = "application/vnd.ipld.car; version=1; order=dfs; dups=n"


class GatewayBlobs:
    """A `BlobReader` over a gateway reached through `http` (an `httpx.Client` with the gateway's base URL)."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def cat(self, cid: str, *, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        """Stream `cid` from `offset` (to the end, or `length` bytes)."""
        headers = {} if offset == 0 and length is None else {"Range": f"bytes={offset}-{_last(offset, length)}"}
        return self._stream(cid, headers=headers, ok=(200, 206))

    def export_car(self, cid: str) -> Iterator[bytes]:
        """Stream the gateway's CARv1 of `cid` (the trustless gateway's `?format=car`); the reader checks each block."""
        return self._stream(cid, headers={"Accept": CAR_ACCEPT}, params={"format": "car"}, ok=(200,))

    def _stream(
        self, cid: str, *, headers: dict[str, str], ok: tuple[int, ...], params: dict[str, str] | None = None
    ) -> Iterator[bytes]:
        try:
            with self.http.stream("GET", f"/ipfs/{cid}", headers=headers, params=params, timeout=120) as answer:
                if answer.status_code not in ok:
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
