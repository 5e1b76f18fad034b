"""Receive a multipart upload as it streams in: the file part goes to a spool file, hashed on the way,
and the request is cut off with 413 the moment it passes the size limit (never after reading it all).

Starlette's own form parsing reads the whole body before the route runs; this reads it chunk by chunk.
"""

import hashlib
import secrets
from pathlib import Path
from typing import BinaryIO

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from polyphony.contributions.ingest import ReceivedUpload
from polyphony.errors import BadRequest, TooLarge, UnsupportedMediaType

FILE_FIELD = "file"
MAX_FIELD_BYTES = 64 * 1024
MAX_FIELDS = 16
# Multipart framing and the text fields around the file: what a Content-Length may add to the file size.
FRAMING_ALLOWANCE = MAX_FIELDS * MAX_FIELD_BYTES


class NotMultipart(UnsupportedMediaType):
    code = "not_multipart"


class MalformedUpload(BadRequest):
    code = "malformed_upload"


class UploadTooLarge(TooLarge):
    code = "upload_too_large"


async def receive_upload(request: Request, *, spool_dir: Path, max_bytes: int) -> ReceivedUpload:
    """Stream the request's multipart body: text fields in memory (small), the file to `spool_dir`."""
    boundary = _boundary(request.headers.get("content-type", ""))
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes + FRAMING_ALLOWANCE:
        raise _too_large(max_bytes)
    receiver = _Receiver(spool_dir, max_bytes)
    parser = MultipartParser(boundary, receiver.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
        return receiver.result(idempotency_key=request.headers.get("idempotency-key"))
    except MultipartParseError as error:
        receiver.discard()
        raise MalformedUpload(f"the multipart body could not be read: {error}") from None
    except BaseException:
        receiver.discard()
        raise


def _boundary(content_type: str) -> bytes:
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data" or not options.get(b"boundary"):
        raise NotMultipart("send the upload as multipart/form-data, with the file in a part named 'file'")
    return options[b"boundary"]


def _too_large(max_bytes: int) -> UploadTooLarge:
    return UploadTooLarge(f"the file is larger than the limit of {max_bytes:,} bytes")


class _Receiver:
    """The parser's callbacks: one part at a time, the file part spooled and hashed."""

    def __init__(self, spool_dir: Path, max_bytes: int) -> None:
        spool_dir.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.spool_path = spool_dir / f"incoming-{secrets.token_hex(8)}"
        self.fields: dict[str, str] = {}
        self.filename: str | None = None
        self.content_type: str | None = None
        self.size = 0
        self._hash = hashlib.sha256()
        self._file: BinaryIO | None = None
        self._headers: dict[str, str] = {}
        self._header_name = b""
        self._header_value = b""
        self._part_name = ""
        self._field_value = bytearray()

    def callbacks(self) -> dict[str, object]:
        """The callback table MultipartParser takes."""
        return {
            "on_part_begin": self._part_begin, "on_header_field": self._header_field,
            "on_header_value": self._header_value_data, "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished, "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }  # fmt: skip

    def _part_begin(self) -> None:
        self._headers, self._part_name, self._field_value = {}, "", bytearray()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_name.decode("latin-1").lower()] = self._header_value.decode("utf-8", "replace")
        self._header_name, self._header_value = b"", b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get("content-disposition", ""))
        self._part_name = options.get(b"name", b"").decode("utf-8", "replace")
        if self._part_name == FILE_FIELD:
            if self._file is not None:
                raise MalformedUpload("send exactly one part named 'file'")
            self.filename = options.get(b"filename", b"").decode("utf-8", "replace") or None
            self.content_type = self._headers.get("content-type")
            self._file = self.spool_path.open("wb")
        elif len(self.fields) >= MAX_FIELDS:
            raise MalformedUpload(f"too many form fields (at most {MAX_FIELDS})")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part_name != FILE_FIELD:
            self._field_value += data[start:end]
            if len(self._field_value) > MAX_FIELD_BYTES:
                raise MalformedUpload(f"the field '{self._part_name}' is longer than {MAX_FIELD_BYTES:,} bytes")
            return
        self.size += end - start
        if self.size > self.max_bytes:
            raise _too_large(self.max_bytes)
        chunk = data[start:end]
        self._hash.update(chunk)
        assert self._file is not None
        self._file.write(chunk)

    def _part_end(self) -> None:
        if self._part_name == FILE_FIELD and self._file is not None:
            self._file.close()
        elif self._part_name:
            self.fields[self._part_name] = self._field_value.decode("utf-8", "replace")

    def result(self, *, idempotency_key: str | None) -> ReceivedUpload:
        """What arrived; a request without a file part is the caller's mistake."""
        if self._file is None or not self._file.closed:
            raise MalformedUpload("the upload has no complete part named 'file'")
        return ReceivedUpload(
            path=self.spool_path, size=self.size, sha256=self._hash.hexdigest(), filename=self.filename or "",
            content_type=self.content_type, fields=self.fields, idempotency_key=idempotency_key,
        )  # fmt: skip

    def discard(self) -> None:
        """Drop the spool file of a refused upload: nothing of it stays."""
        if self._file is not None:
            self._file.close()
        self.spool_path.unlink(missing_ok=True)
