"""The reference engine: Python's own zlib, bz2 and lzma modules.

Always available and slow; the other engines are tested against it.
"""

import bz2
import lzma
import zlib

from glance_accel_import.engines import base
from glance_accel_import.engines import zlib_api
from glance_accel_import import formats


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
            return lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
        return super().new_decoder(fmt)
