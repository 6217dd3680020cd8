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

"""zstd through the ``zstandard`` package: multi-threaded compression.

zstandard's streaming decompressor returns everything a piece of input
expands to, with no output bound, so a few bytes of hostile input could fill
memory. ``ZstdDecoder`` walks the frame format itself and feeds the library
one block at a time: a zstd block never expands beyond 128 KiB, which bounds
what one call returns. Skippable frames (pzstd writes one before every
frame) are passed over as they stream, never buffered.

Decoder memory is the frame's window, which its header names (up to 2 GiB
for ``zstd --long=31``, more in theory): a frame whose window is larger than
``[accel_decompress] max_decoder_memory`` is refused before libzstd
allocates it, and libzstd is given the same limit.
"""

from oslo_utils import units

from glance_accel_import.engines import base
from glance_accel_import import exception
from glance_accel_import import formats
from glance_accel_import import opts

try:
    import zstandard
except ImportError:  # the probe reports it
    zstandard = None

# Field names and values below are RFC 8878's (section 3.1.1).
MAX_BLOCK = 128 * units.Ki  # Block_Maximum_Size
_MAGIC = b'\x28\xb5\x2f\xfd'
#: Offset of the Frame_Header_Descriptor byte, just after the magic.
_DESCRIPTOR = len(_MAGIC)
#: Descriptor bits: Content_Checksum_flag, Reserved_bit,
#: Single_Segment_flag (at bit 5), Frame_Content_Size_flag (bits 6-7) and
#: Dictionary_ID_flag (bits 0-1).
_CHECKSUM_FLAG = 0x04
_RESERVED_BIT = 0x08
_SINGLE_SEGMENT_SHIFT = 5
_CONTENT_SIZE_SHIFT = 6
_DICT_ID_MASK = 0x03
_DICT_ID_BYTES = (0, 1, 2, 4)
_CONTENT_SIZE_BYTES = (0, 2, 4, 8)
#: A 2-byte Frame_Content_Size field stores the size minus 256.
_CONTENT_SIZE_2_OFFSET = 256
#: Window_Descriptor: exponent in bits 3-7 (over a window log of 10),
#: mantissa in bits 0-2 (eighths of the base).
_WINDOW_LOG_MIN = 10
_EXPONENT_SHIFT = 3
_MANTISSA_MASK = 0x07
#: The longest frame header: magic, descriptor, window, 4-byte dictionary
#: ID and 8-byte content size.
_MAX_FRAME_HEADER_BYTES = len(_MAGIC) + 1 + 1 + 4 + 8
_MIN_FRAME_HEADER_BYTES = len(_MAGIC) + 1
_BLOCK_HEADER_BYTES = 3
_CHECKSUM_BYTES = 4
#: Block_Header: Last_Block (bit 0), Block_Type (bits 1-2), Block_Size.
_LAST_BLOCK_FLAG = 0x01
_BLOCK_TYPE_SHIFT, _BLOCK_TYPE_MASK, _BLOCK_SIZE_SHIFT = 1, 0x03, 3
_RAW, _RLE, _COMPRESSED = 0, 1, 2


def _error(message):
    return zstandard.ZstdError('corrupt zstd frame: %s' % message)


def frame_header_size(head):
    """Bytes of the frame header that ``head`` starts, or None if unknown."""
    if len(head) < _MIN_FRAME_HEADER_BYTES:
        return None
    if head[:len(_MAGIC)] != _MAGIC:
        raise _error('bad magic number')
    descriptor = head[_DESCRIPTOR]
    if descriptor & _RESERVED_BIT:
        raise _error('reserved bit set in the frame header')
    single_segment = descriptor >> _SINGLE_SEGMENT_SHIFT & 1
    content_size = (_CONTENT_SIZE_BYTES[descriptor >> _CONTENT_SIZE_SHIFT]
                    or single_segment)
    return (_MIN_FRAME_HEADER_BYTES + (not single_segment)
            + _DICT_ID_BYTES[descriptor & _DICT_ID_MASK] + content_size)


#: The largest window libzstd decodes (ZSTD_WINDOWLOG_MAX on 64 bits).
MAX_WINDOW = 1 << 31  # 2 GiB


def window_size(head):
    """The window, in bytes, that the frame header ``head`` asks for.

    RFC 8878, 3.1.1.1.2: a single-segment frame's window is its content;
    otherwise the Window_Descriptor gives an exponent and a mantissa.
    """
    descriptor = head[_DESCRIPTOR]
    if descriptor >> _SINGLE_SEGMENT_SHIFT & 1:
        field = _CONTENT_SIZE_BYTES[descriptor >> _CONTENT_SIZE_SHIFT] or 1
        start = (_MIN_FRAME_HEADER_BYTES
                 + _DICT_ID_BYTES[descriptor & _DICT_ID_MASK])
        size = int.from_bytes(head[start:start + field], 'little')
        return size + _CONTENT_SIZE_2_OFFSET if field == 2 else size
    window = head[_MIN_FRAME_HEADER_BYTES]
    base_size = 1 << (_WINDOW_LOG_MIN + (window >> _EXPONENT_SHIFT))
    return base_size + base_size // 8 * (window & _MANTISSA_MASK)


def block_extent(head):
    """(bytes the block at ``head`` spans, is last) or None if unknown."""
    if len(head) < _BLOCK_HEADER_BYTES:
        return None
    header = int.from_bytes(head[:_BLOCK_HEADER_BYTES], 'little')
    kind = header >> _BLOCK_TYPE_SHIFT & _BLOCK_TYPE_MASK
    size = header >> _BLOCK_SIZE_SHIFT
    if kind not in (_RAW, _RLE, _COMPRESSED) or size > MAX_BLOCK:
        raise _error('bad block header')
    return (_BLOCK_HEADER_BYTES + (1 if kind == _RLE else size),
            bool(header & _LAST_BLOCK_FLAG))


#: Blocks a frame may hold whatever their size, and one more per this many
#: bytes of output: each block costs a pass through this module's Python, so
#: a frame of empty blocks (3 bytes each) would cost seconds per megabyte.
#: libzstd writes blocks of 128 KiB, the last one shorter; even with
#: ``--target-compressed-block-size`` (at least 1340 bytes) they stay above.
FREE_BLOCKS = 4
BYTES_PER_BLOCK = 1024

_HEADER, _BLOCK, _CHECKSUM, _SKIP = 'header', 'block', 'checksum', 'skip'
#: Enough to tell a skippable frame's header from a zstd frame's: the
#: smallest complete zstd frame is longer, so waiting for it never stalls.
_FRAME_START_BYTES = 8


class ZstdDecoder:
    """One zstd frame as a ``base.Decoder``, output bounded per call."""

    def __init__(self, max_window):
        self._max_window = max_window
        self._dobj = zstandard.ZstdDecompressor(
            max_window_size=min(max_window, MAX_WINDOW)).decompressobj()
        self._input = bytearray()
        self._output = b''
        self._stage = _HEADER
        self._checksum = False
        self._done = False
        self._blocks = 0
        self._produced = 0
        self._skip = 0
        self.unused_data = b''

    @property
    def eof(self):
        """The frame is complete and all of its output has been returned."""
        return self._done and not self._output

    def _unit_size(self):
        """Size of the next unit (header, block, checksum), once buffered."""
        head = bytes(self._input[:_MAX_FRAME_HEADER_BYTES])
        if self._stage == _HEADER:
            if len(head) < _FRAME_START_BYTES:
                return None
            size = (_FRAME_START_BYTES
                    if formats.skippable_frame_size(head) is not None
                    else frame_header_size(head))
        elif self._stage == _BLOCK:
            extent = block_extent(head)
            size = extent and extent[0]
        else:
            size = _CHECKSUM_BYTES
        return size if size and len(self._input) >= size else None

    @property
    def needs_input(self):
        if self._done or self._output:
            return False
        if self._stage == _SKIP:
            return True
        try:
            return not self._unit_size()
        except zstandard.ZstdError:
            return False  # decompress() raises it where errors are expected

    def _feed_unit(self, size):
        unit = bytes(self._input[:size])
        del self._input[:size]
        skippable = (formats.skippable_frame_size(unit)
                     if self._stage == _HEADER else None)
        if skippable is not None:
            self._skip = skippable - size
            self._stage = _SKIP
            return b''
        if self._stage == _HEADER:
            self._check_window(unit)
        elif self._stage == _BLOCK:
            self._count_block()
        out = self._dobj.decompress(unit)  # zstandard checks the checksum
        self._produced += len(out)
        if self._stage == _HEADER:
            self._checksum = bool(unit[_DESCRIPTOR] & _CHECKSUM_FLAG)
            self._stage = _BLOCK
        elif self._stage == _CHECKSUM:
            self._finish()
        elif block_extent(unit)[1]:  # the frame's last block
            self._stage = _CHECKSUM
            if not self._checksum:
                self._finish()
        return out

    def _check_window(self, header):
        window = window_size(header)
        if window > self._max_window:
            raise exception.DecoderMemoryExceeded(
                formats.ZSTD, self._max_window,
                'a %d-byte window, larger' % window)

    def _count_block(self):
        self._blocks += 1
        if self._blocks > FREE_BLOCKS + self._produced // BYTES_PER_BLOCK:
            raise exception.TooManyMembers(
                formats.ZSTD, self._blocks, self._produced, FREE_BLOCKS,
                BYTES_PER_BLOCK, 'blocks in one frame')

    def _finish(self):
        if not self._dobj.eof:
            raise _error('frame did not end where its last block did')
        self._end()

    def _end(self):
        self._done = True
        self.unused_data = bytes(self._input)
        self._input.clear()

    def _pass_skippable(self):
        """Drop what input belongs to a skippable frame; True once past it.
        """
        step = min(self._skip, len(self._input))
        del self._input[:step]
        self._skip -= step
        if self._skip:
            return False
        self._end()
        return True

    def decompress(self, data, max_length):
        self._input += data
        out = [self._output]
        produced = len(self._output)
        while produced < max_length and not self._done:
            if self._stage == _SKIP:
                if not self._pass_skippable():
                    break
                continue
            size = self._unit_size()
            if size is None:
                break
            piece = self._feed_unit(size)
            out.append(piece)
            produced += len(piece)
        joined = b''.join(out)
        self._output = joined[max_length:]
        return joined[:max_length]


class ZstdEngine(base.CodecEngine):
    name = 'zstd'
    speed_rank = 50
    reads = frozenset({formats.ZSTD})
    writes = frozenset({formats.ZSTD})
    decode_errors = (zstandard.ZstdError,) if zstandard else ()

    def probe(self):
        if zstandard is None:
            return base.missing_package('zstandard')
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
        return ZstdDecoder(opts.max_decoder_memory())
