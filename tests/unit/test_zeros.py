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

"""Zero-aware streaming: holes skipped, zeros encoded, sparse output.

Every case checks the bytes with the real ``gzip`` (or ``zstd``) command, so
skipping zeros can never change what a standard tool reads back.
"""

import hashlib
import io
import os
import subprocess
import zlib

import fixtures
from oslo_config import cfg
from oslo_config import fixture as config_fixture
import testtools

from glance_accel_import.engines import manager
from glance_accel_import.engines import parallel_gzip
from glance_accel_import import exception
from glance_accel_import import formats
from glance_accel_import import opts
from glance_accel_import import streams
from glance_accel_import import zeros
from tests.unit import data

MiB = 1024 * 1024
ENGINES = manager.load_engines()


def allocated(path):
    return os.stat(path).st_blocks * 512


class ZeroSplitTest(testtools.TestCase):

    def test_pieces_are_aligned_to_the_file_offset(self):
        block = zeros.ZERO_BLOCK_SIZE
        payload = bytes(block - 101) + b'x' + bytes(3 * block)
        pieces = list(zeros.split(payload, offset=100))
        # The first block holds the 'x': data; the three after are zeros.
        self.assertEqual([payload[:block - 100], zeros.ZeroRun(3 * block)],
                         pieces)
        self.assertEqual([zeros.ZeroRun(len(payload))], list(zeros.split(
            bytes(len(payload)), offset=7)))

    def test_a_zero_run_is_not_an_int(self):
        # A count of zeros is never mistaken for data or a plain number.
        run = zeros.ZeroRun(5)
        self.assertNotIsInstance(run, int)
        self.assertEqual(5, len(run))
        self.assertEqual(bytes(5), b''.join(run.chunks()))

    def test_no_zeros_is_one_piece(self):
        payload = data.real_bytes(3 * zeros.ZERO_BLOCK_SIZE + 5)
        self.assertEqual([payload], list(zeros.split(payload)))
        self.assertIs(payload, next(zeros.split(payload)))

    def test_data_pieces_are_views_not_copies(self):
        # The main thread of compression splits every byte of a volume: a
        # copy per piece was most of its time.
        block = zeros.ZERO_BLOCK_SIZE
        payload = b'a' * block + bytes(block) + b'b' * 10
        pieces = list(zeros.split(payload))
        self.assertEqual([b'a' * block, zeros.ZeroRun(block), b'b' * 10],
                         [p if isinstance(p, zeros.ZeroRun) else bytes(p)
                          for p in pieces])
        for piece in (pieces[0], pieces[2]):
            self.assertIsInstance(piece, memoryview)
            self.assertIs(payload, piece.obj)

    def test_short_and_odd_blocks(self):
        # Blocks cut by the offset or the end are compared in place too.
        for size in (1, 7, zeros.ZERO_BLOCK_SIZE - 1):
            self.assertEqual([zeros.ZeroRun(size)],
                             list(zeros.split(bytes(size), offset=3)))
            payload = bytes(size - 1) + b'z'
            self.assertEqual([payload], [bytes(p) for p in
                                         zeros.split(payload)])
        self.assertEqual([b'\0x'], [bytes(p) for p in zeros.split(
            bytearray(b'\0x'))])
        self.assertEqual([zeros.ZeroRun(4)], list(zeros.split(
            memoryview(bytes(4)))))


class Crc32Test(testtools.TestCase):

    def test_pure_python_combination_matches_zlib(self):
        a, b = data.real_bytes(5000), b'more data' * 77
        self.assertEqual(zlib.crc32(a + b), parallel_gzip._crc32_combine_py(
            zlib.crc32(a), zlib.crc32(b), len(b)))

    def test_zero_runs(self):
        for count in (1, 4095, parallel_gzip.ZERO_UNIT * 3 + 17):
            self.assertEqual(zlib.crc32(bytes(count)),
                             parallel_gzip.zero_crc32(count))


class ZeroAwareFileTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir())
        self.real = data.real_bytes(3 * MiB)

    def sparse_file(self, size):
        """``size`` bytes, mostly hole, real data at three places."""
        path = self.tmp.join('sparse.raw')
        with open(path, 'wb') as f:
            f.truncate(size)
            for offset in (0, size // 2 + 12345, size - MiB):
                f.seek(offset)
                f.write(self.real[offset % MiB:offset % MiB + MiB])
        return path

    def compress(self, engine, fmt, path):
        out_path = path + '.' + fmt
        with open(out_path, 'wb') as out:
            result = streams.compress_file(ENGINES[engine], fmt, 1, path,
                                           out, MiB)
        return result, out_path

    def assertToolReads(self, tool, packed, original):
        """The standard tool's output equals the original, byte for byte."""
        with open(original, 'rb') as f:
            expected = subprocess.run(['sha256sum'], stdin=f,
                                      stdout=subprocess.PIPE,
                                      check=True).stdout
        tool_out = subprocess.Popen([tool, '-dc', packed],
                                    stdout=subprocess.PIPE)
        got = subprocess.run(['sha256sum'], stdin=tool_out.stdout,
                             stdout=subprocess.PIPE, check=True).stdout
        self.assertEqual(0, tool_out.wait())
        self.assertEqual(expected, got)

    def test_sparse_source_holes_are_not_read(self):
        path = self.sparse_file(1024 * MiB)
        reads = []
        real_pread = os.pread
        self.useFixture(fixtures.MonkeyPatch(
            'os.pread', lambda fd, n, pos: reads.append(n) or real_pread(
                fd, n, pos)))
        result, packed = self.compress('isal', formats.GZIP, path)
        self.assertEqual(1024 * MiB, result.bytes_in)
        self.assertLessEqual(sum(reads), allocated(path))
        # Zeros are encoded, not dropped: about 1/1000 of their size.
        self.assertLess(os.path.getsize(packed), 2 * MiB)
        self.assertToolReads('gzip', packed, path)
        self.assertEqual(data.block_sha256_of_file(path), result.digest)

    def test_dense_zero_blocks_stay_one_gzip_member(self):
        # With [accel_compress] gzip_member_size = 0 (the default writes
        # sized members: see test_gzip_members).
        fixture = self.useFixture(config_fixture.Config(cfg.CONF))
        opts.register_opts(cfg.CONF)
        fixture.config(gzip_member_size=0, group=opts.COMPRESS_GROUP)
        path = self.tmp.join('dense.raw')
        with open(path, 'wb') as f:
            f.write(self.real[:MiB + 3])
            f.write(bytes(9 * MiB + 4096))
            f.write(self.real[MiB:])
            f.write(bytes(5 * MiB))
        for engine in ('isal', 'stdlib'):
            result, packed = self.compress(engine, formats.GZIP, path)
            with open(packed, 'rb') as f:
                payload = f.read()
            self.assertToolReads('gzip', packed, path)
            member = zlib.decompressobj(31)
            with open(path, 'rb') as f:
                self.assertTrue(f.read() == member.decompress(payload),
                                "first member is not the whole input")
            self.assertTrue(member.eof)
            self.assertEqual(b'', member.unused_data, 'not one member')

    def test_zstd_sparse_source(self):
        path = self.sparse_file(256 * MiB)
        result, packed = self.compress('zstd', formats.ZSTD, path)
        self.assertEqual(256 * MiB, result.bytes_in)
        self.assertToolReads('zstd', packed, path)

    def test_decompression_writes_holes(self):
        for engine, fmt in (('isal', formats.GZIP), ('zstd', formats.ZSTD)):
            path = self.sparse_file(512 * MiB)
            _, packed = self.compress(engine, fmt, path)
            # A file that ends in zeros: the size must still be right.
            with open(path, 'ab') as f:
                f.truncate(512 * MiB + 3 * zeros.ZERO_BLOCK_SIZE + 5)
            _, packed = self.compress(engine, fmt, path)
            out_path = self.tmp.join('out.raw')
            with open(out_path, 'wb') as out:
                result = streams.decompress_file(ENGINES[engine], fmt,
                                                 packed, out, MiB)
            self.assertEqual(os.path.getsize(path), result.bytes_out)
            self.assertEqual(os.path.getsize(path),
                             os.path.getsize(out_path))
            self.assertLess(allocated(out_path), 8 * MiB)
            subprocess.run(['cmp', path, out_path], check=True)
            os.remove(out_path)

    def test_decompression_into_an_unseekable_writer(self):
        path = self.sparse_file(64 * MiB)
        _, packed = self.compress('isal', formats.GZIP, path)
        chunks = []

        class Writer:
            def write(self, data):
                chunks.append(len(data))

        result = streams.decompress_file(ENGINES['isal'], formats.GZIP,
                                         packed, Writer(), MiB,
                                         digest='sha256')
        self.assertEqual(64 * MiB, sum(chunks))
        self.assertEqual(64 * MiB, result.bytes_out)
        self.assertEqual(64, len(result.digest))


class SinkKnownZerosTest(testtools.TestCase):
    """Zeros known as zeros (a zero member) reach the file uncompared."""

    def test_holes_or_bytes_and_hashed_like_bytes(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        expected = b'a' * 10 + bytes(3 * MiB) + b'b'
        for sparse in (True, False):
            for background in (True, False):
                path = os.path.join(tmp, 'out-%s-%s' % (sparse, background))
                with open(path, 'wb') as f:
                    sink = streams.Sink(f, digest='sha256', sparse=sparse,
                                        background=background)
                    sink.write(b'a' * 10)
                    sink.write_zeros(3 * MiB)
                    sink.write(b'b')
                    sink.close()
                with open(path, 'rb') as f:
                    self.assertEqual(expected, f.read())
                self.assertEqual(hashlib.sha256(expected).hexdigest(),
                                 sink.hexdigest())
                self.assertEqual(len(expected), sink.bytes_written)
                if sparse:
                    self.assertLess(allocated(path), MiB)
                else:
                    self.assertGreaterEqual(allocated(path), 3 * MiB)

    def test_known_zeros_count_against_the_limit(self):
        sink = streams.Sink(io.BytesIO(), limit=MiB)
        sink.write_zeros(MiB)
        self.assertRaises(exception.OutputLimitExceeded, sink.write_zeros, 1)
