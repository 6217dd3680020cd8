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

"""One engine's verdict on a payload: its bytes, or the error it raised.

Used to compare engines against the reference engine (the differential
tests and the fuzz target), where "same input, same verdict" must hold.
"""

import io

from glance_accel_import import exception
from glance_accel_import import streams


def decompress_verdict(engine, fmt, payload, chunk_size, limit=None,
                       read_size=None):
    """Return ('ok', sha256 of output) or ('error', error class name)."""
    src = io.BytesIO(payload)
    if read_size:
        src = ShortReads(src, read_size)
    sink = streams.Sink(_Discard(), limit=limit, digest='sha256')
    try:
        engine.decompress(fmt, streams.Reader(src), sink, chunk_size)
    except exception.AccelImportError as exc:
        return ('error', type(exc).__name__)
    return ('ok', sink.hexdigest(), sink.bytes_written)


class ShortReads:
    """A file that returns at most ``limit`` bytes per read, like a pipe."""

    def __init__(self, f, limit):
        self._f = f
        self._limit = limit

    def read(self, size=-1):
        if size is None or size < 0 or size > self._limit:
            size = self._limit
        return self._f.read(size)


class _Discard:
    def write(self, data):
        pass
