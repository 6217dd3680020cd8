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

"""cinder_accelerator.decompress_to_file: bounds, sparseness, clean-up."""

import gzip
import logging
import os
from unittest import mock

import fixtures
import testtools
import zstandard

from glance_accel_import import cinder_accelerator as accel
from glance_accel_import.engines import manager
from glance_accel_import.engines import parallel_inflate
from glance_accel_import import exception
from tests.unit import data
from tests.unit.engines import test_gzip_members
from tests.unit.engines import test_parallel_inflate

MiB = 1024 * 1024


class TestDecompressToFile(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.dest = os.path.join(self.tmp, 'dest')
        # Real data, a large zero run (a hole to be), more real data.
        self.plain = (data.real_bytes(2 * MiB) + bytes(16 * MiB) +
                      data.real_bytes(MiB))

    def chunks(self, payload, size=65536):
        return lambda: iter([payload[i:i + size]
                             for i in range(0, len(payload), size)])

    def read_dest(self):
        with open(self.dest, 'rb') as f:
            return f.read()

    def test_gzip_chunks_sparse(self):
        result = accel.decompress_to_file(
            self.chunks(gzip.compress(self.plain)), self.dest)
        self.assertEqual(self.plain, self.read_dest())
        self.assertEqual(len(self.plain), result.bytes_out)
        allocated = os.stat(self.dest).st_blocks * 512
        self.assertLess(allocated, 4 * MiB)

    def test_multi_member_from_file(self):
        path = os.path.join(self.tmp, 'src')
        with open(path, 'wb') as f:
            f.write(data.multi_member_gzip(self.plain, members=5))
        accel.decompress_to_file(lambda: open(path, 'rb'), self.dest)
        self.assertEqual(self.plain, self.read_dest())
        self.assertTrue(os.path.exists(path))

    def parallel_log(self):
        """parallel_inflate's DEBUG lines, as an operator's log has them."""
        log = self.useFixture(fixtures.FakeLogger(
            name=parallel_inflate.__name__, level=logging.DEBUG))
        return lambda: [line for line in log.output.splitlines()
                        if line.startswith('gzip: ')]

    def test_our_gzip_decoded_in_parallel(self):
        # Sized members, as accel_compress writes them (default size):
        # every one decoded on the worker threads, none by the serial pump.
        payload = test_gzip_members.compress(
            manager.load_engines()['stdlib'], self.plain)
        members = len(test_parallel_inflate.boundaries(payload))
        self.assertGreater(members, 2)
        lines = self.parallel_log()
        accel.decompress_to_file(self.chunks(payload), self.dest)
        self.assertEqual(self.plain, self.read_dest())
        self.assertEqual(1, len(lines()), lines())
        self.assertRegex(lines()[0], r'^gzip: %d members decoded in parallel '
                         r'.*, nothing left for the serial decoder$'
                         % members)

    def test_ordinary_gzip_decoded_serially(self):
        lines = self.parallel_log()
        accel.decompress_to_file(self.chunks(gzip.compress(self.plain)),
                                 self.dest)
        self.assertEqual(self.plain, self.read_dest())
        self.assertEqual(1, len(lines()), lines())
        self.assertRegex(lines()[0], r'^gzip: 0 members decoded in parallel '
                         r'.*, the rest by the serial decoder$')

    def test_zstd(self):
        payload = zstandard.ZstdCompressor().compress(self.plain)
        accel.decompress_to_file(self.chunks(payload, 1000), self.dest)
        self.assertEqual(self.plain, self.read_dest())

    def test_volume_limit(self):
        self.assertEqual(2 * accel.GiB, accel.volume_limit(2, 'raw'))
        self.assertGreater(accel.volume_limit(2, 'qcow2'), 2 * accel.GiB)
        self.assertIsNone(accel.volume_limit(None, 'raw'))

    def test_larger_than_volume(self):
        exc = self.assertRaises(
            accel.TooBig, accel.decompress_to_file,
            self.chunks(gzip.compress(self.plain)), self.dest,
            max_size=len(self.plain) - 1)
        self.assertIn('larger than the volume', str(exc))
        self.assertFalse(os.path.exists(self.dest))

    def test_conversion_dir_would_fill(self):
        # The directory has 1 MiB beyond the reserve: the zeros cost
        # nothing, but 3 MiB of data cannot fit.
        with mock.patch.object(accel, '_free_bytes',
                               return_value=accel.RESERVE + MiB):
            exc = self.assertRaises(
                accel.TooBig, accel.decompress_to_file,
                self.chunks(gzip.compress(self.plain)), self.dest)
        self.assertIn('would fill the image conversion directory', str(exc))
        self.assertFalse(os.path.exists(self.dest))

    def test_zeros_do_not_count_against_the_directory(self):
        with mock.patch.object(accel, '_free_bytes',
                               return_value=accel.RESERVE + 4 * MiB):
            accel.decompress_to_file(
                self.chunks(gzip.compress(self.plain)), self.dest)
        self.assertEqual(self.plain, self.read_dest())

    def test_corrupt(self):
        payload = gzip.compress(self.plain)[:-50]
        self.assertRaises(exception.CorruptCompressedData,
                          accel.decompress_to_file, self.chunks(payload),
                          self.dest)
        self.assertFalse(os.path.exists(self.dest))

    def test_not_compressed(self):
        exc = self.assertRaises(accel.Error, accel.decompress_to_file,
                                self.chunks(b'plain' * 100), self.dest)
        self.assertIn('not compressed data of any known format', str(exc))

    def test_source_closed_after_each_attempt(self):
        closed = []

        class Chunks:
            def __init__(self, payload):
                self._it = iter([payload])

            def __iter__(self):
                return self._it

            def close(self):
                closed.append(True)

        payload = gzip.compress(self.plain)
        accel.decompress_to_file(lambda: Chunks(payload), self.dest)
        # One for format detection, one for the decompression.
        self.assertEqual(2, len(closed))
