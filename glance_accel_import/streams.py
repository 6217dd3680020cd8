# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Streaming between files: the one place where bytes move.

Engines provide encoders and decoders; this module pumps data through them a
chunk at a time, so memory stays bounded whatever the image size. It counts
the bytes actually written (a header's claimed size is never trusted), stops
at the output limit, verifies that a compressed payload is complete, and
applies one policy for what may follow the last member.

Multi-member policy, the same for every engine and format: a payload is one
or more complete members (gzip) or streams (bzip2, xz) of one format, back to
back, optionally followed by zero bytes only (padding from block devices or
tapes). Anything else after a complete member is corrupt data, as is a payload
that ends inside a member.
"""

from collections.abc import Callable, Iterable, Iterator
import dataclasses
import os
import queue
import threading
import time
import typing
from typing import BinaryIO

from glance_accel_import import digests
from glance_accel_import import exception
from glance_accel_import import formats
from glance_accel_import import readahead
from glance_accel_import import writeback
from glance_accel_import import zeros

if typing.TYPE_CHECKING:
    from glance_accel_import.engines import base

_STOP = object()
#: A piece of a stream: data, or a run of zeros (see ``zeros.split``).
Piece = typing.Union[bytes, memoryview, zeros.ZeroRun]


@dataclasses.dataclass(frozen=True)
class StreamResult:
    """What one compression or decompression did."""

    engine: str
    fmt: str
    bytes_in: int
    bytes_out: int
    seconds: float
    #: Kind of ``digest`` (see ``glance_accel_import.digests``), or None.
    digest_kind: str | None = None
    #: Hex digest of the plain data, or ''.
    digest: str = ''


class Background:
    """Run ``consume(item)`` on one thread for each ``put`` item, in order.

    The queue is short, so at most ``depth`` items wait: memory stays
    bounded. An error in ``consume`` is raised by the next ``put`` or by
    ``close``.
    """

    def __init__(self, consume: Callable[[typing.Any], None],
                 depth: int = 4) -> None:
        self._consume = consume
        self._queue: queue.Queue = queue.Queue(depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            if self._error is None:
                try:
                    self._consume(item)
                except BaseException as exc:  # re-raised in the caller
                    self._error = exc

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def put(self, item: typing.Any) -> None:
        self._raise()
        self._queue.put(item)

    def close(self) -> None:
        """Finish every queued item, then stop; raise a pending error."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()
        self._raise()


@dataclasses.dataclass(frozen=True)
class _BlockDigest:
    """The digest of one whole block, hashed on a read-ahead thread."""

    value: bytes


class _Digest:
    """A ``digests`` digest of a stream given as bytes and ``ZeroRun``s."""

    def __init__(self, kind: str, background: bool) -> None:
        self.kind = kind
        self._hash = digests.new(kind)
        self._worker = Background(self._update) if background else None

    def _update(self, piece: typing.Any) -> None:
        if isinstance(piece, _BlockDigest):
            typing.cast(digests.BlockSha256, self._hash).update_block(
                piece.value)
        elif isinstance(piece, zeros.ZeroRun):
            self._hash.update_zeros(piece.length)
        else:
            self._hash.update(piece)

    def update(self, piece: Piece) -> None:
        if self._worker is not None:
            self._worker.put(piece)
        else:
            self._update(piece)

    def update_block(self, value: bytes) -> None:
        """Add a block's digest (``block_sha256`` only), in stream order."""
        if self._worker is not None:
            self._worker.put(_BlockDigest(value))
        else:
            self._update(_BlockDigest(value))

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()

    def hexdigest(self) -> str:
        self.close()
        return self._hash.hexdigest()


def _at_most(piece: Piece, size: int) -> Iterator[Piece]:
    """``piece``, data cut into views of at most ``size`` bytes."""
    if isinstance(piece, zeros.ZeroRun) or len(piece) <= size:
        yield piece
        return
    view = memoryview(piece)
    for start in range(0, len(view), size):
        yield view[start:start + size]


def _seekable_fileno(f: typing.Any) -> int | None:
    try:
        return f.fileno() if f.seekable() else None
    except (AttributeError, OSError, ValueError):  # BytesIO, pipes
        return None


class Reader:
    """Read a file in chunks, counting, optionally hashing and reporting.

    ``digest`` is a kind from ``glance_accel_import.digests`` or None.
    ``read`` returns bytes, zeros included. ``pieces`` is the zero-aware
    way: holes of a sparse file are skipped without being read and all-zero
    blocks are reported as a count instead of bytes. With ``background``,
    hashing runs on its own thread; call ``close`` when done. With
    ``threads``, ``pieces`` of a seekable file are read ahead on that many
    threads (``readahead``), which also hash ``block_sha256``'s blocks.
    """

    def __init__(self, f: BinaryIO, digest: str | None = None,
                 progress: Callable[[int], None] | None = None,
                 background: bool = False, threads: int = 0) -> None:
        self._f = f
        self._digest = (_Digest(digest, background)
                        if digest is not None and digests.wanted(digest)
                        else None)
        self._progress = progress
        self._threads = threads
        # True once the read-ahead threads hash whole blocks instead.
        self._hashed_by_block = False
        self.bytes_read = 0

    def _count(self, piece: Piece, size: int) -> None:
        self.bytes_read += size
        if self._digest is not None and not self._hashed_by_block:
            self._digest.update(piece)
        if self._progress is not None:
            self._progress(size)

    def read(self, size: int) -> bytes:
        data = self._f.read(size)
        if data:
            self._count(data, len(data))
        return data

    def _file_pieces(self, fd: int, size: int) -> Iterator[Piece]:
        pos = self._f.tell()
        extents = zeros.Extents(fd)
        while pos < extents.size:
            start, end = extents.next_data(pos)
            if start > pos:
                yield zeros.ZeroRun(start - pos)
                pos = start
                continue
            data = os.pread(fd, min(size, end - pos), pos)
            if not data:  # the file shrank under us
                break
            yield from zeros.split(data, pos)
            pos += len(data)
        self._f.seek(pos)

    def _read_ahead_pieces(self, fd: int, size: int) -> Iterator[Piece]:
        pos = self._f.tell()
        # Blocks count from here: they are the digest's blocks only if
        # nothing was hashed before.
        digest = self._digest
        hashed = (digest is not None and self.bytes_read == 0
                  and digest.kind == digests.BLOCK_SHA256)
        self._hashed_by_block = hashed
        for block in readahead.blocks(fd, pos, self._threads, hashed):
            if digest is not None and block.digest is not None:
                digest.update_block(block.digest)
            for piece in block.pieces:
                yield from _at_most(piece, size)
            pos += block.length
        self._f.seek(pos)

    def _stream_pieces(self, size: int) -> Iterator[Piece]:
        pos = 0
        while True:
            data = self._f.read(size)
            if not data:
                return
            yield from zeros.split(data, pos)
            pos += len(data)

    def pieces(self, size: int) -> Iterator[Piece]:
        """Yield the rest of the file as bytes (data) and ``ZeroRun``s.

        Each bytes piece is at most ``size`` long; zero runs are merged and
        may be of any length.
        """
        fd = _seekable_fileno(self._f)
        if fd is None:
            source = self._stream_pieces(size)
        elif self._threads:
            source = self._read_ahead_pieces(fd, size)
        else:
            source = self._file_pieces(fd, size)
        zero_count = 0
        for piece in source:
            if isinstance(piece, zeros.ZeroRun):
                zero_count += piece.length
                continue
            if zero_count:
                yield self._counted(zeros.ZeroRun(zero_count))
                zero_count = 0
            yield self._counted(piece)
        if zero_count:
            yield self._counted(zeros.ZeroRun(zero_count))

    def _counted(self, piece: Piece) -> Piece:
        self._count(piece, len(piece))
        return piece

    def close(self) -> None:
        if self._digest is not None:
            self._digest.close()

    def hexdigest(self) -> str:
        return self._digest.hexdigest() if self._digest is not None else ''


class Sink:
    """Write to a file, counting bytes and refusing to pass ``limit``.

    With ``sparse``, all-zero blocks are skipped with a seek so the output
    file gets holes; ``close`` then sets its size. With ``background``,
    hashing and writing run on their own thread, overlapped with the codec.
    Call ``close`` when done with either.
    """

    def __init__(self, f: BinaryIO, limit: int | None = None,
                 digest: str | None = None, sparse: bool = False,
                 background: bool = False) -> None:
        self._f = f
        self._limit = limit
        self._hash = digests.new(digest)
        # Holes need a seekable file; anything else gets every byte.
        seekable = _seekable_fileno(f) is not None
        self._sparse = sparse and seekable
        self._start = f.tell() if seekable else 0
        # The disk starts on the output while it is written, not only at
        # the final fsync.
        self._writeback = (writeback.Tracker(f, self._start) if seekable
                           else None)
        self._worker = Background(self._store) if background else None
        self.bytes_written = 0

    def _store(self, item: tuple[Piece, int]) -> None:
        data, offset = item
        # Only sparse output looks for zero blocks; known zeros never.
        pieces: Iterable[Piece] = (
            zeros.split(data, offset)
            if self._sparse and not isinstance(data, zeros.ZeroRun)
            else (data,))
        for piece in pieces:
            if isinstance(piece, zeros.ZeroRun):
                self._store_zeros(piece.length)
            else:
                self._hash.update(piece)
                self._f.write(piece)
        if self._writeback is not None:
            self._writeback.wrote(self._start + offset + len(data))

    def _store_zeros(self, count: int) -> None:
        self._hash.update_zeros(count)
        if self._sparse:
            self._f.seek(count, os.SEEK_CUR)
        else:
            for run in zeros.zero_chunks(count):
                self._f.write(run)

    def write_zeros(self, count: int) -> None:
        """Write ``count`` zero bytes known to be zeros: none compared."""
        self.write(zeros.ZeroRun(count))

    def write(self, data: Piece) -> None:
        if self._limit is not None and self.bytes_written + len(data) > \
                self._limit:
            raise exception.OutputLimitExceeded(self._limit)
        item = (data, self.bytes_written)
        if self._worker is not None:
            self._worker.put(item)
        else:
            self._store(item)
        self.bytes_written += len(data)

    def close(self) -> None:
        """Finish pending writes; give sparse output its full size."""
        try:
            if self._worker is not None:
                self._worker.close()
        finally:
            # Its helper thread and descriptor go even if writing failed.
            if self._writeback is not None:
                self._writeback.close()
        if self._sparse:
            self._f.truncate(self._start + self.bytes_written)
            self._f.seek(self._start + self.bytes_written)

    def hexdigest(self) -> str:
        if self._worker is not None:
            self._worker.close()
        return self._hash.hexdigest()


def encode(encoder: 'base.Encoder', reader: Reader, sink: Sink,
           chunk_size: int) -> None:
    """Pump ``reader`` through ``encoder`` into ``sink``.

    Holes are not read: their zeros come from a shared buffer.
    """
    for piece in reader.pieces(chunk_size):
        for data in (piece.chunks() if isinstance(piece, zeros.ZeroRun)
                     else (piece,)):
            out = encoder.compress(data)
            if out:
                sink.write(out)
    sink.write(encoder.flush())


#: Members (gzip members, zstd frames, skippable frames included, bzip2 and
#: xz streams) a payload may hold whatever their size...
FREE_MEMBERS = 64
#: ...and one more per this many bytes of output. Every member costs fixed
#: work, so members that hold nothing would keep a worker busy for minutes
#: on a small upload. Real writers stay far below this: one member per file
#: (gzip, pigz, xz, zstd), per 64 KiB (QAT's qzip by default, bgzip) or per
#: megabytes (pzstd, pbzip2); ``[accel_qat] hw_buffer_size`` cannot go
#: below 4096 bytes.
BYTES_PER_MEMBER = 4096
#: Input given to a new member's decoder at first, doubling on each call up
#: to the chunk size: a decoder copies out the input it did not use when
#: its member ends, and that copy must not cost a chunk per tiny member.
FIRST_FEED = 4096


class _Input:
    """The compressed input, handed to decoders in slices without copies.

    A decoder gives back what it did not use (its ``unused_data``, always
    the end of what it was given) and the next member starts there.
    """

    def __init__(self, reader: Reader, chunk_size: int) -> None:
        self._reader = reader
        self.chunk_size = chunk_size
        self._view = memoryview(b'')
        self._pos = 0

    def _remaining(self) -> int:
        return len(self._view) - self._pos

    def take(self, size: int) -> memoryview:
        """Up to ``size`` bytes (a memoryview); empty at the end."""
        if not self._remaining():
            self._view, self._pos = memoryview(
                self._reader.read(self.chunk_size)), 0
        piece = self._view[self._pos:self._pos + size]
        self._pos += len(piece)
        return piece

    def give_back(self, unused: bytes) -> None:
        """Un-take ``unused``, the last bytes taken and not consumed."""
        if len(unused) <= self._pos:
            self._pos -= len(unused)
        else:  # a decoder kept input from an earlier read: rare
            self._view = memoryview(bytes(unused) + self._view[self._pos:])
            self._pos = 0

    def peek(self, size: int) -> bytes:
        """The next ``size`` bytes (fewer at the end), not taken."""
        while self._remaining() < size:
            more = self._reader.read(self.chunk_size)
            if not more:
                break
            self._view = memoryview(self._view[self._pos:].tobytes() + more)
            self._pos = 0
        return self._view[self._pos:self._pos + size].tobytes()


def _check_header(fmt: str, head: bytes) -> None:
    """Refuse a member header that ``formats`` does not accept."""
    problem = formats.header_error(fmt, head)
    if problem:
        raise exception.CorruptCompressedData(fmt, problem)


def _check_member_count(fmt: str, members: int, bytes_out: int) -> None:
    if members > FREE_MEMBERS + bytes_out // BYTES_PER_MEMBER:
        raise exception.TooManyMembers(fmt, members, bytes_out, FREE_MEMBERS,
                                       BYTES_PER_MEMBER)


def _expect_only_zeros(fmt: str, source: _Input) -> None:
    while True:
        data = source.take(source.chunk_size)
        if not data:
            return
        if data.tobytes().strip(b'\0'):
            raise exception.CorruptCompressedData(
                fmt, 'unexpected data after the last complete member')


def _next_member(fmt: str, source: _Input, members: int,
                 bytes_out: int) -> bool:
    """True if another member follows; refuse anything else but zeros."""
    head = source.peek(formats.HEADER_BYTES)
    if not head:
        return False
    if not formats.starts_member(fmt, head):
        _expect_only_zeros(fmt, source)
        return False
    _check_header(fmt, head)
    _check_member_count(fmt, members + 1, bytes_out)
    return True


def decode(new_decoder: Callable[[], 'base.Decoder'],
           decode_errors: tuple[type[BaseException], ...], fmt: str,
           reader: Reader, sink: Sink, chunk_size: int,
           members_done: int = 0) -> None:
    """Pump ``reader`` through decoders from ``new_decoder`` into ``sink``.

    Every call to a decoder returns at most ``chunk_size`` bytes, so a small
    input that expands enormously is stopped by the sink's limit after at most
    one extra chunk. Each member costs work bounded by its own size, and
    members out of proportion with their output are refused.

    ``members_done``: members already decoded into ``sink`` by someone else
    (a parallel decoder); ``reader`` starts right after them, and the
    verdict is the one a decode from the first member would reach.
    """
    source = _Input(reader, chunk_size)
    if members_done and not _next_member(fmt, source, members_done,
                                         sink.bytes_written):
        return
    head = source.peek(formats.HEADER_BYTES)
    if formats.starts_member(fmt, head):
        _check_header(fmt, head)
    first_feed = min(FIRST_FEED, chunk_size)
    decoder, feed, exhausted = new_decoder(), first_feed, False
    members = members_done + 1
    while True:
        data: bytes | memoryview = b''
        if decoder.needs_input and not exhausted:
            data = source.take(feed)
            feed = min(feed * 2, chunk_size)
            exhausted = not data
        try:
            out = decoder.decompress(data, chunk_size)
        except decode_errors as exc:
            raise exception.CorruptCompressedData(fmt, exc) from exc
        if out:
            sink.write(out)
        if decoder.eof:
            source.give_back(decoder.unused_data)
            if not _next_member(fmt, source, members, sink.bytes_written):
                return
            decoder, feed, exhausted = new_decoder(), first_feed, False
            members += 1
            continue
        if exhausted and not out:
            raise exception.CorruptCompressedData(
                fmt, 'truncated: the data ends inside a member')


def _run(operation: Callable[[], None], reader: Reader,
         sink: Sink) -> float:
    """Time ``operation`` and then close both ends, even if it fails."""
    start, done = time.monotonic(), False
    try:
        operation()
        done = True
    finally:
        for end in (reader, sink):
            try:
                end.close()
            except Exception:  # the operation's own error matters more
                if done:
                    raise
    return time.monotonic() - start


def compress_file(engine: 'base.Engine', fmt: str, level: int,
                  src_path: str, dst_file: BinaryIO, chunk_size: int,
                  progress: Callable[[int], None] | None = None,
                  digest: str | None = digests.BLOCK_SHA256,
                  threads: int = 0) -> StreamResult:
    """Compress the file at ``src_path`` into the open file ``dst_file``.

    Holes and zero blocks of the source cost almost nothing (see
    ``Reader.pieces``). ``digest``, a kind from ``digests``, is computed
    over the plain data off the caller's thread. With ``threads``, the
    source is read ahead on that many threads (``readahead``).

    :param engine: an engine that writes ``fmt``.
    :param level: 1 (fastest) to 9 (smallest).
    :param progress: called with the bytes read after every read.
    :returns: a ``StreamResult`` with the digest of the plain data.
    :raises EngineFailed: the engine failed (``fallback`` tries the next).
    """
    with open(src_path, 'rb') as src:
        reader = Reader(src, digest=digest, progress=progress,
                        background=True, threads=threads)
        sink = Sink(dst_file)
        seconds = _run(lambda: engine.compress(
            fmt, level, reader, sink, chunk_size), reader, sink)
    return StreamResult(engine.name, fmt, reader.bytes_read,
                        sink.bytes_written, seconds, digest,
                        reader.hexdigest())


def decompress_file(engine: 'base.Engine', fmt: str, src_path: str,
                    dst_file: BinaryIO, chunk_size: int,
                    limit: int | None = None,
                    progress: Callable[[int], None] | None = None,
                    digest: str | None = None) -> StreamResult:
    """Decompress the file at ``src_path`` into the open file ``dst_file``.

    The output is sparse: all-zero blocks become holes. Writing (and
    hashing, with ``digest`` a kind from ``digests``) run on their own
    thread, overlapped with the codec.

    :param engine: an engine that reads ``fmt``.
    :param limit: most bytes the output may have, or None.
    :param progress: called with the bytes read after every read.
    :returns: a ``StreamResult`` with the digest of the plain data.
    :raises OutputLimitExceeded: the output would pass ``limit``.
    :raises CorruptCompressedData: the payload is not valid ``fmt``.
    :raises EngineFailed: the engine failed (``fallback`` tries the next).
    """
    with open(src_path, 'rb') as src:
        return decompress_stream(engine, fmt, src, dst_file, chunk_size,
                                 limit=limit, progress=progress,
                                 digest=digest)


def decompress_stream(engine: 'base.Engine', fmt: str, src: BinaryIO,
                      dst_file: BinaryIO, chunk_size: int,
                      limit: int | None = None,
                      progress: Callable[[int], None] | None = None,
                      digest: str | None = None) -> StreamResult:
    """``decompress_file`` from ``src``, anything with ``read(size)``.

    For data that never lands in a file of its own, such as an image
    decompressed as it is downloaded.
    """
    reader = Reader(src, progress=progress)
    sink = Sink(dst_file, limit=limit, digest=digest, sparse=True,
                background=True)
    seconds = _run(lambda: engine.decompress(
        fmt, reader, sink, chunk_size), reader, sink)
    return StreamResult(engine.name, fmt, reader.bytes_read,
                        sink.bytes_written, seconds, digest,
                        sink.hexdigest())


def digest_file(path: str, kind: str = digests.BLOCK_SHA256,
                chunk_size: int = digests.DIGEST_BLOCK_SIZE,
                threads: int = 0) -> str:
    """The ``kind`` digest of the plain file at ``path``; holes are free.

    With ``threads``, read (and ``block_sha256`` hashed) on that many.
    """
    with open(path, 'rb') as f:
        reader = Reader(f, digest=kind, threads=threads)
        for _ in reader.pieces(chunk_size):
            pass
        return reader.hexdigest()
