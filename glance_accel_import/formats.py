"""Recognise a compressed payload by its leading bytes, never by its name."""

import dataclasses

GZIP = 'gzip'
ZSTD = 'zstd'
BZIP2 = 'bzip2'
XZ = 'xz'
ZIP = 'zip'
LZ4 = 'lz4'


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

HEADER_BYTES = max(len(m.prefix) for m in _MAGICS)


def _is_bzip2(head):
    # 'BZh' + block size digit + a block magic (pi) or, for an empty
    # stream, the end-of-stream magic (sqrt(pi)).
    return (len(head) >= 10 and head[:3] == b'BZh'
            and head[3:4] in b'123456789'
            and head[4:10] in (b'1AY&SY', b'\x17rE8P\x90'))


def detect_compression(head):
    """Return the compression format that ``head`` starts with, or None."""
    for magic in _MAGICS:
        if head.startswith(magic.prefix):
            return magic.fmt
    if _is_bzip2(head):
        return BZIP2
    return None


def detect_file_compression(path):
    """Return the compression format of the file at ``path``, or None."""
    with open(path, 'rb') as f:
        return detect_compression(f.read(16))


def starts_member(fmt, data):
    """True if ``data`` begins another member or frame of format ``fmt``."""
    return detect_compression(data[:16]) == fmt


_GZIP_FHCRC = 0x02
_GZIP_RESERVED = 0xE0


def header_error(fmt, head):
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
