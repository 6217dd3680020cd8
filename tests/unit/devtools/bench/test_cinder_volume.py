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

"""bench-cinder's own parts: the peak watcher and the command line."""

import os
import time

import fixtures
import testtools

from glance_accel_import.cmd import cli
from glance_accel_import.devtools.bench import cinder_volume

MiB = 1024 * 1024


class TestPeakWatcher(testtools.TestCase):

    def test_peak_outlives_the_file(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        path = os.path.join(tmp, 'work')
        with cinder_volume.PeakWatcher(tmp) as watch:
            with open(path, 'wb') as f:
                f.write(os.urandom(4 * MiB))
                f.flush()
                os.fsync(f.fileno())
            time.sleep(cinder_volume.SAMPLE_EVERY * 10)
            os.remove(path)
        self.assertGreaterEqual(watch.peak, 4 * MiB)
        self.assertEqual(0, cinder_volume.allocated_in(tmp))

    def test_holes_are_not_counted(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        with open(os.path.join(tmp, 'sparse'), 'wb') as f:
            f.truncate(64 * MiB)
        self.assertLess(cinder_volume.allocated_in(tmp), MiB)

    def test_missing_directory(self):
        self.assertEqual(0, cinder_volume.allocated_in('/nonexistent/dir'))


class TestCommandLine(testtools.TestCase):

    def test_user_volume(self):
        args = cli.build_parser().parse_args(
            ['bench-cinder', '--volume', 'my.img', '--workdir', 'w'])
        self.assertEqual('my.img', args.volume)
        self.assertIs(cli._bench_cinder, args.func)
