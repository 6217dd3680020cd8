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

"""Where the zeros are: holes of sparse files and all-zero blocks.

Volumes are mostly never-written space. Finding it cheaply is what makes the
cost of compression grow with the data rather than with the volume: holes
are found with ``SEEK_DATA``/``SEEK_HOLE`` without reading them, and all-zero
blocks of dense files and block devices by one ``memcmp`` per block.
"""

import dataclasses
import errno
import os
import stat

from oslo_utils import units

#: Granularity of zero detection and of holes in sparse output. A multiple
#: of every common filesystem block size, so holes are real holes.
ZERO_BLOCK_SIZE = 64 * units.Ki
_ZERO_BLOCK = bytes(ZERO_BLOCK_SIZE)
#: One shared buffer that zero runs are read from when bytes are needed.
_ZERO_CHUNK = bytes(4 * units.Mi)


@dataclasses.dataclass(frozen=True)
class ZeroRun:
    """``length`` zero bytes, known without holding them.

    A piece of a stream (see ``split`` and ``streams.Reader.pieces``) is
    either data (bytes) or a ``ZeroRun``: a hole, or all-zero blocks.
    """

    length: int

    def __len__(self):
        return self.length

    def chunks(self):
        """The zeros as a few views of one shared buffer."""
        return zero_chunks(self.length)


def is_zero(data):
    """True if ``data`` (at most ``ZERO_BLOCK_SIZE`` bytes) is all zeros.

    Any buffer: ``bytes.startswith`` of the zero block with ``data`` as the
    prefix is one ``memcmp`` on the data in place, no copy, and a data
    block usually differs in its first byte.
    """
    return _ZERO_BLOCK.startswith(data)


def zero_chunks(count):
    """``count`` zero bytes as a few views of one shared buffer."""
    while count > 0:
        step = min(count, len(_ZERO_CHUNK))
        yield memoryview(_ZERO_CHUNK)[:step]
        count -= step


def split(data, offset=0):
    """Yield ``data`` (any buffer) as pieces: data, or a ``ZeroRun``.

    Zero detection is per ``ZERO_BLOCK_SIZE``, aligned to the absolute
    ``offset`` of ``data`` in its file, so zero runs line up with filesystem
    blocks. Adjacent pieces of one kind are merged. Data pieces are
    ``data`` itself when it holds no zero block, otherwise memoryviews of
    it: nothing is copied.
    """
    view = memoryview(data)
    end = len(view)
    # Most of a volume is zeros: one compare for a whole block of them
    # instead of one per ZERO_BLOCK_SIZE. Data fails it at its first byte.
    if 0 < end <= len(_ZERO_CHUNK) and _ZERO_CHUNK.startswith(view):
        yield ZeroRun(end)
        return
    start, kind_zero, pos = 0, None, 0
    while pos < end:
        step = min(ZERO_BLOCK_SIZE - (offset + pos) % ZERO_BLOCK_SIZE,
                   end - pos)
        zero = is_zero(view[pos:pos + step])
        if zero is not kind_zero and pos > start:
            yield ZeroRun(pos - start) if kind_zero else view[start:pos]
            start = pos
        kind_zero = zero
        pos += step
    if end > start:
        if kind_zero:
            yield ZeroRun(end - start)
        else:
            yield data if start == 0 else view[start:end]


def _size(fd):
    st = os.fstat(fd)
    if stat.S_ISREG(st.st_mode):
        return st.st_size
    # A block device's st_size is 0: ask the device, keeping the position.
    here = os.lseek(fd, 0, os.SEEK_CUR)
    try:
        return os.lseek(fd, 0, os.SEEK_END)
    finally:
        os.lseek(fd, here, os.SEEK_SET)


class Extents:
    """The data extents of an open file, found lazily as it is read.

    ``next_data(pos)`` returns where the next data at or after ``pos``
    starts and where it ends; on filesystems without ``SEEK_DATA`` the
    whole file is one data extent.
    """

    def __init__(self, fd):
        self._fd = fd
        self._size = _size(fd)
        self._supported = hasattr(os, 'SEEK_DATA')
        # The data extent found last: [start, end).
        self._data_start = self._data_end = -1

    @property
    def size(self):
        return self._size

    def next_data(self, pos):
        if pos >= self._size:
            return self._size, self._size
        if not self._supported:
            return pos, self._size
        if self._data_start <= pos < self._data_end:
            return pos, self._data_end
        try:
            start = self._data_start = os.lseek(self._fd, pos, os.SEEK_DATA)
            self._data_end = min(os.lseek(self._fd, start, os.SEEK_HOLE),
                                 self._size)
        except OSError as exc:
            if exc.errno == errno.ENXIO:  # nothing but hole up to the end
                return self._size, self._size
            if exc.errno not in (errno.EINVAL, errno.EOPNOTSUPP):
                raise
            self._supported = False
            return pos, self._size
        return start, self._data_end
