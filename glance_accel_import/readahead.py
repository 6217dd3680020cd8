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

"""A seekable file read ahead on worker threads, one block per job.

Reading (a copy out of the page cache), zero detection and the per-block
digest of ``block_sha256`` cost as much CPU as a fast deflate of the same
data; done on the caller's thread, they left the codec threads waiting. Here
each block of ``BLOCK_SIZE`` bytes, counted from where reading starts, is a
job on its own: its holes are found by the caller (``zeros.Extents``: a few
``lseek`` calls) and never read, its data is read with ``pread``, split into
data and zero runs (``zeros.split``) and, if asked, hashed. Blocks come back
in file order; at most ``depth`` are in flight, so memory stays bounded by
``depth * BLOCK_SIZE`` whatever the file size. A file that shrinks while it
is read ends at its new end, as a plain read would.
"""

import collections
import concurrent.futures
import dataclasses
import os
import typing

from glance_accel_import import digests
from glance_accel_import import zeros

#: Bytes per job: the block of ``block_sha256``, so a job hashes one block.
BLOCK_SIZE = digests.DIGEST_BLOCK_SIZE
#: Most blocks in flight, whatever the thread count: 32 MiB. A block costs
#: a few milliseconds to read, split and hash, so a few per thread keep
#: a small host busy, and a large one needs no more to stay ahead of its
#: codec threads.
MAX_DEPTH = 8


@dataclasses.dataclass(frozen=True)
class Block:
    """``length`` bytes of the file as pieces: data or ``zeros.ZeroRun``.

    A hole and the zero blocks next to it are separate runs here;
    ``streams.Reader.pieces`` merges them, for every source alike.
    """

    pieces: list[typing.Any]
    length: int
    #: ``block_sha256``'s digest of this block, if it was asked for.
    digest: bytes | None
    #: The file ended inside this block (it shrank while being read).
    last: bool


def _data_spans(extents, start, end):
    """The (start, end) spans of data between ``start`` and ``end``."""
    spans, pos = [], start
    while pos < end:
        data_start, data_end = extents.next_data(pos)
        if data_start >= end:
            break
        spans.append((data_start, min(data_end, end)))
        pos = data_end
    return spans


def read_block(fd, start, end, spans, hashed):
    """The block from ``start`` to ``end``; runs on a worker thread."""
    pieces, pos, last = [], start, False
    for span_start, span_end in spans:
        if span_start > pos:
            pieces.append(zeros.ZeroRun(span_start - pos))
        data = os.pread(fd, span_end - span_start, span_start)
        pieces.extend(zeros.split(data, span_start))
        pos = span_start + len(data)
        if pos < span_end:  # the file shrank under us
            last = True
            break
    if not last and end > pos:
        pieces.append(zeros.ZeroRun(end - pos))
        pos = end
    return Block(pieces, pos - start,
                 digests.block_digest(pieces) if hashed else None, last)


def blocks(fd, start, threads, hashed=False, depth=None):
    """Yield the file open at ``fd`` from ``start`` on as ``Block``s.

    :param threads: worker threads reading, splitting and hashing.
    :param hashed: also give each block its ``block_sha256`` digest.
    :param depth: blocks in flight; default two per thread, plus two, at
        most ``MAX_DEPTH``.
    """
    extents = zeros.Extents(fd)
    depth = depth or min(2 * threads + 2, MAX_DEPTH)
    pending = collections.deque()
    # No more threads than blocks in flight: idle ones would only hold
    # memory (each thread's malloc arena).
    with concurrent.futures.ThreadPoolExecutor(min(threads, depth)) as pool:
        try:
            offset = start
            while offset < extents.size or pending:
                while offset < extents.size and len(pending) < depth:
                    end = min(offset + BLOCK_SIZE, extents.size)
                    pending.append(pool.submit(
                        read_block, fd, offset, end,
                        _data_spans(extents, offset, end), hashed))
                    offset = end
                block = pending.popleft().result()
                yield block
                if block.last:
                    return
        finally:
            for future in pending:
                future.cancel()
