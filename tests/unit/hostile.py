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

"""Hostile payloads, built small and fast in the test that uses them.

Each is a valid stream that real tools decode (given enough memory or
patience); what makes it hostile is the work or memory it asks of us. A
decoder's memory need comes from the header alone, so a few KiB of data
declaring a huge dictionary or window is enough: nothing large is ever
allocated to build one.
"""

import gzip
import lzma
import zlib

import zstandard

MiB = 1024 * 1024
GiB = 1024 * MiB

_XZ_BLOCK_HEADER = 12  # right after the 12-byte stream header
#: A 12-byte block header of one LZMA2 filter, no sizes: size, flags, filter
#: id 0x21, 1 property byte (the dictionary size), padding; then its CRC32.
_LZMA2_1MIB_HEADER = bytes.fromhex('0200210110000000')
_DICT_BYTE = _XZ_BLOCK_HEADER + 4


def _lzma2_dict_byte(size):
    """The LZMA2 property byte for a dictionary of ``size`` (2 or 3 << n).
    """
    for value in range(40):
        if (2 | value & 1) << (value // 2 + 11) == size:
            return value
    raise ValueError('LZMA2 cannot encode a %d-byte dictionary' % size)


def xz_declaring(plain, dict_size):
    """A valid xz stream of ``plain`` whose header declares ``dict_size``.

    Compressed with a 1 MiB dictionary, then the block header's dictionary
    byte and CRC32 rewritten: a larger dictionary decodes the same data, as
    ``xz -dc`` confirms, but liblzma allocates what the header says.
    """
    packed = bytearray(lzma.compress(plain, format=lzma.FORMAT_XZ, filters=[
        {'id': lzma.FILTER_LZMA2, 'dict_size': MiB}]))
    header = slice(_XZ_BLOCK_HEADER, _XZ_BLOCK_HEADER + 8)
    assert packed[header] == _LZMA2_1MIB_HEADER, packed[:24].hex()
    packed[_DICT_BYTE] = _lzma2_dict_byte(dict_size)
    crc = slice(header.stop, header.stop + 4)
    packed[crc] = zlib.crc32(packed[header]).to_bytes(4, 'little')
    return bytes(packed)


def zstd_declaring(plain, window_log):
    """A valid zstd frame of ``plain`` declaring a ``2**window_log`` window.

    The header ``zstd --long=31`` writes when it streams from a pipe has
    window descriptor 0xa8 (2 GiB); this builds the same with a window
    small enough to compress with, then raises the descriptor: a larger
    window decodes the same data.
    """
    writer = zstandard.ZstdCompressor(level=1, write_checksum=True,
                                      write_content_size=False).compressobj()
    frame = bytearray(writer.compress(plain) + writer.flush())
    assert frame[4] == 0x04, frame[:6].hex()  # checksum, window descriptor
    frame[5] = (window_log - 10) << 3
    return bytes(frame)


def empty_gzip_members(count):
    """``count`` empty gzip members, 20 bytes each."""
    return gzip.compress(b'', mtime=0) * count


def skippable_frames(count):
    """An empty zstd frame, ``count`` empty skippable frames, another.

    Each skippable frame takes 8 bytes. Detection looks through only a few
    leading skippable frames, so they come after a real frame, where the
    decoder meets them.
    """
    frame = zstandard.ZstdCompressor().compress(b'')
    return frame + b'\x50\x2a\x4d\x18\x00\x00\x00\x00' * count + frame


def empty_zstd_blocks(count):
    """One zstd frame of ``count`` empty raw blocks (3 bytes each), then an
    empty last block: valid, and libzstd decodes it to nothing.
    """
    # Magic, a descriptor without content size or checksum, a 1 KiB window.
    return (b'\x28\xb5\x2f\xfd\x00\x00' + b'\x00\x00\x00' * count
            + b'\x01\x00\x00')
