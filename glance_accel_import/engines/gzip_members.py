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

"""Independent gzip members that carry their own sizes (QATzip's gzipext).

Layout of one member, the one QATzip writes with ``qzip -O gzipext``
(``QzGzH_T`` in its ``qatzip_internal.h``, checked by ``qzGzipHeaderExt``),
all integers little-endian::

    1f 8b 08 04 | MTIME=0 (4) | XFL=0 | OS=255      standard header, FEXTRA
    XLEN=12 (2) | 'Q' 'Z' | LEN=8 (2)               one extra subfield, QZ
    plain size (4) | deflate size (4)               the QZ payload
    raw deflate, exactly "deflate size" bytes
    CRC-32 (4) | plain size mod 2**32 (4)           standard trailer

Every gzip reader skips the extra field and reads concatenated members (RFC
1952), so the output stays standard; a reader that knows the layout finds
every member without inflating anything, and inflates them in parallel.
The sizes are claims: a reader checks them against the deflate data, the
CRC-32 and the trailer, and trusts nothing else.

A zero run is a member whose deflate data is the canonical one built here
from ``parallel_gzip.zero_deflate``: a reader that sees exactly those bytes
knows the plain data without inflating it.
"""

import functools
import struct

from glance_accel_import.engines import parallel_gzip

#: Header bytes before the plain and deflate sizes: FLG=FEXTRA, OS=255.
PREFIX = b'\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff\x0c\x00QZ\x08\x00'
HEADER_SIZE = len(PREFIX) + 8
TRAILER_SIZE = 8
#: The fields a reader checks to recognise the layout: magic, method,
#: flags, then XLEN, subfield id and subfield length (MTIME, XFL, OS free).
_CHECKED = ((0, 4), (10, 16))
#: Longest zero run in one member: a reader that does not know the layout
#: inflates it on one core, about a quarter of a second.
ZERO_MEMBER_MAX = 256 * 1024 * 1024
_SIZE_LIMIT = 1 << 32


def header(plain_size, deflate_size):
    """The header of a member; both sizes must fit in 32 bits."""
    return PREFIX + struct.pack('<II', plain_size, deflate_size)


def trailer(crc, plain_size):
    return struct.pack('<II', crc, plain_size % _SIZE_LIMIT)


def parse_header(head):
    """(plain size, deflate size) if ``head`` starts a sized member, or None.
    """
    if len(head) < HEADER_SIZE:
        return None
    for start, end in _CHECKED:
        if head[start:end] != PREFIX[start:end]:
            return None
    return struct.unpack_from('<II', head, len(PREFIX))


def member(body, crc, plain_size):
    """A whole member around the raw deflate ``body``."""
    return b''.join((header(plain_size, len(body)), body,
                     trailer(crc, plain_size)))


def zero_body(count):
    """The canonical raw deflate of ``count`` zero bytes, final block too."""
    units, rest = divmod(count, parallel_gzip.ZERO_UNIT)
    parts = [parallel_gzip.zero_deflate(parallel_gzip.ZERO_UNIT) * units]
    if rest:
        parts.append(parallel_gzip.zero_deflate(rest))
    parts.append(parallel_gzip.FINAL_BLOCK)
    return b''.join(parts)


@functools.lru_cache(maxsize=8)
def zero_member(count):
    """A whole member holding ``count`` zero bytes (at most the maximum)."""
    return member(zero_body(count), parallel_gzip.zero_crc32(count), count)


def zero_members(count):
    """Members holding a run of ``count`` zeros: a memory copy per run."""
    while count > 0:
        step = min(count, ZERO_MEMBER_MAX)
        yield zero_member(step)
        count -= step


def is_zero_body(body, count):
    """True if ``body`` is exactly the canonical deflate of ``count`` zeros.

    Costs a comparison of ``body``; builds nothing unless the length
    already matches, so a forged size costs no more than its body.
    """
    units, rest = divmod(count, parallel_gzip.ZERO_UNIT)
    unit = parallel_gzip.zero_deflate(parallel_gzip.ZERO_UNIT)
    tail = parallel_gzip.zero_deflate(rest) if rest else b''
    if len(body) != units * len(unit) + len(tail) + 2:
        return False
    return body == unit * units + tail + parallel_gzip.FINAL_BLOCK
