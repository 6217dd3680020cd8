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

"""The demo's verdict and its progress output in a log (not a terminal)."""

import io
import time

import fixtures
import testtools

from glance_accel_import.devtools import demo_output
from glance_accel_import.devtools import progress


class VerdictTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        # A plain buffer: a fixtures stream would attach the output to
        # every passing test's report.
        self.out = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stdout', self.out))

    def test_all_passed_exits_0(self):
        checks = demo_output.Checks()
        checks.check('one', True)
        checks.check('two', 1 == 1)

        self.assertEqual(0, demo_output.verdict(checks))
        self.out.seek(0)
        self.assertIn('All 2 checks passed.', self.out.read())

    def test_one_failed_check_exits_1_and_names_it(self):
        checks = demo_output.Checks()
        checks.check('good', True)
        checks.check('bad', False, 'why')

        self.assertEqual(1, demo_output.verdict(checks))
        self.out.seek(0)
        text = self.out.read()
        self.assertIn('bad', text)
        self.assertIn('FAILED: why', text)
        self.assertIn('1 of 2 checks FAILED: bad', text)

    def test_no_check_is_a_failure(self):
        self.assertEqual(1, demo_output.verdict(demo_output.Checks()))


class PlainProgressTest(testtools.TestCase):
    """Off a terminal: a line per new note or at the end, else per interval."""

    def test_bytes_bar_does_not_print_every_chunk(self):
        log = io.StringIO()
        bar = progress.Bar('staging', 100, stream=log, interval=60)
        for n in range(1, 101):
            bar.update_to(n, 'sent')
        bar.close()

        lines = log.getvalue().splitlines()
        self.assertEqual(2, len(lines), lines)  # the first, and the end
        self.assertIn('staging: 0.0 of 0.0 MiB (100%) sent', lines[-1])
        self.assertNotIn('\r', log.getvalue())

    def test_steps_bar_prints_each_new_step(self):
        log = io.StringIO()
        bar = progress.Bar('import', 3, unit='steps', stream=log,
                           interval=60)
        for n, note in ((0, 'waiting'), (1, 'importing'), (1, 'importing'),
                        (2, 'compressed'), (3, 'done')):
            bar.update_to(n, note)
        bar.close()

        lines = log.getvalue().splitlines()
        self.assertEqual(4, len(lines), lines)
        self.assertIn('import: 3 of 3 steps (100%) done', lines[-1])

    def test_elapsed_prints_a_line_per_interval(self):
        log = io.StringIO()
        with progress.Elapsed('starting', usual=30, stream=log,
                              interval=0.05) as waited:
            time.sleep(0.3)

        lines = log.getvalue().splitlines()
        self.assertGreaterEqual(len(lines), 2)
        self.assertIn('starting: 0 s (usually ~30 s) so far', lines[0])
        self.assertGreaterEqual(waited.seconds, 0.3)
