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

"""Shared base for engines built on a module with the zlib interface.

Python's ``zlib`` and ISA-L's ``isal.isal_zlib`` expose the same API, so the
gzip handling of the ``stdlib`` and ``isal`` engines lives here once.
"""

from glance_accel_import.engines import base
from glance_accel_import.engines import member_writer
from glance_accel_import.engines import parallel_gzip
from glance_accel_import.engines import parallel_inflate
from glance_accel_import import formats
from glance_accel_import import opts
from glance_accel_import import streams


class ZlibDecoder:
    """Adapt a zlib-style decompressobj to the ``base.Decoder`` interface.

    zlib keeps input it could not consume under ``max_length`` in
    ``unconsumed_tail``; feeding it back here keeps the pump format-blind.
    """

    def __init__(self, zobj):
        self._zobj = zobj
        self._tail = b''

    @property
    def eof(self):
        return self._zobj.eof

    @property
    def needs_input(self):
        return not self._tail and not self._zobj.eof

    @property
    def unused_data(self):
        return self._zobj.unused_data

    def decompress(self, data, max_length):
        if self._tail:
            data = self._tail + data if data else self._tail
        out = self._zobj.decompress(data, max_length)
        self._tail = self._zobj.unconsumed_tail
        return out


class ZlibAPIEngine(base.CodecEngine):
    """gzip through ``zlib_module``, a module with zlib's interface."""

    reads = frozenset({formats.GZIP})
    writes = frozenset({formats.GZIP})

    #: The module providing ``compressobj``, ``decompressobj``, ``error``.
    zlib_module = None

    def native_level(self, level):
        """Map the 1..9 scale of the options onto the module's levels."""
        return level

    def new_encoder(self, fmt, level):
        return self.zlib_module.compressobj(
            self.native_level(level), self.zlib_module.DEFLATED,
            formats.GZIP_WBITS)

    def compress(self, fmt, level, reader, sink, chunk_size):
        """Block-parallel, zero-aware: sized members (``member_writer``),
        or one member (``parallel_gzip``) if ``gzip_member_size`` is 0.
        """
        member_size = opts.gzip_member_size()
        if member_size:
            writer = member_writer.MemberWriter(
                self.zlib_module, self.native_level(level), sink,
                opts.compress_threads(), member_size)
        else:
            writer = parallel_gzip.ParallelGzipWriter(
                self.zlib_module, self.native_level(level), sink,
                opts.compress_threads())
        writer.write_all(reader.pieces(chunk_size))

    def decompress(self, fmt, reader, sink, chunk_size):
        """Sized members on every thread (``parallel_inflate``); the rest,
        and anything irregular, through the one pump in ``streams``.
        """
        parallel_inflate.decompress(
            self.zlib_module, fmt, reader, sink, chunk_size,
            opts.compress_threads(),
            lambda source, members_done: streams.decode(
                lambda: self.new_decoder(fmt), self.decode_errors, fmt,
                source, sink, chunk_size, members_done=members_done))

    def new_decoder(self, fmt):
        return ZlibDecoder(self.zlib_module.decompressobj(formats.GZIP_WBITS))
