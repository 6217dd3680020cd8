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

"""Sized gzip members: the layout, standard readers, size and zero costs.

The output of the ``isal`` and ``stdlib`` engines with the default
``gzip_member_size`` is read by every gzip reader we know of, carries
QATzip's gzipext ``QZ`` field with true sizes, and costs at most 1 % of
size against one member. Cinder's stock path reading it is tested in
tests/cinder/test_roundtrip.py (TestOffloadedUpload).
"""

import gzip
import io
import os
import shutil
import struct
import subprocess
import tempfile
import threading
import time
import zlib

import fixtures
from isal import isal_zlib
from oslo_config import cfg
from oslo_config import fixture as config_fixture
import testscenarios
import testtools

from glance_accel_import.engines import gzip_members
from glance_accel_import.engines import manager
from glance_accel_import.engines import member_writer
from glance_accel_import import opts
from glance_accel_import import streams
from tests.unit import data

MiB = 1024 * 1024
ENGINES = manager.load_engines()


def compress(engine, plain, member_size=None, chunk=MiB, sparse_zeros=0):
    """Compress ``plain`` (then a hole of ``sparse_zeros``) from a file."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, 'plain')
        with open(src, 'wb') as f:
            f.write(plain)
            if sparse_zeros:
                f.truncate(len(plain) + sparse_zeros)
        out = io.BytesIO()
        with _members(member_size):
            streams.compress_file(engine, 'gzip', 1, src, out, chunk)
        return out.getvalue()


class _members:
    """Set [accel_compress] gzip_member_size for a block (None: default)."""

    def __init__(self, size):
        self._size = size

    def __enter__(self):
        self._fixture = config_fixture.Config(cfg.CONF)
        self._fixture.setUp()
        opts.register_opts(cfg.CONF)
        if self._size is not None:
            self._fixture.config(gzip_member_size=self._size,
                                 group=opts.COMPRESS_GROUP)

    def __exit__(self, *exc):
        self._fixture.cleanUp()


def walk(blob):
    """(plain size, deflate size) of each member, from the headers alone."""
    found, pos = [], 0
    while pos < len(blob):
        sizes = gzip_members.parse_header(
            blob[pos:pos + gzip_members.HEADER_SIZE])
        if sizes is None:
            raise AssertionError('no sized member at offset %d' % pos)
        found.append(sizes)
        pos += gzip_members.HEADER_SIZE + sizes[1] + 8
    return found


def mixed_volume():
    """Real data, zero blocks, a long zero run, and random bytes."""
    return (data.real_bytes(3 * MiB) + bytes(200 * 1024)
            + data.real_bytes(2 * MiB)[::-1] + bytes(3 * MiB)
            + os.urandom(MiB + 17))


class LayoutTest(testtools.TestCase):

    def test_header_is_qatzip_gzipext(self):
        # QzGzH_T: FLG=FEXTRA, OS=255, XLEN=12, 'Q' 'Z', LEN=8, then the
        # source and destination sizes, little-endian (qatzip_gzip.c
        # qzGzipHeaderGen and qzGzipHeaderExt).
        head = gzip_members.header(0x01020304, 0x0a0b0c0d)
        self.assertEqual(
            b'\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff\x0c\x00QZ\x08\x00'
            b'\x04\x03\x02\x01\x0d\x0c\x0b\x0a', head)
        self.assertEqual((0x01020304, 0x0a0b0c0d),
                         gzip_members.parse_header(head))

    def test_other_headers_are_not_sized(self):
        self.assertIsNone(gzip_members.parse_header(gzip.compress(b'x')))
        head = bytearray(gzip_members.header(1, 2))
        head[12] = ord('B')  # BGZF's 'BC' is another layout
        self.assertIsNone(gzip_members.parse_header(bytes(head)))
        self.assertIsNone(gzip_members.parse_header(
            gzip_members.header(1, 2)[:23]))

    def test_zero_member_is_valid_gzip(self):
        member = gzip_members.zero_member(3 * MiB + 5)
        self.assertEqual(bytes(3 * MiB + 5), gzip.decompress(member))


class MemberOutputTest(testscenarios.WithScenarios, testtools.TestCase):

    scenarios = [(name, {'engine': ENGINES[name]})
                 for name in ('isal', 'stdlib') if name in ENGINES
                 and ENGINES[name].probe().available]

    def test_sizes_in_headers_are_true(self):
        plain = mixed_volume()
        blob = compress(self.engine, plain, member_size=MiB)
        members = walk(blob)
        self.assertEqual(len(plain), sum(p for p, _ in members))
        self.assertGreater(len(members), 6)
        pos = 0
        for plain_size, deflate_size in members:
            end = pos + gzip_members.HEADER_SIZE + deflate_size + 8
            self.assertEqual(plain_size, len(gzip.decompress(blob[pos:end])))
            pos = end

    def test_long_zero_run_is_its_own_member(self):
        plain = data.real_bytes(MiB)
        blob = compress(self.engine, plain, sparse_zeros=600 * MiB)
        members = walk(blob)
        self.assertEqual([MiB, 256 * MiB, 256 * MiB, 88 * MiB],
                         [p for p, _ in members])
        for plain_size, deflate_size in members[1:]:
            self.assertLess(deflate_size, plain_size // 500)

    def test_read_by_python_gzip_and_zlib(self):
        plain = mixed_volume()
        blob = compress(self.engine, plain, member_size=MiB)
        self.assertEqual(plain, gzip.decompress(blob))
        # zlib reads one member per decompressobj: the usual loop.
        out, rest = [], blob
        while rest:
            d = zlib.decompressobj(31)
            out.append(d.decompress(rest))
            self.assertTrue(d.eof)
            rest = d.unused_data
        self.assertEqual(plain, b''.join(out))

    def test_read_by_command_line_tools(self):
        plain = mixed_volume()
        blob = compress(self.engine, plain, member_size=MiB)
        tested = []
        for tool in ('gzip', 'pigz', 'igzip'):
            if shutil.which(tool) is None:
                continue
            out = subprocess.run([tool, '-dc'], input=blob, check=True,
                                 stdout=subprocess.PIPE).stdout
            self.assertEqual(plain, out, tool)
            tested.append(tool)
        if 'gzip' not in tested:
            self.fail('gzip is required by the test environment')

    def test_single_member_when_the_option_is_zero(self):
        plain = mixed_volume()
        blob = compress(self.engine, plain, member_size=0)
        self.assertIsNone(gzip_members.parse_header(blob))
        d = zlib.decompressobj(31)
        self.assertEqual(plain, d.decompress(blob))
        self.assertEqual(b'', d.unused_data)

    def test_empty_input(self):
        blob = compress(self.engine, b'')
        self.assertEqual([(0, 2)], walk(blob))
        self.assertEqual(b'', gzip.decompress(blob))

    def test_size_cost_against_one_member_is_under_one_percent(self):
        plain = data.real_bytes(24 * MiB)
        one = len(compress(self.engine, plain, member_size=0))
        sized = len(compress(self.engine, plain))
        self.assertLess(sized, one * 1.01, (sized, one))

    def test_zero_runs_stay_cheap(self):
        start = time.monotonic()
        blob = compress(self.engine, b'x', sparse_zeros=8 * 1024 * MiB)
        seconds = time.monotonic() - start
        # 8 GiB of hole: 32 precomputed members of about 256 KiB each.
        self.assertLess(len(blob), 10 * MiB)
        self.assertLess(seconds, 5)
        self.assertEqual(8 * 1024 * MiB + 1,
                         sum(p for p, _ in walk(blob)))


class TrailerTest(testtools.TestCase):

    def test_trailer_is_crc_and_length_mod_2_32(self):
        self.assertEqual(struct.pack('<II', 7, 5),
                         gzip_members.trailer(7, 2 ** 32 + 5))


class InFlightTest(testtools.TestCase):
    """Memory in flight is bounded by bytes, not by the thread count."""

    def test_many_threads_hold_no_more_than_the_bound(self):
        member = 256 * 1024
        self.useFixture(fixtures.MonkeyPatch(
            'glance_accel_import.engines.parallel_gzip.IN_FLIGHT_PLAIN',
            2 * member))
        running, peak, lock = [0], [0], threading.Lock()
        real_deflate = member_writer.MemberWriter._deflate

        def counting(writer, parts):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.01)  # let the others start, if they may
            try:
                return real_deflate(writer, parts)
            finally:
                with lock:
                    running[0] -= 1

        self.useFixture(fixtures.MonkeyPatch(
            'glance_accel_import.engines.member_writer.MemberWriter._deflate',
            counting))
        plain = data.real_bytes(5 * MiB)
        out = io.BytesIO()
        writer = member_writer.MemberWriter(isal_zlib, 1, out, 64, member)
        writer.write_all(plain[i:i + member]
                         for i in range(0, len(plain), member))
        self.assertEqual(plain, gzip.decompress(out.getvalue()))
        self.assertEqual(20, len(walk(out.getvalue())))
        # 64 threads asked for, two members' worth of memory allowed.
        self.assertLessEqual(peak[0], 2)
