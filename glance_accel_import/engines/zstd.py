"""zstd through the ``zstandard`` package: multi-threaded compression.

zstandard's streaming decompressor returns everything a piece of input
expands to, with no output bound, so a few bytes of hostile input could fill
memory. ``ZstdDecoder`` walks the frame format itself and feeds the library
one block at a time: a zstd block never expands beyond 128 KiB, which bounds
what one call returns.
"""

from glance_accel_import.engines import base
from glance_accel_import import formats
from glance_accel_import import opts

try:
    import zstandard
except ImportError:  # the probe reports it
    zstandard = None

MAX_BLOCK = 128 * 1024  # Block_Maximum_Size of RFC 8878
_MAGIC = b'\x28\xb5\x2f\xfd'
_DICT_ID_BYTES = (0, 1, 2, 4)
_CONTENT_SIZE_BYTES = (0, 2, 4, 8)
_RAW, _RLE, _COMPRESSED = 0, 1, 2


def _error(message):
    return zstandard.ZstdError('corrupt zstd frame: %s' % message)


def frame_header_size(head):
    """Bytes of the frame header that ``head`` starts, or None if unknown."""
    if len(head) < 5:
        return None
    if head[:4] != _MAGIC:
        raise _error('bad magic number')
    descriptor = head[4]
    if descriptor & 0x08:
        raise _error('reserved bit set in the frame header')
    single_segment = descriptor >> 5 & 1
    content_size = _CONTENT_SIZE_BYTES[descriptor >> 6] or single_segment
    return (5 + (not single_segment) + _DICT_ID_BYTES[descriptor & 3]
            + content_size)


def block_extent(head):
    """(bytes the block at ``head`` spans, is last) or None if unknown."""
    if len(head) < 3:
        return None
    header = int.from_bytes(head[:3], 'little')
    kind, size = header >> 1 & 3, header >> 3
    if kind not in (_RAW, _RLE, _COMPRESSED) or size > MAX_BLOCK:
        raise _error('bad block header')
    return 3 + (1 if kind == _RLE else size), bool(header & 1)


class ZstdDecoder:
    """One zstd frame as a ``base.Decoder``, output bounded per call."""

    def __init__(self):
        self._dobj = zstandard.ZstdDecompressor().decompressobj()
        self._input = bytearray()
        self._output = b''
        self._next = frame_header_size
        self._checksum = False
        self.eof = False
        self.unused_data = b''

    def _next_unit(self):
        """Size of the next whole unit of the frame, if it is all buffered."""
        if self._next is None:  # the 4-byte content checksum
            size = 4
        else:
            size = self._next(bytes(self._input[:18]))
            if isinstance(size, tuple):
                size = size[0]
        if size is None or len(self._input) < size:
            return None
        return size

    @property
    def needs_input(self):
        return not (self.eof or self._output or self._next_unit())

    def _feed_unit(self, size):
        unit = bytes(self._input[:size])
        del self._input[:size]
        if self._next is frame_header_size:
            self._checksum = bool(unit[4] & 0x04)
            self._next = block_extent
            return self._dobj.decompress(unit)
        if self._next is block_extent:
            last = block_extent(unit)[1]
            out = self._dobj.decompress(unit)
            if last:
                self._next = None
                if not self._checksum:
                    self._finish()
            return out
        self._dobj.decompress(unit)  # zstandard checks the checksum
        self._finish()
        return b''

    def _finish(self):
        if not self._dobj.eof:
            raise _error('frame did not end where its last block did')
        self.eof = True
        self.unused_data = bytes(self._input)
        self._input.clear()

    def decompress(self, data, max_length):
        self._input += data
        out = [self._output]
        produced = len(self._output)
        while produced < max_length and not self.eof:
            size = self._next_unit()
            if size is None:
                break
            piece = self._feed_unit(size)
            out.append(piece)
            produced += len(piece)
        joined = b''.join(out)
        self._output = joined[max_length:]
        return joined[:max_length]


class ZstdEngine(base.Engine):
    name = 'zstd'
    speed_rank = 50
    reads = frozenset({formats.ZSTD})
    writes = frozenset({formats.ZSTD})

    @property
    def decode_errors(self):
        return (zstandard.ZstdError,)

    def probe(self):
        if zstandard is None:
            return base.Probe(available=False, hardware=False,
                              reason='the Python package zstandard is not '
                                     'installed')
        return base.Probe(available=True, hardware=False,
                          reason='zstandard %s (libzstd %s), %d threads'
                          % (zstandard.__version__,
                             zstandard.ZSTD_VERSION and '.'.join(
                                 map(str, zstandard.ZSTD_VERSION)),
                             opts.compress_threads()))

    def new_encoder(self, fmt, level):
        # Our 1..9 scale used as is: zstd level 1 is its fastest regular
        # level and 3 its default; 9 is still far faster than gzip -9.
        threads = opts.compress_threads()
        return zstandard.ZstdCompressor(
            level=level, write_checksum=True,
            threads=threads if threads > 1 else 0).compressobj()

    def new_decoder(self, fmt):
        return ZstdDecoder()
