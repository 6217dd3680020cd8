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

"""gzip as independent, sized members (see ``gzip_members``), on threads.

The input arrives as pieces (``streams.Reader.pieces``): data and zero runs.
Data, with the short zero runs between it, is grouped into members of about
``member_size`` plain bytes; each member is one deflate stream with fresh
state, compressed (with its CRC-32) on a worker thread, so a reader can
inflate members on as many cores. A zero run of ``ZERO_RUN_MIN`` bytes or
more ends the member and becomes precomputed zero members: a memory copy
per 256 MiB. Members are written in input order; at most two per thread,
and at most ``parallel_gzip.IN_FLIGHT_PLAIN`` bytes of them, are in flight,
so memory stays bounded whatever the number of threads.
"""

import collections
import concurrent.futures

from glance_accel_import.engines import gzip_members
from glance_accel_import.engines import parallel_gzip
from glance_accel_import import zeros

_RAW = -15
#: Zero runs at least this long become members of their own.
ZERO_RUN_MIN = 1024 * 1024
#: Default plain bytes per member: 4 MiB costs about 0.1 % of size against
#: one member (the 32 KiB window restarts) and gives hundreds of members
#: per GiB to spread over cores.
DEFAULT_MEMBER_SIZE = 4 * 1024 * 1024


class MemberWriter:
    """Write pieces to ``sink`` as sized gzip members, on ``threads``.

    ``zlib_module`` provides ``compressobj`` and ``crc32`` with zlib's
    interface and releases the GIL while it works (zlib and ISA-L both do).
    """

    def __init__(self, zlib_module, level, sink, threads,
                 member_size=DEFAULT_MEMBER_SIZE):
        self._zlib = zlib_module
        self._level = level
        self._sink = sink
        self._member_size = max(1, member_size)
        # No more threads than members the memory bound lets be in flight.
        self._threads = max(1, min(
            threads, parallel_gzip.IN_FLIGHT_PLAIN // self._member_size))

    def _deflate(self, parts):
        """One whole member from its pieces; runs on a worker thread."""
        z = self._zlib
        c = z.compressobj(self._level, z.DEFLATED, _RAW)
        out, crc, size = [], 0, 0
        for part in parts:
            if isinstance(part, zeros.ZeroRun):
                out.extend(c.compress(chunk) for chunk in part.chunks())
                crc = parallel_gzip.crc32_combine(
                    crc, parallel_gzip.zero_crc32(part.length), part.length)
                size += part.length
            else:
                out.append(c.compress(part))
                crc = z.crc32(part, crc)
                size += len(part)
        out.append(c.flush())
        return gzip_members.member(b''.join(out), crc, size)

    def _groups(self, pieces):
        """Yield lists of pieces (a data member) or long ``ZeroRun``s."""
        parts, size = [], 0
        for piece in self._split(pieces):
            if isinstance(piece, zeros.ZeroRun) and len(piece) >= ZERO_RUN_MIN:
                if parts:
                    yield parts
                    parts, size = [], 0
                yield piece
                continue
            parts.append(piece)
            size += len(piece)
            if size >= self._member_size:
                yield parts
                parts, size = [], 0
        if parts:
            yield parts

    def _split(self, pieces):
        """Data pieces cut where members end, so none outgrows its size."""
        room = self._member_size
        for piece in pieces:
            if isinstance(piece, zeros.ZeroRun):
                yield piece
                room -= piece.length
                if piece.length >= ZERO_RUN_MIN or room <= 0:
                    room = self._member_size
                continue
            view, start = memoryview(piece), 0
            while len(piece) - start > room:
                yield view[start:start + room]
                start += room
                room = self._member_size
            if start < len(piece):
                yield view[start:] if start else piece
                room -= len(piece) - start
                if room <= 0:
                    room = self._member_size

    def write_all(self, pieces):
        """Compress every piece, in order; at least one member."""
        # (zero member, 0) or (future, plain bytes it holds), in order.
        pending = collections.deque()
        in_flight = 0
        wrote = False
        with concurrent.futures.ThreadPoolExecutor(self._threads) as pool:
            try:
                for group in self._groups(pieces):
                    if isinstance(group, zeros.ZeroRun):
                        pending.extend((member, 0) for member in
                                       gzip_members.zero_members(group.length))
                    else:
                        size = sum(len(part) for part in group)
                        pending.append((pool.submit(self._deflate, group),
                                        size))
                        in_flight += size
                    while (len(pending) > 2 * self._threads
                           or in_flight > parallel_gzip.IN_FLIGHT_PLAIN):
                        item, size = pending.popleft()
                        self._write(item)
                        in_flight -= size
                        wrote = True
                while pending:
                    self._write(pending.popleft()[0])
                    wrote = True
            finally:
                for item, _ in pending:
                    if not isinstance(item, bytes):
                        item.cancel()
        if not wrote:  # empty input: one empty member, as gzip writes
            self._sink.write(self._deflate([]))

    def _write(self, item):
        self._sink.write(item if isinstance(item, bytes) else item.result())
