"""An upload's file on its way in: staged in storage and, for the line formats, checked, as its bytes arrive.

The receiver (the API's event loop) feeds each chunk once; every consumer reads it from its own bounded pipe on
its own thread: the storage add (staged, not pinned) always, the format check when the format is known before
the first byte and is a line format, and otherwise the bytes also go to a spool file, checked once complete.
Hashing (inside the add), checking and block writes then overlap with the transfer, so the upload is done about
when its last byte arrives, in three passes' time no longer. Memory stays bounded: a pipe holds at most
`PIPE_CAPACITY` bytes, and the receiver waits for room before it feeds more.

The format checks of one process take turns (`CHECK_TURN`): a check is Python work, which the GIL runs one thread
at a time however many checks there are, so checks running at once finish no sooner than one after the other; they
only make every other thread of the process wait behind all of them for the GIL, the event loop first (measured
with 20 clients uploading 1 MB files back to back on 2 API workers: /health's p50 went from 147 ms to 40 ms, its
p99 from 558 ms to 208 ms). A check holds its turn while it works on the bytes it has read, and gives it up before
it waits for more.
"""

import io
import queue
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Generic, TypeVar

from polyphony.formats.checks import ContentReport, check_stream
from polyphony.formats.declared import ContentFormat
from polyphony.formats.readers import FormatLimits
from polyphony.storage.base import CHUNK_SIZE, Storage, StoredBlob

PIPE_CAPACITY = 2 * 2**20  # per consumer: with the hand-off buffer and block writes, ~6 MB an upload whatever its size
T = TypeVar("T")
CHECK_TURN = threading.Lock()  # held by the one format check of this process running Python now


class ContentPipe(io.RawIOBase):
    """Bytes handed from the receiving thread to one reading thread, at most `capacity` of them waiting.

    `on_space` is called (from the reading thread) whenever the pipe goes from full to not full. With `turn`, the
    reader holds that lock from each read that returns bytes until its next read (or `end_turn`): while it works
    on what it read.
    """

    def __init__(
        self, *, capacity: int, on_space: Callable[[], object], turn: "threading.Lock | None" = None
    ) -> None:  # fmt: skip
        super().__init__()
        self._turn = turn
        self._holding_turn = False
        self._chunks: deque[memoryview] = deque()
        self._held = 0
        self._capacity = capacity
        self._on_space = on_space
        self._ended = False
        self._ready = threading.Condition()

    def readable(self) -> bool:
        """A pipe is read from."""
        return True

    @property
    def full(self) -> bool:
        """Whether the reader has fallen `capacity` bytes behind."""
        return self._held >= self._capacity

    def feed(self, chunk: bytes) -> None:
        """Queue `chunk` for the reader."""
        with self._ready:
            self._chunks.append(memoryview(chunk))
            self._held += len(chunk)
            self._ready.notify()

    def end(self) -> None:
        """No more bytes: the reader sees the end of the stream once it has read what is queued."""
        with self._ready:
            self._ended = True
            self._ready.notify()

    def stop(self) -> None:
        """Abandon the stream: what is queued is dropped and the reader sees the end at once.

        An end, not an error: an IPFS node holds its garbage-collection lock for as long as an add request is
        open, and a request whose body raised mid-stream is left open (measured on js-ipfs: every later repo gc
        hung). Ended cleanly, the add finishes with what it had, unpinned, and garbage collection takes it.
        """
        with self._ready:
            self._ended = True
            self._chunks.clear()
            self._ready.notify()

    def end_turn(self) -> None:
        """Give up the turn, if the reader holds it (from the reading thread)."""
        if self._holding_turn:
            self._holding_turn = False
            assert self._turn is not None
            self._turn.release()

    def readinto(self, buffer: "memoryview | bytearray") -> int:  # type: ignore[override]
        """Copy queued bytes into `buffer`, waiting for some; 0 at the end of the stream."""
        self.end_turn()  # the work on the bytes read before is done
        with self._ready:
            while not self._chunks and not self._ended:
                self._ready.wait()
            if not self._chunks:
                return 0
            was_full = self.full
            chunk = self._chunks[0]
            taken = min(len(buffer), len(chunk))
            buffer[:taken] = chunk[:taken]
            if taken == len(chunk):
                self._chunks.popleft()
            else:
                self._chunks[0] = chunk[taken:]
            self._held -= taken
            now_full = self.full
        if was_full and not now_full:
            self._on_space()
        if self._turn is not None:
            self._turn.acquire()
            self._holding_turn = True
        return taken


@dataclass
class _Consumer(Generic[T]):
    """One thread reading one pipe; its result or the error it raised, and whether it is done."""

    pipe: ContentPipe
    done: threading.Event = field(default_factory=threading.Event)
    result: T | None = None
    error: BaseException | None = None


class _Threads:
    """Daemon threads that run the consumers, each kept for the next upload once its consumer is done.

    Starting a thread waits until the new thread runs, which needs the GIL: the receiver (the event loop) would
    wait so twice an upload, behind every thread of the process that holds the GIL under load.
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._idle = 0
        self._lock = threading.Lock()

    def run(self, job: Callable[[], None], *, name: str) -> None:
        """Run `job` on an idle thread, or on a new one if none is idle."""
        with self._lock:
            if self._idle:
                self._idle -= 1
                self._jobs.put(job)
                return
        threading.Thread(target=self._serve, args=(job,), name=name, daemon=True).start()

    def _serve(self, job: Callable[[], None]) -> None:
        while True:
            job()
            del job  # nothing of a finished upload stays held while the thread waits
            with self._lock:
                self._idle += 1
            job = self._jobs.get()


_THREADS = _Threads()


class StreamedFile:
    """The file of an upload as it arrives: staged in `storage`, and checked as `fmt` when given (a line format),
    or else written to `spool_path` to be checked once complete. `on_space` wakes a receiver waiting for room."""

    def __init__(
        self, *, storage: Storage, on_space: Callable[[], object], fmt: ContentFormat | None = None,
        limits: FormatLimits | None = None, spool_path: Path | None = None,
    ) -> None:  # fmt: skip
        self._on_space = on_space
        self._storage = storage
        self.staging = storage.begin_staging()
        self._add = self._start(
            "storage add", lambda stream: storage.add(stream, pin=False, staging=self.staging), CHUNK_SIZE
        )
        self._check: _Consumer[ContentReport] | None = None
        if fmt is not None:
            checked_as, within = fmt, limits or FormatLimits()
            self._check = self._start(
                "format check", lambda stream: check_stream(stream, fmt=checked_as, limits=within), 2**16,
                turn=CHECK_TURN,
            )  # fmt: skip
        self.spool_path = spool_path
        self._spool: BinaryIO | None = spool_path.open("wb") if spool_path is not None else None
        self.size = 0

    def _start(
        self, name: str, read: Callable[[io.BufferedReader], T], buffer_size: int, *,
        turn: "threading.Lock | None" = None,
    ) -> _Consumer[T]:  # fmt: skip
        pipe = ContentPipe(capacity=PIPE_CAPACITY, on_space=self._on_space, turn=turn)
        consumer: _Consumer[T] = _Consumer(pipe)
        _THREADS.run(lambda: self._consume(consumer, read, buffer_size), name=f"upload {name}")
        return consumer

    def _consume(self, consumer: _Consumer[T], read: Callable[[io.BufferedReader], T], buffer_size: int) -> None:
        try:
            consumer.result = read(io.BufferedReader(consumer.pipe, buffer_size=buffer_size))
        except BaseException as error:  # handed to the receiving thread, which raises it
            consumer.error = error
            consumer.pipe.stop()
        finally:
            consumer.pipe.end_turn()
            consumer.done.set()
            self._on_space()  # a receiver waiting for room must see that this consumer is done

    @property
    def _consumers(self) -> list[_Consumer[object]]:
        return [self._add, self._check] if self._check is not None else [self._add]  # type: ignore[list-item]

    def feed(self, chunk: bytes) -> None:
        """Hand `chunk` to every consumer; raises what a consumer failed with (a refusal, first)."""
        self._raise_failure()
        for consumer in self._consumers:
            consumer.pipe.feed(chunk)
        if self._spool is not None:
            self._spool.write(chunk)
        self.size += len(chunk)

    def must_wait(self) -> bool:
        """Whether a consumer has fallen too far behind: the receiver waits for `on_space` before feeding more."""
        consumers = self._consumers
        return all(c.error is None for c in consumers) and any(c.pipe.full for c in consumers)

    def finish(self) -> tuple[StoredBlob, ContentReport | None]:
        """Wait for every consumer to read the end (blocking): the staged blob and, if it ran, the check's report."""
        for consumer in self._consumers:
            consumer.pipe.end()
        if self._spool is not None:
            self._spool.close()
        self._join()
        self._raise_failure()
        assert self._add.result is not None
        return self._add.result, self._check.result if self._check is not None else None

    def abort(self) -> None:
        """Stop every consumer, then drop what was staged and the spool file (blocking)."""
        for consumer in self._consumers:
            consumer.pipe.stop()
        self._join()
        self.release()

    def release(self) -> None:
        """Drop the staged blocks (unless they were pinned, which ends the staging) and the spool file."""
        self._storage.discard_staging(self.staging)
        if self._spool is not None:
            self._spool.close()
        if self.spool_path is not None:
            self.spool_path.unlink(missing_ok=True)

    def _join(self) -> None:
        for consumer in self._consumers:
            consumer.done.wait()

    def _raise_failure(self) -> None:
        # A refusal by the check comes first: it is the caller's to fix, and it is why the add was stopped.
        failures = [c.error for c in (self._check, self._add) if c is not None and c.error is not None]
        if failures:
            raise failures[0]
