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

"""Start writing an output file to disk while it is still being written.

Every output we swap in is fsynced first (``staging.new_file``). Left to
the end, that fsync writes the whole file while nothing else happens: a
third of a second for a few hundred MiB here, most of a second for a
decompressed volume. Linux's ``sync_file_range(SYNC_FILE_RANGE_WRITE)``
starts the writeback of a range and returns at once, so the disk works
while the codec does and the final fsync finds little left: what
PostgreSQL (``backend_flush_after``) and RocksDB (``bytes_per_sync``) do.
It is a hint only: where the call is missing (not Linux, not glibc) or
fails, nothing happens and the final fsync does all the work, as before.
Python's ``os`` module does not offer it; ``ctypes`` reaches libc's.
"""

import ctypes
import os
import threading

#: Bytes of new output after which their writeback is started.
STEP = 8 * 1024 * 1024
#: linux/fs.h: start writeback of dirty pages in the range, do not wait.
SYNC_FILE_RANGE_WRITE = 2


def _sync_file_range():
    try:
        # The process's own symbols, libc's among them: no search (which
        # ctypes.util.find_library does by running ldconfig).
        libc = ctypes.CDLL(None, use_errno=True)
        call = libc.sync_file_range
    except (OSError, AttributeError, TypeError):
        return None
    call.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64,
                     ctypes.c_uint)
    call.restype = ctypes.c_int
    return call


_CALL = _sync_file_range()


def start(fd, offset, length):
    """Start writing ``length`` bytes at ``offset`` of ``fd``; no wait.

    :returns: True if the kernel took the hint.
    """
    if _CALL is None or length <= 0:
        return False
    return _CALL(fd, offset, length, SYNC_FILE_RANGE_WRITE) == 0


class Tracker:
    """Start the writeback of a file every ``STEP`` bytes it grows, on a
    thread of its own.

    ``wrote(end)`` is told the file offset the data now reaches; data
    still in a Python buffer is not the kernel's yet, so ``flush`` is
    called first. The hint itself goes to a helper thread: the call
    returns at once only while the disk's queue has room, and when the disk
    is the slower end it waits there. Made by the writer, that wait kept it
    from copying the next data into the page cache meanwhile (decompression
    to disk here: median 2.79 s with the call on the writer's thread, 2.37
    s off it, ten alternating runs each).

    Invariants: the helper hints contiguous ranges in file order, only the
    newest end counts (a slow disk makes it hint larger ranges, never a
    queue), and it works on a duplicate of the file descriptor, so a file
    its owner closes early cannot be confused with another that gets the
    same number. ``close`` hints what is left, stops the helper and closes
    the duplicate; call it when the writing is done (``streams.Sink.close``
    does).
    """

    def __init__(self, f, start_offset=0):
        self._f = f
        self._told = start_offset
        self._cond = threading.Condition()
        self._closing = False
        self._helper = None
        self._fd = None

    def wrote(self, end):
        if end - self._told < STEP:
            return
        self._f.flush()
        if self._helper is None:
            self._fd = os.dup(self._f.fileno())
            self._helper = threading.Thread(
                target=self._hint, args=(self._told,), daemon=True)
            self._helper.start()
        with self._cond:
            self._told = end
            self._cond.notify()

    def _hint(self, hinted):
        while True:
            with self._cond:
                while self._told <= hinted and not self._closing:
                    self._cond.wait()
                end = self._told
            if end <= hinted:  # closing, nothing left
                return
            start(self._fd, hinted, end - hinted)
            hinted = end

    def close(self):
        if self._helper is None:
            return
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._helper.join()
        os.close(self._fd)
        self._helper = None
