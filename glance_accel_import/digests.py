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

"""Digests of the plain (uncompressed) data, computed as it streams.

Two kinds, both SHA-256 based, both fed bytes and zero runs:

``block_sha256`` (the default)
    SHA-256 over the SHA-256 digests of each 4 MiB block of the data, in
    order, the last block possibly shorter: the construction Dropbox
    publishes as its content hash. A whole zero block always has the same
    digest, so holes and zero runs cost nothing to hash and the cost of the
    digest follows the data, like the rest of compression. To check a
    downloaded image::

        gzip -dc image.gz | glance-accel-import digest /dev/stdin

    or, with coreutils alone::

        gzip -dc image.gz | split -b 4M --filter='sha256sum |
            head -c 64 | tr a-f A-F | basenc --base16 -d' | sha256sum

``sha256``
    The SHA-256 of every byte, what ``sha256sum`` prints. SHA-256 has no
    shortcut for zeros, so this hashes every zero of a sparse volume (about
    1.7 GB/s on one core with SHA extensions): the one cost that would
    otherwise grow with the size of the volume instead of its data.
"""

import hashlib
import typing

from oslo_utils import units

from glance_accel_import import zeros

#: What ``update`` accepts.
Buffer = typing.Union[bytes, bytearray, memoryview]

BLOCK_SHA256 = 'block_sha256'
SHA256 = 'sha256'
NONE = 'none'
KINDS = (BLOCK_SHA256, SHA256, NONE)

#: Block size of ``block_sha256`` (not ``zeros.ZERO_BLOCK_SIZE``).
DIGEST_BLOCK_SIZE = 4 * units.Mi
_ZERO_BLOCK_DIGEST = hashlib.sha256(bytes(DIGEST_BLOCK_SIZE)).digest()
#: Whole zero blocks are fed to the outer hash this many digests at a time.
_ZERO_BATCH = 4096


class Sha256:
    """The SHA-256 of every byte."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def update(self, data: Buffer) -> None:
        self._hash.update(data)

    def update_zeros(self, count: int) -> None:
        for run in zeros.zero_chunks(count):
            self._hash.update(run)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class BlockSha256:
    """SHA-256 of the SHA-256 of each ``DIGEST_BLOCK_SIZE`` of the data."""

    def __init__(self) -> None:
        self._outer = hashlib.sha256()
        self._block = hashlib.sha256()
        self._filled = 0

    def _end_block(self) -> None:
        self._outer.update(self._block.digest())
        self._block = hashlib.sha256()
        self._filled = 0

    def update(self, data: Buffer) -> None:
        view = memoryview(data)
        while view:
            step = min(len(view), DIGEST_BLOCK_SIZE - self._filled)
            self._block.update(view[:step])
            self._filled += step
            view = view[step:]
            if self._filled == DIGEST_BLOCK_SIZE:
                self._end_block()

    def update_block(self, block_digest: bytes) -> None:
        """Add the digest of one whole block (see ``block_digest``).

        Only at a block boundary: the block was hashed elsewhere, on
        another thread, and only the last block may be short.
        """
        if self._filled:
            raise ValueError('update_block inside a block')
        self._outer.update(block_digest)

    def update_zeros(self, count: int) -> None:
        # Real zeros only up to the next block boundary and after the last
        # one; every whole block in between is one known digest.
        if self._filled:
            head = min(count, DIGEST_BLOCK_SIZE - self._filled)
            for run in zeros.zero_chunks(head):
                self.update(run)
            count -= head
        whole, tail = divmod(count, DIGEST_BLOCK_SIZE)
        while whole:
            batch = min(whole, _ZERO_BATCH)
            self._outer.update(_ZERO_BLOCK_DIGEST * batch)
            whole -= batch
        for run in zeros.zero_chunks(tail):
            self.update(run)

    def hexdigest(self) -> str:
        outer = self._outer.copy()
        if self._filled:
            outer.update(self._block.digest())
        return outer.hexdigest()


def block_digest(pieces: typing.Iterable[typing.Any]) -> bytes:
    """The SHA-256 of one block of ``block_sha256`` given as pieces.

    ``pieces`` are data and ``zeros.ZeroRun``s adding up to at most
    ``DIGEST_BLOCK_SIZE`` bytes; a whole block of zeros (holes and zero
    blocks, as many runs as they come) costs nothing.
    """
    pieces = list(pieces)
    if (all(isinstance(piece, zeros.ZeroRun) for piece in pieces)
            and sum(len(piece) for piece in pieces) == DIGEST_BLOCK_SIZE):
        return _ZERO_BLOCK_DIGEST
    block = hashlib.sha256()
    for piece in pieces:
        if isinstance(piece, zeros.ZeroRun):
            for run in piece.chunks():
                block.update(run)
        else:
            block.update(piece)
    return block.digest()


class NoDigest:
    """What ``none`` computes: nothing, at no cost."""

    def update(self, data: Buffer) -> None:
        pass

    def update_zeros(self, count: int) -> None:
        pass

    def hexdigest(self) -> str:
        return ''


#: One of the digests below.
Digest = typing.Union['Sha256', 'BlockSha256', 'NoDigest']
_KIND_CLASSES: dict[str, type[Digest]] = {
    BLOCK_SHA256: BlockSha256, SHA256: Sha256, NONE: NoDigest}


def wanted(kind: str | None) -> bool:
    """True if ``kind`` names a digest to compute (not None or ``none``)."""
    return kind not in (None, NONE)


def new(kind: str | None) -> Digest:
    """A fresh digest of ``kind``; ``none`` or None give a ``NoDigest``."""
    try:
        return _KIND_CLASSES[kind or NONE]()
    except KeyError:
        raise ValueError('unknown digest %r; expected one of %s'
                         % (kind, ', '.join(KINDS))) from None
