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

"""Memory stays bounded whatever the image size: measured on a real child.

The command runs as its own process and its peak RSS comes from the kernel
(``wait4``), threads and codec buffers included (plus the launcher's few
MiB, see ``bench.runner.run_child``). The benchmark repeats this
on a 20 GiB sparse ext4 volume and a 4 GiB dense one
(doc/source/performance.rst).
"""

import os
import subprocess
import sys

import fixtures
import testtools

from glance_accel_import.devtools.bench import runner
from tests.unit import data

MiB = 1024 * 1024
GiB = 1024 * MiB
LIMIT = 256 * MiB


def run_cli(*args):
    """Run the CLI; return its own peak RSS in bytes.

    Through the benchmark's launcher: a child forked straight from this
    (large) test process would report this process's RSS as its own.
    """
    child = runner.run_child(
        [sys.executable, '-m', 'glance_accel_import.cmd.cli'] + list(args),
        subprocess.DEVNULL)
    if child.returncode:
        raise AssertionError(child.stderr)
    return child.peak_rss


class PeakMemoryTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir())
        self.real = data.real_bytes(4 * MiB)

    def test_20_gib_sparse_image(self):
        src = self.tmp.join('big.raw')
        with open(src, 'wb') as f:
            f.truncate(20 * GiB)
            for offset in (0, 7 * GiB + 12345, 20 * GiB - 4 * MiB):
                f.seek(offset)
                f.write(self.real)
        packed, out = self.tmp.join('big.gz'), self.tmp.join('big.out')
        self.assertLess(run_cli('compress', src, packed), LIMIT)
        self.assertLess(run_cli('decompress', packed, out), LIMIT)
        self.assertEqual(20 * GiB, os.path.getsize(out))
        self.assertLess(os.stat(out).st_blocks * 512, 64 * MiB)
        with open(out, 'rb') as f:
            f.seek(7 * GiB + 12345)
            self.assertEqual(self.real, f.read(len(self.real)))

    def test_dense_image_with_sha256(self):
        src = self.tmp.join('dense.raw')
        with open(src, 'wb') as f:
            for _ in range(64):
                f.write(self.real)
                f.write(bytes(MiB))
        packed, out = self.tmp.join('d.gz'), self.tmp.join('d.out')
        for fmt in ('gzip', 'zstd'):
            self.assertLess(run_cli('compress', '--force', '--format', fmt,
                                    src, packed), LIMIT)
            self.assertLess(run_cli('decompress', '--force', '--json',
                                    packed, out), LIMIT)
            subprocess.run(['cmp', src, out], check=True)
