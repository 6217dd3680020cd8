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

"""Each measured run is preceded by an unmeasured warm-up of the same tool.

Real child processes: a small Python tool that logs what it was given.
"""

import gzip
import json
import os

import fixtures
import testtools

from glance_accel_import.devtools.bench import runner

# Logs (size of its input, its first two bytes) and copies input to output.
_LOGGING_COPY = ('import json, shutil, sys\n'
                 'data = open(sys.argv[1], "rb").read()\n'
                 'with open(sys.argv[3], "a") as log:\n'
                 '    log.write(json.dumps([len(data), data[:2].hex()])'
                 ' + "\\n")\n'
                 'shutil.copyfile(sys.argv[1], sys.argv[2])\n')


class WarmUpTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.workdir = self.useFixture(fixtures.TempDir()).path
        self.log = os.path.join(self.workdir, 'calls.log')
        self.dst = os.path.join(self.workdir, 'out')

    def tool(self, **kwargs):
        return runner.Tool('logging copy', 'compress', (
            '{python}', '-c', _LOGGING_COPY, '{src}', '{dst}', self.log),
            **kwargs)

    def calls(self):
        with open(self.log) as f:
            return [json.loads(line) for line in f]

    def write(self, name, data):
        path = os.path.join(self.workdir, name)
        with open(path, 'wb') as f:
            f.write(data)
        return path

    def test_a_small_raw_run_first_then_the_measured_one(self):
        src = self.write('volume.img', b'v' * (3 * 1024 * 1024))
        m = runner.measure(self.tool(), 'v', src, self.dst)
        warm, measured = self.calls()
        self.assertEqual(1024 * 1024, warm[0])
        self.assertEqual([3 * 1024 * 1024, '7676'], measured)
        self.assertEqual(3 * 1024 * 1024, m.output_size)
        # The warm-up's files are gone; the measured output stays.
        self.assertEqual(sorted(['volume.img', 'calls.log', 'out']),
                         sorted(os.listdir(self.workdir)))

    def test_a_decompressor_warms_up_on_its_own_format(self):
        src = self.write('image.gz', gzip.compress(b'plain'))
        runner.measure(self.tool(), 'v', src, self.dst)
        warm, measured = self.calls()
        self.assertEqual('1f8b', warm[1])
        # A valid gzip of the sample's 1 MiB, data and zeros.
        self.assertLess(warm[0], 300 * 1024)
        self.assertEqual(len(gzip.compress(b'plain')), measured[0])

    def test_a_tool_may_name_its_own_warm_up(self):
        src = self.write('volume.img', b'v' * 4096)
        small = self.write('small', b'sm')
        tool = self.tool(warm_up_argv=(
            '{python}', '-c', _LOGGING_COPY, small, '{dst}', self.log))
        runner.measure(tool, 'v', src, self.dst)
        self.assertEqual([[2, '736d'], [4096, '7676']], self.calls())

    def test_no_warm_up_for_a_format_it_cannot_make(self):
        src = self.write('image.bz2', b'BZh91AY&SY' + bytes(100))
        runner.measure(self.tool(), 'v', src, self.dst)
        self.assertEqual(1, len(self.calls()))
