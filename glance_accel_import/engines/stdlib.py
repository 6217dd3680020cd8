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

"""The reference engine: Python's own zlib, bz2 and lzma modules.

Always available and slow; the other engines are tested against it.

Decoder memory: gzip keeps a 32 KiB window and bzip2 under 4 MB (its largest
block size), whatever the input; an xz header names its own dictionary, up
to 4 GiB, so xz decoders get ``[accel_decompress] max_decoder_memory`` as
liblzma's memory limit.
"""

import bz2
import lzma
import zlib

from glance_accel_import.engines import base
from glance_accel_import.engines import zlib_api
from glance_accel_import import exception
from glance_accel_import import formats
from glance_accel_import import opts

#: What CPython's lzma module says for liblzma's LZMA_MEMLIMIT_ERROR; it
#: raises a plain LZMAError, so the message is the only way to tell.
_MEMLIMIT_MESSAGE = 'memory usage limit'


class XzDecoder:
    """An xz ``LZMADecompressor`` whose memory limit is refused clearly."""

    def __init__(self, memlimit):
        self._memlimit = memlimit
        self._lzma = lzma.LZMADecompressor(format=lzma.FORMAT_XZ,
                                           memlimit=memlimit)

    @property
    def eof(self):
        return self._lzma.eof

    @property
    def needs_input(self):
        return self._lzma.needs_input

    @property
    def unused_data(self):
        return self._lzma.unused_data

    def decompress(self, data, max_length):
        try:
            return self._lzma.decompress(data, max_length)
        except lzma.LZMAError as exc:
            if _MEMLIMIT_MESSAGE in str(exc).lower():
                raise exception.DecoderMemoryExceeded(
                    formats.XZ, self._memlimit,
                    'more memory for its dictionary') from exc
            raise


class StdlibEngine(zlib_api.ZlibAPIEngine):
    name = 'stdlib'
    reads = frozenset({formats.GZIP, formats.BZIP2, formats.XZ})
    zlib_module = zlib
    decode_errors = (zlib.error, lzma.LZMAError, OSError, EOFError)

    def probe(self):
        return base.Probe(available=True, hardware=False,
                          reason='zlib %s' % zlib.ZLIB_RUNTIME_VERSION)

    def new_decoder(self, fmt):
        if fmt == formats.BZIP2:
            return bz2.BZ2Decompressor()
        if fmt == formats.XZ:
            return XzDecoder(opts.max_decoder_memory())
        return super().new_decoder(fmt)
