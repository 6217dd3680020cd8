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

"""Read-ahead on threads gives what reading on the caller's thread gives.

Same bytes, same zero runs, same digests, holes still unread, memory still
bounded, a shrinking file still ends where it ends.
"""

import hashlib
import os

import fixtures
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import testtools

from glance_accel_import import digests
from glance_accel_import import readahead
from glance_accel_import import streams
from glance_accel_import import zeros
from tests.unit import data

KiB = 1024
MiB = 1024 * KiB
BLOCK = readahead.BLOCK_SIZE

# A file as parts: ('data', n) real bytes, ('zeros', n) written zeros,
# ('hole', n) never written.
PARTS = st.lists(st.tuples(st.sampled_from(['data', 'zeros', 'hole']),
                           st.integers(1, BLOCK + 3 * 64 * KiB + 5)),
                 max_size=5)


def _plain(pieces):
    return b''.join(bytes(p.length) if isinstance(p, zeros.ZeroRun)
                    else bytes(p) for p in pieces)


class ReadAheadTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir())
        self.real = data.real_bytes(3 * BLOCK)

    def write(self, parts, name='f.raw'):
        path = self.tmp.join(name)
        pos = 0
        with open(path, 'wb') as f:
            for kind, size in parts:
                if kind == 'data':
                    f.write(self.real[pos % BLOCK:pos % BLOCK + size])
                elif kind == 'zeros':
                    f.write(bytes(size))
                else:
                    f.seek(size, os.SEEK_CUR)
                pos += size
            f.truncate(pos)
        return path

    def pieces(self, path, threads, digest=None, size=MiB, skip=0):
        with open(path, 'rb') as f:
            reader = streams.Reader(f, digest=digest, threads=threads)
            head = reader.read(skip) if skip else b''
            got = list(reader.pieces(size))
            return head, got, reader.hexdigest(), f.tell()

    @settings(max_examples=30, deadline=None)
    @given(PARTS, st.sampled_from([64 * KiB, MiB, BLOCK]))
    def test_same_pieces_and_digests_as_one_thread(self, parts, size):
        path = self.write(parts)
        plain = open(path, 'rb').read()
        for kind in (digests.BLOCK_SHA256, digests.SHA256):
            _, serial, serial_digest, serial_end = self.pieces(path, 0, kind,
                                                               size)
            _, ahead, ahead_digest, ahead_end = self.pieces(path, 2, kind,
                                                            size)
            self.assertEqual(plain, _plain(ahead))
            self.assertEqual(serial_digest, ahead_digest)
            self.assertEqual(serial_end, ahead_end)
            self.assertTrue(all(len(p) <= size for p in ahead
                                if not isinstance(p, zeros.ZeroRun)))
            # Zero runs are merged, so no two follow each other.
            kinds = [isinstance(p, zeros.ZeroRun) for p in ahead]
            self.assertNotIn((True, True), list(zip(kinds, kinds[1:])))
            self.assertEqual(sum(kinds), sum(
                isinstance(p, zeros.ZeroRun) for p in serial))
        self.assertEqual(data.block_sha256(plain), streams.digest_file(
            path, digests.BLOCK_SHA256, threads=2))

    def test_blocks_hash_only_from_a_block_boundary(self):
        # Bytes read before pieces were hashed one by one: the blocks the
        # threads would hash no longer line up, so they hash nothing.
        path = self.write([('data', 3 * MiB), ('zeros', 2 * BLOCK),
                           ('data', MiB)])
        plain = open(path, 'rb').read()
        head, pieces, digest, _ = self.pieces(path, 2, digests.BLOCK_SHA256,
                                              skip=12345)
        self.assertEqual(plain, head + _plain(pieces))
        self.assertEqual(data.block_sha256(plain), digest)

    def test_holes_are_not_read(self):
        path = self.write([('hole', 100 * MiB), ('data', MiB),
                           ('hole', 50 * MiB + 3)])
        reads = []
        real_pread = os.pread
        self.useFixture(fixtures.MonkeyPatch(
            'os.pread', lambda fd, n, pos: reads.append(n) or real_pread(
                fd, n, pos)))
        _, pieces, digest, _ = self.pieces(path, 2, digests.BLOCK_SHA256)
        self.assertLessEqual(sum(reads), 2 * MiB)
        self.assertEqual(151 * MiB + 3, sum(len(p) for p in pieces))
        self.assertEqual(data.block_sha256_of_file(path), digest)

    def test_blocks_in_flight_are_bounded(self):
        path = self.write([('data', BLOCK)] * 12)
        running = []
        real_read_block = readahead.read_block

        def counting(*args):
            running.append(args[1])
            return real_read_block(*args)

        self.useFixture(fixtures.MonkeyPatch(
            'glance_accel_import.readahead.read_block', counting))
        fd = os.open(path, os.O_RDONLY)
        self.addCleanup(os.close, fd)
        blocks = readahead.blocks(fd, 0, threads=2, depth=3)
        next(blocks)
        # One block handed out, at most three more submitted.
        self.assertLessEqual(len(running), 4)
        self.assertEqual(12 * BLOCK, BLOCK + sum(b.length for b in blocks))
        blocks.close()

    def test_a_file_that_shrinks_ends_where_it_ends(self):
        path = self.write([('data', 6 * BLOCK)])
        fd = os.open(path, os.O_RDONLY)
        self.addCleanup(os.close, fd)
        blocks = readahead.blocks(fd, 0, threads=1, depth=1)
        first = next(blocks)
        os.truncate(path, BLOCK + 1000)
        rest = list(blocks)
        self.assertEqual(BLOCK + 1000, first.length + sum(
            b.length for b in rest))
        self.assertTrue(rest[-1].last)

    def test_block_digests_are_those_of_the_blocks(self):
        path = self.write([('data', BLOCK + 5), ('zeros', BLOCK - 5),
                           ('hole', BLOCK), ('data', 7)])
        plain = open(path, 'rb').read()
        fd = os.open(path, os.O_RDONLY)
        self.addCleanup(os.close, fd)
        got = [b.digest for b in readahead.blocks(fd, 0, 2, hashed=True)]
        want = [hashlib.sha256(plain[i:i + BLOCK]).digest()
                for i in range(0, len(plain), BLOCK)]
        self.assertEqual(want, got)


class DepthTest(testtools.TestCase):

    def test_memory_in_flight_does_not_grow_with_the_cores(self):
        tmp = self.useFixture(fixtures.TempDir())
        path = tmp.join('f.raw')
        with open(path, 'wb') as f:
            f.write(data.real_bytes(BLOCK) * 40)
        submitted = []
        real_read_block = readahead.read_block
        self.useFixture(fixtures.MonkeyPatch(
            'glance_accel_import.readahead.read_block',
            lambda *args: submitted.append(args[1]) or real_read_block(
                *args)))
        fd = os.open(path, os.O_RDONLY)
        self.addCleanup(os.close, fd)
        blocks = readahead.blocks(fd, 0, threads=128)
        next(blocks)
        self.assertLessEqual(len(submitted), readahead.MAX_DEPTH + 1)
        blocks.close()
