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

import dataclasses
import hashlib
import time

from glance_accel_import import exception
from glance_accel_import import formats


@dataclasses.dataclass(frozen=True)
class StreamResult:
    """What one compression or decompression did."""

    engine: str
    fmt: str
    bytes_in: int
    bytes_out: int
    seconds: float
    plain_sha256: str


class Reader:
    """Read a file in chunks, counting, optionally hashing and reporting."""

    def __init__(self, f, digest=False, progress=None):
        self._f = f
        self._hash = hashlib.sha256() if digest else None
        self._progress = progress
        self.bytes_read = 0

    def read(self, size):
        data = self._f.read(size)
        if data:
            self.bytes_read += len(data)
            if self._hash is not None:
                self._hash.update(data)
            if self._progress is not None:
                self._progress(len(data))
        return data

    def hexdigest(self):
        return self._hash.hexdigest() if self._hash is not None else ''


class Sink:
    """Write to a file, counting bytes and refusing to pass ``limit``."""

    def __init__(self, f, limit=None, digest=False):
        self._f = f
        self._limit = limit
        self._hash = hashlib.sha256() if digest else None
        self.bytes_written = 0

    def write(self, data):
        if self._limit is not None and self.bytes_written + len(data) > \
                self._limit:
            raise exception.OutputLimitExceeded(self._limit)
        self._f.write(data)
        self.bytes_written += len(data)
        if self._hash is not None:
            self._hash.update(data)

    def hexdigest(self):
        return self._hash.hexdigest() if self._hash is not None else ''


def encode(encoder, reader, sink, chunk_size):
    """Pump ``reader`` through ``encoder`` into ``sink``."""
    while True:
        data = reader.read(chunk_size)
        if not data:
            break
        out = encoder.compress(data)
        if out:
            sink.write(out)
    sink.write(encoder.flush())


def _read_at_least(reader, data, size):
    while len(data) < size:
        more = reader.read(size - len(data))
        if not more:
            break
        data += more
    return data


def _member_start(fmt, reader, data):
    """Read enough to check where a member may begin; refuse bad headers."""
    data = _read_at_least(reader, data, formats.HEADER_BYTES)
    if formats.starts_member(fmt, data):
        problem = formats.header_error(fmt, data)
        if problem:
            raise exception.CorruptCompressedData(fmt, problem)
    return data


def _expect_only_zeros(fmt, data, reader, chunk_size):
    while data:
        if data.strip(b'\0'):
            raise exception.CorruptCompressedData(
                fmt, 'unexpected data after the last complete member')
        data = reader.read(chunk_size)


def decode(new_decoder, decode_errors, fmt, reader, sink, chunk_size):
    """Pump ``reader`` through decoders from ``new_decoder`` into ``sink``.

    Every call to a decoder returns at most ``chunk_size`` bytes, so a small
    input that expands enormously is stopped by the sink's limit after at most
    one extra chunk.
    """
    decoder = new_decoder()
    pending = _member_start(fmt, reader, b'')
    exhausted = False
    while True:
        if decoder.needs_input and not exhausted:
            data, pending = pending or reader.read(chunk_size), b''
            exhausted = not data
        else:
            data = b''
        try:
            out = decoder.decompress(data, chunk_size)
        except decode_errors as exc:
            raise exception.CorruptCompressedData(fmt, exc) from exc
        if out:
            sink.write(out)
        if decoder.eof:
            rest = _member_start(fmt, reader, decoder.unused_data)
            if not rest:
                return
            if formats.starts_member(fmt, rest):
                decoder, pending, exhausted = new_decoder(), rest, False
                continue
            _expect_only_zeros(fmt, rest, reader, chunk_size)
            return
        if exhausted and not out:
            raise exception.CorruptCompressedData(
                fmt, 'truncated: the data ends inside a member')


def _timed(operation):
    start = time.monotonic()
    operation()
    return time.monotonic() - start


def compress_file(engine, fmt, level, src_path, dst_file, chunk_size,
                  progress=None):
    """Compress the file at ``src_path`` into the open file ``dst_file``."""
    with open(src_path, 'rb') as src:
        reader = Reader(src, digest=True, progress=progress)
        sink = Sink(dst_file)
        seconds = _timed(lambda: engine.compress(
            fmt, level, reader, sink, chunk_size))
    return StreamResult(engine.name, fmt, reader.bytes_read,
                        sink.bytes_written, seconds, reader.hexdigest())


def decompress_file(engine, fmt, src_path, dst_file, chunk_size, limit=None,
                    progress=None):
    """Decompress the file at ``src_path`` into the open file ``dst_file``."""
    with open(src_path, 'rb') as src:
        reader = Reader(src, progress=progress)
        sink = Sink(dst_file, limit=limit, digest=True)
        seconds = _timed(lambda: engine.decompress(
            fmt, reader, sink, chunk_size))
    return StreamResult(engine.name, fmt, reader.bytes_read,
                        sink.bytes_written, seconds, sink.hexdigest())
