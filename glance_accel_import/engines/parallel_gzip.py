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

"""One standard gzip member, deflated by several threads, zeros for free.

The input arrives as pieces (see ``streams.Reader.pieces``): data, at most
one chunk each, and zero runs of any length. Each data piece is deflated on
a worker thread as raw deflate primed with the 32 KiB that precede it (so
the ratio is that of one stream) and ends with a sync flush, which
byte-aligns it: the pieces concatenate into one deflate stream, as pigz
does. A zero run is written from a precomputed deflate of 1 MiB of zeros
that references nothing before it, repeated, so its cost is a memory copy
per MiB. The CRC-32 of a zero run is combined arithmetically, never
computed over the zeros. The result is one gzip member that ``gzip -d``
reads, whatever the engine.
"""

import collections
import concurrent.futures
import functools
import struct
import zlib

from glance_accel_import import zeros

try:
    from isal import isal_zlib
except ImportError:  # the pure Python combination below is used
    isal_zlib = None

# ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=3 (Unix)
HEADER = b'\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03'
# A final, empty block with fixed Huffman codes: ends the deflate stream.
FINAL_BLOCK = b'\x03\x00'
WINDOW = 32 * 1024
ZERO_UNIT = 1024 * 1024
#: Most plain bytes handed to worker threads and not yet written, per
#: stream, whatever the number of threads: two pieces per thread would hold
#: half a GiB on a 64-core host. 64 MiB keeps 16 threads busy with 4 MiB
#: members, more than a disk takes.
IN_FLIGHT_PLAIN = 64 * 1024 * 1024
_ZERO_UNITS_PER_WRITE = 64
_RAW = -15


@functools.lru_cache(maxsize=64)
def zero_deflate(count):
    """Raw deflate of ``count`` zero bytes, standing alone, byte-aligned.

    Fresh state and a full flush: it refers to nothing before it, so it
    can follow any byte-aligned point of a stream, and repeat. Computed
    once per size, with zlib's best level (on zeros it costs nothing).
    """
    c = zlib.compressobj(9, zlib.DEFLATED, _RAW)
    return c.compress(bytes(count)) + c.flush(zlib.Z_FULL_FLUSH)


def _gf2_times(matrix, vector):
    total, row = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[row]
        vector >>= 1
        row += 1
    return total


def _gf2_square(matrix):
    return [_gf2_times(matrix, matrix[n]) for n in range(32)]


def _crc32_combine_py(crc1, crc2, len2):
    """zlib's crc32_combine: the CRC-32 of A+B from those of A and B."""
    if len2 <= 0:
        return crc1
    odd = [0xedb88320] + [1 << n for n in range(31)]  # one zero bit
    even = _gf2_square(odd)  # two zero bits
    odd = _gf2_square(even)  # four zero bits
    while True:
        even = _gf2_square(odd)  # first pass: one zero byte
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = _gf2_square(even)
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


crc32_combine = (isal_zlib.crc32_combine if isal_zlib is not None
                 else _crc32_combine_py)


@functools.lru_cache(maxsize=128)
def zero_crc32(count):
    """CRC-32 of ``count`` zero bytes, in O(log count) steps."""
    if count <= ZERO_UNIT:
        return zlib.crc32(bytes(count))
    half = count // 2
    return crc32_combine(zero_crc32(half), zero_crc32(count - half),
                         count - half)


def _zero_run_deflate(count):
    """Yield the raw deflate of a run of ``count`` zeros, a few KiB at once."""
    units, rest = divmod(count, ZERO_UNIT)
    unit = zero_deflate(ZERO_UNIT)
    while units:
        step = min(units, _ZERO_UNITS_PER_WRITE)
        yield unit * step
        units -= step
    if rest:
        yield zero_deflate(rest)


class ParallelGzipWriter:
    """Write pieces to ``sink`` as one gzip member, on ``threads`` threads.

    ``zlib_module`` provides ``compressobj`` and ``crc32`` with zlib's
    interface and releases the GIL while it works (zlib and ISA-L both do).
    """

    def __init__(self, zlib_module, level, sink, threads):
        self._zlib = zlib_module
        self._level = level
        self._sink = sink
        self._threads = max(1, threads)
        self._crc = 0
        self._size = 0
        self._history = b''

    def _deflate(self, data, history):
        """Deflate one piece; also its own CRC-32, off the main thread."""
        z = self._zlib
        if history:
            c = z.compressobj(self._level, z.DEFLATED, _RAW, zdict=history)
        else:
            c = z.compressobj(self._level, z.DEFLATED, _RAW)
        return c.compress(data) + c.flush(z.Z_SYNC_FLUSH), z.crc32(data)

    def _remember(self, tail):
        # The window the next piece may refer to: the last 32 KiB of input.
        if len(tail) >= WINDOW:
            self._history = bytes(tail[-WINDOW:])
        else:
            self._history = (self._history + bytes(tail))[-WINDOW:]

    def _finish_piece(self, piece, deflated):
        if isinstance(piece, zeros.ZeroRun):
            for blob in _zero_run_deflate(piece.length):
                self._sink.write(blob)
            self._crc = crc32_combine(self._crc, zero_crc32(piece.length),
                                      piece.length)
            self._size += piece.length
        else:
            blob, crc = deflated.result()
            self._sink.write(blob)
            self._crc = crc32_combine(self._crc, crc, len(piece))
            self._size += len(piece)

    def write_all(self, pieces):
        """Deflate every piece, in order, then end the member."""
        self._sink.write(HEADER)
        pending = collections.deque()
        in_flight = 0
        with concurrent.futures.ThreadPoolExecutor(self._threads) as pool:
            try:
                for piece in pieces:
                    if isinstance(piece, zeros.ZeroRun):
                        pending.append((piece, None))
                        self._remember(bytes(min(piece.length, WINDOW)))
                    else:
                        pending.append((piece, pool.submit(
                            self._deflate, piece, self._history)))
                        self._remember(piece)
                        in_flight += len(piece)
                    # Two pieces per thread in flight: enough to keep every
                    # thread busy, little enough to bound memory.
                    while (len(pending) > 2 * self._threads
                           or in_flight > IN_FLIGHT_PLAIN):
                        piece, deflated = pending.popleft()
                        self._finish_piece(piece, deflated)
                        if deflated is not None:
                            in_flight -= len(piece)
                while pending:
                    self._finish_piece(*pending.popleft())
            finally:
                for _, future in pending:
                    if future is not None:
                        future.cancel()
        self._sink.write(FINAL_BLOCK + struct.pack(
            '<II', self._crc, self._size & 0xffffffff))
