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

"""``glance-accel-import demo`` as a user runs it: a real process.

The demo starts its own glance-api, so this test needs no fixture server;
it checks that both parts ran, printed what they recorded, passed every
check, and that the exit status says so.
"""

import os
import re
import shutil
import subprocess
import sys

import fixtures
import testtools
from testtools import content


def run_demo(workdir, *args):
    return subprocess.run(
        [sys.executable, '-m', 'glance_accel_import.cmd.cli', 'demo',
         '--image-size-mib', '24', '--workdir', workdir] + list(args),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, timeout=900)


class DemoTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        try:
            import glance  # noqa: F401
        except ImportError:
            self.skipTest('the demo needs a real glance-api: glance is not '
                          'installed')
        if not shutil.which('qemu-img'):
            self.skipTest('part A of the demo needs qemu-img '
                          '(Debian: qemu-utils)')
        self.workdir = self.useFixture(fixtures.TempDir()).path

    def _assert_line(self, pattern, text):
        self.assertIsNotNone(re.search(pattern, text, re.MULTILINE),
                             'no line matching %r' % pattern)

    def _attach_glance_log(self):
        # Shown when the test fails: where an import stopped, if it did.
        log = os.path.join(self.workdir, 'glance', 'glance-api.log')
        if os.path.exists(log):
            self.addDetail('glance-api.log', content.content_from_file(
                log, buffer_now=True))

    def test_demo_shows_both_plugins(self):
        result = run_demo(self.workdir)
        out = result.stdout
        self.addDetail('stdout', content.text_content(out))
        self.addDetail('stderr', content.text_content(
            result.stderr))
        self._attach_glance_log()

        self.assertEqual(0, result.returncode)
        # Every step says what it does and how long it usually takes.
        self._assert_line(
            r'^\[2/7\] Starting glance-api .* \(usually ~\d+ s\)$', out)
        self._assert_line(r'^  ready in [\d.]+ s \(creating its database', out)
        # Part A: a gzip of a qcow2, decompressed and stored plain.
        self._assert_line(r'^  uploaded +\d+ bytes \(gzip of a \d+-byte qcow2',
                          out)
        self._assert_line(r'^  accel_upload_compression +gzip$', out)
        self._assert_line(r'^  accel_decompression_engine +\w+$', out)
        self._assert_line(r'^  imported in [\d.]+ s: importing at .*'
                          r'decompressed at [\d.]+ s.*done at', out)
        for check in ('upload recorded as gzip', 'stored plain',
                      'stored data is raw', 'virtual_size is the disk size',
                      'stored disk identical to the original'):
            self._assert_line(r'^  check  A: %s.* ok$' % check, out)
        # Part B: the raw disk stored compressed, with its properties.
        self._assert_line(r'^  accel_compression_format +gzip$', out)
        self._assert_line(r'^  accel_compression_engine +\w+$', out)
        self._assert_line(r'^  accel_uncompressed_size +25165824$', out)
        self._assert_line(r'^  accel_uncompressed_block_sha256 +[0-9a-f]{64}$',
                          out)
        self._assert_line(r'^  imported in [\d.]+ s: .*compressed at', out)
        self._assert_line(r'^  check  B: round trip byte-identical +ok$', out)
        self._assert_line(r'^All 12 checks passed\.$', out)
        self.assertNotIn('FAILED', out)
        # Progress goes to stderr: plain lines, as stderr is not a terminal.
        self._assert_line(r'^      import: 5 of 5 steps \(100%\) done',
                          result.stderr)
        self.assertNotIn('\r', result.stderr)
