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

"""Check gzip produced by an outside tool as it streams past.

A device or tool that compresses for us is trusted for nothing: every member
it writes is decoded again on the host (its CRC32 and length checked by
zlib), and the concatenation of all members must have exactly the length and
CRC32 of the input we gave it. A dropped, repeated or truncated member, a bad
checksum or trailing junk is caught before the output is used.
"""

import zlib

from oslo_utils import units

from glance_accel_import import exception
from glance_accel_import import formats

try:
    from isal import isal_zlib as _fast_zlib
except ImportError:  # plain zlib is slower but checks the same things
    _fast_zlib = zlib

#: Most bytes one decode step may produce, so memory stays bounded even for
#: output that expands a thousand times (runs of zeros in disk images).
STEP = units.Mi


class GzipVerifier:
    """Decode pushed gzip bytes and keep the length and CRC32 of the result.

    ``engine`` names the producer in error messages. Errors are
    ``EngineFailed``: the producer, not the user's data, is at fault.
    """

    def __init__(self, engine, zlib_module=None):
        self._engine = engine
        self._zlib = zlib_module or _fast_zlib
        self._decoder = None
        self.members = 0
        self.length = 0
        self.crc32 = 0

    def _fail(self, detail):
        return exception.EngineFailed(self._engine, detail)

    def _take(self, out):
        if out:
            self.length += len(out)
            self.crc32 = zlib.crc32(out, self.crc32)

    def feed(self, data):
        while data:
            if self._decoder is None:
                self._decoder = self._zlib.decompressobj(formats.GZIP_WBITS)
            try:
                self._take(self._decoder.decompress(data, STEP))
                while self._decoder.unconsumed_tail:
                    self._take(self._decoder.decompress(
                        self._decoder.unconsumed_tail, STEP))
            except self._zlib.error as exc:
                raise self._fail('wrote invalid gzip (member %d): %s'
                                 % (self.members + 1, exc)) from exc
            if not self._decoder.eof:
                return
            self.members += 1
            data = self._decoder.unused_data
            self._decoder = None

    def finish(self, input_length, input_crc32):
        """Raise unless the decoded stream is exactly the input."""
        if self._decoder is not None:
            raise self._fail('output ends inside gzip member %d'
                             % (self.members + 1))
        if not self.members:
            raise self._fail('wrote no gzip member')
        if self.length != input_length:
            raise self._fail('output decodes to %d bytes, input was %d'
                             % (self.length, input_length))
        if self.crc32 != input_crc32:
            raise self._fail('output decodes to data with CRC32 %08x, input '
                             'had %08x' % (self.crc32, input_crc32))
