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

"""Inflate sized gzip members (``gzip_members``) on several threads.

Only members that are perfect are handled here: the sized header, a deflate
stream that ends exactly where the header says, exactly the claimed number
of plain bytes, and the CRC-32 and length of the trailer. Each is inflated
on a worker with its output capped at its claim, and written in order.

At the first thing that is not perfect (an ordinary gzip member, a wrong
claim, a corrupt or truncated member, trailing bytes, a member too large to
hold in memory, too many members, or a member that would pass the output
limit) this decoder stops and hands the rest of the input, from the start
of that member, to the serial pump (``streams.decode``) with the count of
members already written. Everything before that point decoded to the same
bytes the serial pump would have written, so its verdict, error message
included, is the serial pump's by construction: this module never raises
a verdict of its own.

``decompress`` tells what it did (a ``Report``, also logged at DEBUG): how
many members were decoded here, and whether the serial pump got the rest.
"""

import collections
import concurrent.futures
import typing

from oslo_log import log as logging

from glance_accel_import.engines import gzip_members
from glance_accel_import.engines import parallel_gzip
from glance_accel_import import streams

LOG = logging.getLogger(__name__)
_RAW = -15
#: Largest claimed plain size inflated in parallel (a zero member is not
#: inflated at all and may claim up to ``gzip_members.ZERO_MEMBER_MAX``).
MAX_MEMBER_PLAIN = 16 * 1024 * 1024
#: Largest deflate body read ahead for one member.
MAX_MEMBER_DEFLATE = MAX_MEMBER_PLAIN + MAX_MEMBER_PLAIN // 8
# Plain bytes held by members in flight: parallel_gzip.IN_FLIGHT_PLAIN at
# most (besides zero runs), the bound compression has too.


class _Resume:
    """A reader: ``prefix`` first, then the rest of ``reader``."""

    def __init__(self, prefix, reader):
        self._prefix = memoryview(prefix)
        self._reader = reader

    def read(self, size):
        if self._prefix:
            piece, self._prefix = (self._prefix[:size],
                                   self._prefix[size:])
            return piece.tobytes()
        return self._reader.read(size)


class _Member:
    """One member read from the input: its raw bytes and its claims."""

    def __init__(self, raw, plain_size):
        self.raw = raw
        self.plain_size = plain_size
        self.result = None  # a future, or an int for a zero run


def _check(zlib_module, raw, plain_size):
    """The member's plain bytes if it is perfect, else None (a worker)."""
    body = memoryview(raw)[
        gzip_members.HEADER_SIZE:-gzip_members.TRAILER_SIZE]
    crc, isize = _trailer(raw)
    if isize != plain_size & 0xffffffff:
        return None
    d = zlib_module.decompressobj(_RAW)
    try:
        out = d.decompress(body, plain_size + 1)
    except zlib_module.error:
        return None
    if (not d.eof or d.unused_data or d.unconsumed_tail
            or len(out) != plain_size or zlib_module.crc32(out) != crc):
        return None
    return out


def _trailer(raw):
    """(CRC-32, ISIZE) of a whole member."""
    tail = raw[-gzip_members.TRAILER_SIZE:]
    return (int.from_bytes(tail[:4], 'little'),
            int.from_bytes(tail[4:], 'little'))


def _zero_run(raw, plain_size):
    """``plain_size`` if the member is a canonical zero run, else None."""
    if plain_size < parallel_gzip.ZERO_UNIT:
        return None
    crc, isize = _trailer(raw)
    if (isize != plain_size & 0xffffffff
            or crc != parallel_gzip.zero_crc32(plain_size)):
        return None
    body = raw[gzip_members.HEADER_SIZE:-gzip_members.TRAILER_SIZE]
    return plain_size if gzip_members.is_zero_body(body, plain_size) else None


class _Decoder:

    def __init__(self, zlib_module, fmt, reader, sink, chunk_size, threads):
        self._zlib = zlib_module
        self._fmt = fmt
        self._reader = reader
        self._sink = sink
        self._chunk = chunk_size
        self._threads = max(1, threads)
        self._buffer = b''
        self.ended = False  # the reader returned nothing
        self.members_done = 0
        self.zero_runs = 0  # of members_done, written without inflating

    def _fill(self, size):
        """Read until the buffer holds ``size`` bytes or the input ends."""
        parts = [self._buffer]
        have = len(self._buffer)
        while have < size and not self.ended:
            data = self._reader.read(max(self._chunk, size - have))
            if not data:
                self.ended = True
                break
            parts.append(data)
            have += len(data)
        self._buffer = b''.join(parts) if len(parts) > 1 else parts[0]
        return have >= size

    def _next(self):
        """The next perfect-looking member, taken from the input, or None.
        """
        if not self._fill(gzip_members.HEADER_SIZE):
            return None
        sizes = gzip_members.parse_header(self._buffer)
        if sizes is None:
            return None
        plain_size, deflate_size = sizes
        if deflate_size > MAX_MEMBER_DEFLATE or plain_size > max(
                MAX_MEMBER_PLAIN, gzip_members.ZERO_MEMBER_MAX):
            return None
        total = (gzip_members.HEADER_SIZE + deflate_size
                 + gzip_members.TRAILER_SIZE)
        if not self._fill(total):
            return None
        member = _Member(self._buffer[:total], plain_size)
        zero = _zero_run(member.raw, plain_size)
        if zero is None and plain_size > MAX_MEMBER_PLAIN:
            return None
        member.result = zero
        self._buffer = self._buffer[total:]
        return member

    def _commit(self, member):
        """Write a member's plain data; False if it is not perfect."""
        result = member.result
        if not isinstance(result, int):
            result = result.result()
            if result is None:
                return False
            # In the serial pump's chunks, so that the output limit stops
            # both at the same byte; views, not copies.
            view = memoryview(result)
            for start in range(0, len(result), self._chunk):
                self._sink.write(view[start:start + self._chunk])
        else:
            for start in range(0, result, self._chunk):
                self._sink.write_zeros(min(self._chunk, result - start))
            self.zero_runs += 1
        self.members_done += 1
        return True

    def _members_allowed(self):
        # The serial pump's own rule (``streams._check_member_count``) for
        # the next member, judged where it would judge it.
        n = self.members_done + 1
        return n == 1 or n <= streams.FREE_MEMBERS + (
            self._sink.bytes_written // streams.BYTES_PER_MEMBER)

    def run(self, pool):
        """Decode perfect members; return the input not yet decoded."""
        pending = collections.deque()
        in_flight = 0
        failed = False
        while True:
            while (not failed and len(pending) < 2 * self._threads
                   and in_flight < parallel_gzip.IN_FLIGHT_PLAIN):
                member = self._next()
                if member is None:
                    failed = True
                    break
                if member.result is None:
                    member.result = pool.submit(
                        _check, self._zlib, member.raw, member.plain_size)
                    in_flight += member.plain_size
                pending.append(member)
            if not pending:
                return self._buffer
            member = pending[0]
            if not self._members_allowed() or not self._commit(member):
                return self._rest(pending)
            pending.popleft()
            if not isinstance(member.result, int):
                in_flight -= member.plain_size

    def _rest(self, pending):
        for member in pending:
            if not isinstance(member.result, int):
                member.result.cancel()
        return b''.join([m.raw for m in pending] + [self._buffer])


class Report(typing.NamedTuple):
    """What ``decompress`` did with one input."""

    #: Members decoded here, in parallel (zero runs included).
    members: int
    #: Of those, canonical zero runs written without inflating.
    zero_runs: int
    #: The serial pump decoded the rest (or gave the verdict).
    serial: bool


def decompress(zlib_module, fmt, reader, sink, chunk_size, threads, serial):
    """Decompress gzip from ``reader`` into ``sink``; return a ``Report``.

    ``serial(reader, members_done)`` decodes the rest through the serial
    pump; it is called unless the input was nothing but perfect members.
    """
    decoder = _Decoder(zlib_module, fmt, reader, sink, chunk_size, threads)
    with concurrent.futures.ThreadPoolExecutor(max(1, threads)) as pool:
        rest = decoder.run(pool)
    report = Report(decoder.members_done, decoder.zero_runs,
                    bool(rest or not decoder.ended
                         or not decoder.members_done))
    # Logged before the serial pump runs, so that it is there even when
    # the pump's verdict is an error: operators see whether an image's
    # gzip used every core, or why not (an ordinary gzip has no members
    # this module can take).
    LOG.debug('gzip: %d members decoded in parallel on %d threads '
              '(%d of them zero runs), %s', report.members, max(1, threads),
              report.zero_runs,
              'the rest by the serial decoder' if report.serial
              else 'nothing left for the serial decoder')
    if report.serial:
        serial(_Resume(rest, reader), decoder.members_done)
    return report
