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

"""Recognise a compressed payload by its leading bytes, never by its name."""

from collections.abc import Callable
import dataclasses
import os

GZIP = 'gzip'
ZSTD = 'zstd'
BZIP2 = 'bzip2'
XZ = 'xz'
ZIP = 'zip'
LZ4 = 'lz4'

#: zlib's wbits for a gzip stream: 16 (gzip wrapper, whose CRC32 and length
#: zlib checks) + 15 (a 32 KiB window). Every gzip decoder here uses it.
GZIP_WBITS = 16 + 15


@dataclasses.dataclass(frozen=True)
class _Magic:
    fmt: str
    prefix: bytes


# The gzip magic includes the method byte (8 = deflate), the only one defined.
_MAGICS = (
    _Magic(GZIP, b'\x1f\x8b\x08'),
    _Magic(ZSTD, b'\x28\xb5\x2f\xfd'),
    _Magic(XZ, b'\xfd7zXZ\x00'),
    _Magic(LZ4, b'\x04\x22\x4d\x18'),
    _Magic(ZIP, b'PK\x03\x04'),
)

#: Bytes that decide whether a member starts: the longest magic, a
#: bzip2 header (10) and a skippable frame's header (8).
HEADER_BYTES = max([len(m.prefix) for m in _MAGICS] + [10, 8])
#: Bytes read to recognise a magic: every magic and header above fits.
_DETECT_BYTES = 16


def _is_bzip2(head: bytes) -> bool:
    # 'BZh' + block size digit + a block magic (pi) or, for an empty
    # stream, the end-of-stream magic (sqrt(pi)).
    return (len(head) >= 10 and head[:3] == b'BZh'
            and head[3:4] in b'123456789'
            and head[4:10] in (b'1AY&SY', b'\x17rE8P\x90'))


# Skippable frames (RFC 8878, and the LZ4 frame format) carry metadata that
# decoders skip: magic 0x184D2A50 to 0x184D2A5F, then a 32-bit size. pzstd
# writes one before every frame.
_SKIPPABLE_MAGIC_TAIL = b'\x2a\x4d\x18'
#: The magic's lowest byte is 0x50 to 0x5F: its high nibble is fixed.
_SKIPPABLE_MAGIC_HIGH_MASK = 0xF0
_SKIPPABLE_MAGIC_HIGH = 0x50
_SKIPPABLE_HEADER_BYTES = 8
#: Formats whose streams may contain skippable frames.
_WITH_SKIPPABLE = (ZSTD, LZ4)
#: Leading skippable frames looked through when detecting; any more and the
#: payload is not recognised.
_MAX_LEADING_SKIPPABLE = 16


def skippable_frame_size(head: bytes) -> int | None:
    """Bytes of the skippable frame ``head`` starts with, or None."""
    if (len(head) >= _SKIPPABLE_HEADER_BYTES
            and head[0] & _SKIPPABLE_MAGIC_HIGH_MASK == _SKIPPABLE_MAGIC_HIGH
            and head[1:4] == _SKIPPABLE_MAGIC_TAIL):
        return _SKIPPABLE_HEADER_BYTES + int.from_bytes(head[4:8], 'little')
    return None


def _detect_magic(head: bytes) -> str | None:
    for magic in _MAGICS:
        if head.startswith(magic.prefix):
            return magic.fmt
    if _is_bzip2(head):
        return BZIP2
    return None


def _detect_in(read_at: Callable[[int, int], bytes]) -> str | None:
    """The format of what ``read_at(offset, size)`` reads, or None."""
    offset = 0
    for _ in range(_MAX_LEADING_SKIPPABLE + 1):
        head = read_at(offset, _DETECT_BYTES)
        skip = skippable_frame_size(head)
        if skip is None:
            fmt = _detect_magic(head)
            return fmt if offset == 0 or fmt in _WITH_SKIPPABLE else None
        offset += skip
    return None


def detect_compression(head: bytes) -> str | None:
    """Return the compression format that ``head`` starts with, or None.

    Leading skippable frames are looked through as far as ``head`` reaches;
    what follows them must be zstd or lz4.
    """
    return _detect_in(lambda offset, size: head[offset:offset + size])


def detect_file_compression(path: str) -> str | None:
    """Return the compression format of the file at ``path``, or None."""
    with open(path, 'rb') as f:
        fd = f.fileno()
        return _detect_in(lambda offset, size: os.pread(fd, size, offset))


def starts_member(fmt: str, data: bytes) -> bool:
    """True if ``data`` begins another member or frame of format ``fmt``."""
    if fmt in _WITH_SKIPPABLE and skippable_frame_size(data) is not None:
        return True
    return _detect_magic(data[:_DETECT_BYTES]) == fmt


_GZIP_FHCRC = 0x02
_GZIP_RESERVED = 0xE0


def header_error(fmt: str, head: bytes) -> str | None:
    """Why ``head`` cannot begin a member of ``fmt`` we accept, or None.

    Decoders differ on what they tolerate, so the header bits they disagree
    on are judged here, once, for every engine: ISA-L ignores gzip's
    reserved flag bits that zlib refuses, and verifies the optional header
    CRC (FHCRC) differently depending on how the input is split. No common
    gzip writer (gzip, pigz, igzip, QATzip, Python) sets FHCRC, so members
    that carry one are refused rather than judged two ways.
    """
    if fmt != GZIP or len(head) < 4:
        return None
    if head[3] & _GZIP_RESERVED:
        return 'reserved gzip header flags are set'
    if head[3] & _GZIP_FHCRC:
        return 'gzip header CRC (FHCRC) is not accepted'
    return None
