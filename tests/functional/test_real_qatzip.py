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

"""Round trips with Intel's real QATzip ``qzip``, where one is installed.

Our sized gzip members copy QATzip's gzipext header byte for byte
(``engines/gzip_members.py``); only the real tool can say whether that is
true. These tests run ``glance-accel-import compress`` and ``qzip -d`` on
each other's output and compare every byte with the source, in both of
qzip's modes (stdin to stdout, and a named file). They run only when a real
qzip is found (``tests/unit/real_qzip.py``: ``$QATZIP_QZIP``, ``PATH``, or
Debian 13's package unpacked by ``tools/qatzip-env.sh``, which
``tools/setup-env.sh`` runs; never ``tests/fakes/bin/qzip``); without a QAT
device qzip works in software (zlib), which is what is tested then. How to
build one from source: doc/source/qat-operator-guide.rst, "Checked against
the real QATzip".

Two limits of qzip 1.3.1 itself (not of our format: ``gzip -1`` output
does the same) shape the data: in file mode ``qzip -d`` loops for ever once
the output of the file passes 5 times its compressed size, and from stdin it
stops, exiting 0, after 2.5 GiB of output per 512 MiB of input. So the
zero-run payload is decompressed from stdin and stays small, and the file
mode payload is data that compresses less than 5 to 1.
"""

import os
import shutil
import subprocess
import sys

import fixtures
import testtools

from glance_accel_import.engines import gzip_members
from tests.unit import data
from tests.unit import real_qzip

MiB = 1024 * 1024
#: Far above what these payloads need; a qzip that loops is a failure.
TIMEOUT = 300


def engine():
    """isal if its binding is installed, else stdlib: both write members."""
    try:
        import isal  # noqa: F401
        return 'isal'
    except ImportError:
        return 'stdlib'


def members(packed):
    """(plain size, deflate size) of every member, from the headers."""
    sizes = []
    pos = 0
    while pos < len(packed):
        sized = gzip_members.parse_header(packed[pos:pos + 64])
        if sized is None:
            return None
        sizes.append(sized)
        pos += (gzip_members.HEADER_SIZE + sized[1]
                + gzip_members.TRAILER_SIZE)
    return sizes if pos == len(packed) else None


class RealQatzipTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.qzip, reason = real_qzip.find()
        if self.qzip is None:
            self.skipTest(reason)
        self.tmp = self.useFixture(fixtures.TempDir())
        self.engine = engine()

    def write(self, path, payload):
        with open(path, 'wb') as f:
            f.write(payload)
        return path

    def read(self, path):
        with open(path, 'rb') as f:
            return f.read()

    def cli(self, *args):
        env = dict(os.environ, OS_GLANCE_CONFIG_DIR='/nonexistent/glance')
        result = subprocess.run(
            [sys.executable, '-m', 'glance_accel_import.cmd.cli'] +
            list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=env, timeout=TIMEOUT)
        self.assertEqual(0, result.returncode, result.stderr)

    def qzip_run(self, *args, stdin=None, stdout=None, cwd=None):
        with open(stdin or os.devnull, 'rb') as src, \
                open(stdout or os.devnull, 'wb') as dst:
            result = subprocess.run([self.qzip] + list(args), stdin=src,
                                    stdout=dst, stderr=subprocess.PIPE,
                                    cwd=cwd, timeout=TIMEOUT)
        self.assertEqual(0, result.returncode, result.stderr)

    def ours(self, plain):
        """Our compressed file of ``plain``, checked to be sized members."""
        src = self.write(self.tmp.join('plain'), plain)
        packed = self.tmp.join('ours.gz')
        self.cli('compress', '--force', '--engine', self.engine, src, packed)
        self.assertIsNotNone(members(self.read(packed)))
        return packed

    def test_qzip_reads_ours_from_stdin_zero_runs_included(self):
        # Zero runs of 1 MiB or more become members of their own, whose
        # deflate is the precomputed zero encoding.
        plain = (data.real_bytes(5 * MiB) + bytes(40 * MiB) +
                 os.urandom(MiB) + bytes(3 * MiB + 17) +
                 data.real_bytes(MiB + 5))
        packed = self.ours(plain)
        sizes = members(self.read(packed))
        self.assertIn((40 * MiB, len(gzip_members.zero_body(40 * MiB))),
                      sizes)
        out = self.tmp.join('by-qzip')
        self.qzip_run('-d', stdin=packed, stdout=out)
        self.assertEqual(plain, self.read(out))

    def test_qzip_reads_ours_in_file_mode(self):
        # Less than 5:1 over the whole file (see the module docstring).
        plain = data.real_bytes(6 * MiB) + os.urandom(3 * MiB)
        packed = self.ours(plain)
        work = self.useFixture(fixtures.TempDir()).path
        shutil.copy(packed, os.path.join(work, 'disk.img.gz'))
        self.qzip_run('-d', '-k', 'disk.img.gz', cwd=work)
        self.assertEqual(plain, self.read(os.path.join(work, 'disk.img')))

    def _qzip_packs(self, plain, *args):
        """Our decompression of qzip's compression of ``plain``."""
        src = self.write(self.tmp.join('plain'), plain)
        packed = self.tmp.join('by-qzip.gz')
        self.qzip_run(*args, stdin=src, stdout=packed)
        out = self.tmp.join('by-us')
        self.cli('decompress', '--force', '--engine', self.engine, packed,
                 out)
        self.assertEqual(plain, self.read(out))
        return self.read(packed)

    def test_we_read_qzip_gzipext(self):
        plain = data.real_bytes(3 * MiB) + bytes(2 * MiB)
        packed = self._qzip_packs(plain, '-O', 'gzipext')
        # Its header is the one our reader recognises, sizes included.
        sizes = members(packed)
        self.assertIsNotNone(sizes, 'qzip gzipext is not our sized layout')
        self.assertEqual(len(plain), sum(p for p, _ in sizes))

    def test_we_read_qzip_plain_gzip(self):
        plain = data.real_bytes(3 * MiB) + bytes(2 * MiB)
        packed = self._qzip_packs(plain, '-O', 'gzip')
        self.assertIsNone(members(packed))

    def test_we_read_qzip_gzipext_in_hardware_sized_members(self):
        # Without a device qzip writes one member per block it reads; with
        # -b 65536 it writes 64 KiB members, as QAT hardware does with its
        # default buffer: the layout our parallel reader is for.
        plain = data.real_bytes(2 * MiB) + bytes(MiB)
        work = self.useFixture(fixtures.TempDir()).path
        self.write(os.path.join(work, 'disk.img'), plain)
        self.qzip_run('-k', '-b', '65536', 'disk.img', cwd=work)
        packed = os.path.join(work, 'disk.img.gz')
        sizes = members(self.read(packed))
        self.assertEqual([65536] * 48, [p for p, _ in sizes])
        out = self.tmp.join('by-us')
        self.cli('decompress', '--force', '--engine', self.engine, packed,
                 out)
        self.assertEqual(plain, self.read(out))
