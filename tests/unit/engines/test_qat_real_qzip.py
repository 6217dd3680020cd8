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

"""The real ``qzip`` (Debian package ``qatzip``), where the system has it.

These tests check the facts the qat engine and the fake qzip rely on against
the real tool: its streamed output is multi-member gzip with the 'QZ' extra
field that every reader decodes, without a device it says it fell back to
software (and the engine refuses that), and its file-mode suffix rules are
the ones the fake reproduces. ``tools/setup-env.sh`` installs ``qatzip``
whenever apt offers it, and elsewhere unpacks Debian 13's package into
``.venv/qatzip`` (``tools/qatzip-env.sh``); without either, every test here
is skipped with the reason.
"""

import gzip
import os
import subprocess

import fixtures
import testtools

from glance_accel_import.engines import qat
from glance_accel_import import exception
from glance_accel_import.hardware import qat as qat_hardware
from tests.unit import data
from tests.unit.engines.test_qat import compress
from tests.unit.engines.test_qat import gzip_members
from tests.unit import qat_fakes
from tests.unit import real_qzip


class RealQzipTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.qzip, reason = real_qzip.find()
        if self.qzip is None:
            self.skipTest(reason)
        self.tmp = self.useFixture(fixtures.TempDir())
        self.plain = data.real_bytes(600 * 1024) + bytes(300 * 1024)

    def run_qzip(self, *args, input=None, tool=None, cwd=None):
        return subprocess.run([tool or self.qzip] + list(args), input=input,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              cwd=cwd)

    def host_has_qat(self):
        return qat_hardware.probe().ready

    def test_streamed_output_is_gzip_every_reader_decodes(self):
        result = self.run_qzip('-L', '1', '-C', '65536', '-O', 'gzipext',
                               input=self.plain)
        self.assertEqual(0, result.returncode, result.stderr)
        packed = result.stdout
        members = gzip_members(packed)
        self.assertGreaterEqual(len(members), 1)
        flags, extra, _ = members[0]
        self.assertTrue(flags & 0x04, 'gzipext sets FEXTRA')
        self.assertEqual(b'QZ', extra[:2])
        self.assertEqual(self.plain, gzip.decompress(packed))
        self.assertEqual(self.plain, subprocess.run(
            ['gzip', '-dc'], input=packed, stdout=subprocess.PIPE,
            check=True).stdout)

    def test_without_a_device_it_says_it_fell_back_to_software(self):
        if self.host_has_qat():
            self.skipTest('this host has a working QAT device')
        result = self.run_qzip('-L', '1', input=self.plain)
        self.assertEqual(0, result.returncode)
        stderr = result.stderr.decode('utf-8', 'replace')
        self.assertRegex(stderr, qat.SOFTWARE_FALLBACK)

    def test_engine_refuses_software_qzip(self):
        if self.host_has_qat():
            self.skipTest('this host has a working QAT device')
        ready = self.useFixture(qat_fakes.ReadyQat())
        ready.conf.set_override('qzip_path', self.qzip,
                                group=qat_fakes.GROUP)
        exc = self.assertRaises(exception.EngineFailed, compress,
                                qat.QatEngine(), self.plain)
        self.assertIn('fell back to software', str(exc))

    def _file_mode(self, tool, *args, files=('disk.img',)):
        work = self.useFixture(fixtures.TempDir()).path
        for name in files:
            payload = self.plain[:100000]
            if name.endswith('.gz'):
                payload = gzip.compress(payload)
            with open(os.path.join(work, name), 'wb') as f:
                f.write(payload)
        result = self.run_qzip(*args, *files, tool=tool, cwd=work)
        first_line = (result.stdout.splitlines() or [b''])[0]
        return result.returncode, sorted(os.listdir(work)), first_line

    def test_fake_matches_the_real_command_line(self):
        cases = [
            (('-k',), ('disk.img',)),          # keeps the input, adds .gz
            ((), ('disk.img',)),               # replaces the input
            (('-k', '-o', 'named'), ('disk.img',)),   # writes named.gz
            (('-k',), ('disk.img.gz',)),       # already .gz: unchanged
            (('-d', '-k'), ('disk.raw',)),     # -d needs a .gz suffix
            (('-d',), ('disk.img.gz',)),       # strips the suffix
            (('-d', '-o', 'out'), ('disk.img.gz',)),  # -o NAME as is
            ((), ('missing.img',)),
            (('-L', '10'), ('disk.img',)),     # levels are 1..9
            (('-C', '1048576'), ('disk.img',)),  # below 1 MiB only
            (('-O', 'zip'), ('disk.img',)),
        ]
        for args, files in cases:
            real = self._file_mode(self.qzip, *args, files=files)
            fake = self._file_mode(qat_fakes.FAKE_QZIP, *args, files=files)
            self.assertEqual(real, fake, (args, files))

    def test_fake_writes_the_same_software_framing(self):
        # Header bytes (up to the sizes in the 'QZ' field) and member count
        # match; the deflate data may differ between zlib builds.
        for framing, header in (('gzipext', 16), ('gzip', 10)):
            args = ('-L', '1', '-O', framing)
            real = self.run_qzip(*args, input=self.plain).stdout
            fake = self.run_qzip(*args, input=self.plain,
                                 tool=qat_fakes.FAKE_QZIP).stdout
            self.assertEqual(real[:header], fake[:header], framing)
            self.assertEqual(len(gzip_members(real)),
                             len(gzip_members(fake)), framing)
