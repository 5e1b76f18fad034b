"""Receive a multipart upload as it streams in, and stream its file on at once: every chunk of the file part
goes to storage (staged) and to the format check as it arrives (polyphony/contributions/streaming.py), and the
request is cut off with 413 the moment it passes the size limit (never after reading it all).

Starlette's own form parsing reads the whole body before the route runs; this reads it chunk by chunk.
"""

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from api.timeouts import BodyTimedOut
from polyphony.contributions.ingest import ReceivedUpload
from polyphony.contributions.leftovers import spool_path
from polyphony.contributions.streaming import StreamedFile
from polyphony.errors import BadRequest, LengthRequired, TooLarge, UnsupportedMediaType
from polyphony.formats.checks import STREAMED_FORMATS
from polyphony.formats.declared import declared_format
from polyphony.formats.readers import FormatLimits
from polyphony.storage.base import CHUNK_SIZE, Storage
from polyphony.timing import phase, since

FILE_FIELD = "file"
MAX_FIELD_BYTES = 64 * 1024
MAX_FIELDS = 16
# Multipart framing and the text fields around the file: what a Content-Length may add to the file size.
FRAMING_ALLOWANCE = MAX_FIELDS * MAX_FIELD_BYTES
# File bytes are handed on in pieces of about this size: one storage chunk.
HAND_OFF_BYTES = CHUNK_SIZE
# How often a long upload renews its slot among its client's uploads in flight (the slot's lease is 60 s).
RENEW_EVERY_S = 15.0
T = TypeVar("T")


class NotMultipart(UnsupportedMediaType):
    code = "not_multipart"


class MalformedUpload(BadRequest):
    code = "malformed_upload"


class UploadTooLarge(TooLarge):
    code = "upload_too_large"


async def receive_upload(
    request: Request, *, storage: Storage, spool_dir: Path, max_bytes: int, limits: FormatLimits,
    keep: Callable[[ReceivedUpload], T], while_alive: Callable[[], object] = lambda: None,
) -> T:  # fmt: skip
    """Stream the request's multipart body: text fields in memory (small), the file on to storage and its check;
    then, on a worker thread, wait for those to finish and `keep` what arrived (one thread hop for both).
    `while_alive` is called every RENEW_EVERY_S seconds while the body arrives (it renews the upload's slot).

    Whatever is refused, at any point, leaves nothing pinned, no staged block and no spool file behind.
    """
    boundary = _boundary(request.headers.get("content-type", ""))
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes + FRAMING_ALLOWANCE:
        raise _too_large(max_bytes)
    space = asyncio.Event()
    loop = asyncio.get_running_loop()
    receiver = _Receiver(
        storage=storage, spool_dir=spool_dir, max_bytes=max_bytes, limits=limits,
        on_space=lambda: loop.call_soon_threadsafe(space.set),
    )  # fmt: skip
    parser = MultipartParser(boundary, receiver.callbacks())  # type: ignore[arg-type]
    renewed = time.monotonic()
    body_started = time.perf_counter()
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            if len(receiver.pending) >= HAND_OFF_BYTES:
                await receiver.hand_off(space)
            if time.monotonic() - renewed > RENEW_EVERY_S:
                renewed = time.monotonic()
                await run_in_threadpool(while_alive)
        parser.finalize()
        await receiver.hand_off(space)
        since("body", body_started)
        hop = time.perf_counter()
        return await run_in_threadpool(
            receiver.keep, keep, idempotency_key=request.headers.get("idempotency-key"), hop=hop
        )
    except MultipartParseError as error:
        await run_in_threadpool(receiver.discard)
        raise MalformedUpload(f"the multipart body could not be read: {error}") from None
    except BaseException:
        await asyncio.shield(run_in_threadpool(receiver.discard))
        raise


def _boundary(content_type: str) -> bytes:
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data" or not options.get(b"boundary"):
        raise NotMultipart("send the upload as multipart/form-data, with the file in a part named 'file'")
    return options[b"boundary"]


def _too_large(max_bytes: int) -> UploadTooLarge:
    return UploadTooLarge(f"the file is larger than the limit of {max_bytes:,} bytes")


class _Receiver:
    """The parser's callbacks: one part at a time, the file part handed on as it arrives."""

    def __init__(
        self, *, storage: Storage, spool_dir: Path, max_bytes: int, limits: FormatLimits, on_space: Callable[[], object]
    ) -> None:
        spool_dir.mkdir(parents=True, exist_ok=True)
        self.storage, self.spool_dir, self.max_bytes, self.limits = storage, spool_dir, max_bytes, limits
        self.on_space = on_space
        self.fields: dict[str, str] = {}
        self.filename: str | None = None
        self.content_type: str | None = None
        self.size = 0
        self.file: StreamedFile | None = None
        self.pending = bytearray()
        self._file_done = False
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
        # Latin-1 maps bytes to characters one to one, as the parser's option reader needs (it encodes them back);
        # a name or file name in the options is then read as UTF-8, below.
        self._headers[self._header_name.decode("latin-1").lower()] = self._header_value.decode("latin-1")
        self._header_name, self._header_value = b"", b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get("content-disposition", ""))
        self._part_name = options.get(b"name", b"").decode("utf-8", "replace")
        if self._part_name == FILE_FIELD:
            if self.file is not None:
                raise MalformedUpload("send exactly one part named 'file'")
            self.filename = options.get(b"filename", b"").decode("utf-8", "replace") or None
            self.content_type = self._headers.get("content-type")
            self.file = self._open_file()
        elif self._part_name in self.fields:
            raise MalformedUpload(f"the field '{self._part_name}' is sent twice: send each field once")
        elif len(self.fields) >= MAX_FIELDS:
            raise MalformedUpload(f"too many form fields (at most {MAX_FIELDS})")

    def _open_file(self) -> StreamedFile:
        """Start the file's storage add, and its check too when the fields before it say its format."""
        if "modality" not in self.fields:  # the format is known only at the end: check the spooled file then
            return self._streamed(spool=True)
        fmt = declared_format(self.filename or "", modality=self.fields["modality"], content_type=self.content_type)
        if fmt not in STREAMED_FORMATS:
            return self._streamed(spool=True)
        return StreamedFile(storage=self.storage, on_space=self.on_space, fmt=fmt, limits=self.limits)

    def _streamed(self, *, spool: bool) -> StreamedFile:
        path = spool_path(self.spool_dir) if spool else None
        return StreamedFile(storage=self.storage, on_space=self.on_space, spool_path=path)

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part_name != FILE_FIELD:
            self._field_value += data[start:end]
            if len(self._field_value) > MAX_FIELD_BYTES:
                raise MalformedUpload(f"the field '{self._part_name}' is longer than {MAX_FIELD_BYTES:,} bytes")
            return
        self.size += end - start
        if self.size > self.max_bytes:
            raise _too_large(self.max_bytes)
        self.pending += data[start:end]

    def _part_end(self) -> None:
        if self._part_name == FILE_FIELD:
            self._file_done = True
        elif self._part_name:
            self.fields[self._part_name] = self._field_value.decode("utf-8", "replace")

    async def hand_off(self, space: asyncio.Event) -> None:
        """Feed the file bytes received so far on, first waiting while a consumer is too far behind."""
        if self.file is None or not self.pending:
            return
        while self.file.must_wait():
            space.clear()
            if self.file.must_wait():
                await space.wait()
        self.file.feed(bytes(self.pending))
        self.pending.clear()

    def keep(self, keep: Callable[[ReceivedUpload], T], *, idempotency_key: str | None, hop: float) -> T:
        """`keep` what arrived once storage and the check have read all of it (blocking); then drop the spool file.
        `hop` is when the request's task handed this to a worker thread."""
        since("thread_hop", hop)
        if self.file is None or not self._file_done:
            raise MalformedUpload("the upload has no complete part named 'file'")
        with phase("storage_and_check"):
            blob, report = self.file.finish()
        received = ReceivedUpload(
            blob=blob, report=report, spool_path=self.file.spool_path, filename=self.filename or "",
            content_type=self.content_type, fields=self.fields, idempotency_key=idempotency_key,
            staging=self.file.staging,
        )  # fmt: skip
        try:
            return keep(received)
        finally:  # kept, its staging ended with the pin; refused or already stored, its staged copy goes now
            self.file.release()

    def discard(self) -> None:
        """Abandon a refused upload (blocking): nothing of it is pinned, and its spool file goes."""
        if self.file is not None:
            self.file.abort()


class MissingFile(BadRequest):
    code = "missing_file"


class LengthNotGiven(LengthRequired):
    code = "length_required"


async def bounded_form(request: Request, *, max_bytes: int) -> FormData:
    """The multipart form of a request small enough to hold whole (a score preview, not an upload): its declared
    Content-Length must be within `max_bytes` and the framing, so the body read is bounded before it is read."""
    declared = request.headers.get("content-length")
    if declared is None or not declared.isascii() or not declared.isdigit():
        raise LengthNotGiven("send the file with a Content-Length: a preview is held whole, so its size must be known")
    if int(declared) > max_bytes + FRAMING_ALLOWANCE:
        raise _too_large(max_bytes)
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise NotMultipart("send the file as multipart/form-data, in a part named 'file'")
    try:
        return await request.form(max_files=1, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES)
    except BodyTimedOut:
        raise
    except (HTTPException, MultipartParseError) as refused:
        raise MalformedUpload(f"the multipart body cannot be read: {getattr(refused, 'detail', refused)}") from None
