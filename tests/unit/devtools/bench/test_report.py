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

"""The benchmark's report: ratios, target verdicts and the chart.

Measurements here are made-up inputs to the report code, not timings: no
speed is asserted anywhere in the unit tests.
"""

import os

import fixtures
import testtools

from glance_accel_import.devtools.bench import report
from glance_accel_import.devtools.bench import runner
from glance_accel_import.devtools.bench import suite

MiB = 1024 * 1024
OURS = suite.ours_name('isal')


def m(tool, wall, out=100 * MiB, operation='compress', volume='dense',
      rss=40 * MiB, out_alloc=None):
    return runner.Measurement(tool, operation, volume, wall, wall, rss,
                              1024 * MiB, 300 * MiB, out,
                              out if out_alloc is None else out_alloc)


class ReportTest(testtools.TestCase):

    def results(self, ours_wall=2.0, large_wall=2.2):
        return [
            m(OURS, ours_wall), m('gzip -6', 40.0, out=90 * MiB),
            m('qemu-img qcow2 zlib', 30.0, out=98 * MiB),
            m('igzip -1', 1.8, out=101 * MiB),
            m(OURS, 2.0, volume='sparse'), m(OURS, large_wall,
                                             volume='large'),
            m(OURS, 1.0, out=1024 * MiB, operation='decompress',
              out_alloc=300 * MiB),
            m('glance copyfileobj', 4.0, out=1024 * MiB,
              operation='decompress'),
            m('cat (read limit)', 0.3, out=0, operation='read'),
        ]

    def verdicts(self, results):
        return {t.text: t.met for t in report.targets(results, OURS)}

    def test_targets(self):
        verdicts = self.verdicts(self.results())
        self.assertTrue(verdicts['compress dense: >= 15x faster than '
                                 'gzip -6'])
        self.assertTrue(verdicts['compress dense: output <= 1.15x gzip -6'])
        self.assertTrue(verdicts['compress dense: time <= 1.3x igzip -1'])
        self.assertTrue(verdicts['decompress: >= 3x faster than stdlib gzip '
                                 'copyfileobj'])
        self.assertTrue(verdicts['decompress: output sparse'])
        self.assertTrue(verdicts['peak RSS of our compress/decompress < 256 '
                                 'MiB'])

    def test_missed_targets_are_reported(self):
        verdicts = self.verdicts(self.results(ours_wall=3.0, large_wall=9.0))
        self.assertFalse(verdicts['compress dense: >= 15x faster than '
                                  'gzip -6'])
        self.assertFalse(verdicts['compress dense: time <= 1.3x igzip -1'])
        self.assertFalse(verdicts['compress: 4x larger volume, same data: '
                                  '<= 1.2x the time'])

    def test_table_has_a_row_per_measurement_and_ratios(self):
        results = self.results()
        text = report.table(results, OURS)
        self.assertEqual(len(results) + 2, len(text.splitlines()))
        self.assertIn('| compress | dense | gzip -6 | 40.00 |', text)
        self.assertIn('| 20.00x | 1.111 |', text)

    def test_chart_is_a_png(self):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'c.png')
        report.chart(self.results(), path, 'test')
        with open(path, 'rb') as f:
            self.assertEqual(b'\x89PNG', f.read(4))
