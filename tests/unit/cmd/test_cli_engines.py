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

"""``engines`` and ``engines --self-test`` and the CLI's QAT fallback.

The command runs as a real process; a fake QAT host reaches it through a
configuration file, as an operator's settings would.
"""

import gzip
import json
import os

import fixtures
import testtools

from glance_accel_import.engines import manager
from tests.unit.cmd.test_cli import run_cli
from tests.unit import qat_fakes


class EnginesListTest(testtools.TestCase):

    def test_says_why_qat_is_unavailable_here(self):
        if manager.load_engines()['qat'].probe().available:
            self.skipTest('this host has a working QAT device')
        result = run_cli('engines', '--json')
        self.assertEqual(0, result.returncode, result.stderr)
        qat = {e['name']: e for e in
               json.loads(result.stdout)['engines']}['qat']
        self.assertFalse(qat['available'])
        self.assertTrue(qat['hardware'])
        self.assertEqual([], qat['reads'])
        self.assertEqual(['gzip'], qat['writes'])
        self.assertIn('QAT', qat['reason'])

    def test_fake_host_through_a_config_file(self):
        ready = self.useFixture(qat_fakes.ReadyQat())
        conf = ready.config_file(self.useFixture(fixtures.TempDir()).path)
        result = run_cli('--config-file', conf, 'engines')
        self.assertEqual(0, result.returncode, result.stderr)
        line = [ln for ln in result.stdout.splitlines()
                if ln.strip().startswith('qat ')][0]
        self.assertIn('available', line)
        self.assertIn('hardware', line)
        self.assertIn('2 QAT VF(s) on vfio-pci (4xxx)', line)

    def test_broken_fake_host_says_why(self):
        host = self.useFixture(qat_fakes.FakeQatHost())
        host.add_qatlib_device(services='asym')
        path = self.useFixture(fixtures.TempDir()).join('c.conf')
        with open(path, 'w') as f:
            f.write('[accel_qat]\nsysfs_root = %s\ndev_root = %s\n'
                    'qzip_path = %s\n' % (host.sysfs, host.dev,
                                          qat_fakes.FAKE_QZIP))
        result = run_cli('--config-file', path, 'engines')
        line = [ln for ln in result.stdout.splitlines()
                if ln.strip().startswith('qat ')][0]
        self.assertIn('unavailable', line)
        self.assertIn('compression service off (cfg_services=asym, needs '
                      'dc)', line)
        self.assertIn('would only compress in software', line)

    def test_missing_config_file_is_a_clean_error(self):
        result = run_cli('--config-file', '/nonexistent.conf', 'engines')
        self.assertEqual(2, result.returncode)
        self.assertIn('/nonexistent.conf', result.stderr)
        self.assertNotIn('Traceback', result.stderr)


class SelfTestTest(testtools.TestCase):

    def test_every_available_engine_verified_with_throughput(self):
        ready = self.useFixture(qat_fakes.ReadyQat())
        conf = ready.config_file(self.useFixture(fixtures.TempDir()).path)
        result = run_cli('--config-file', conf, 'engines', '--self-test',
                         '--sample-mib', '2', '--json')
        self.assertEqual(0, result.returncode, result.stderr)
        reports = {r['name']: r for r in json.loads(result.stdout)}
        steps = {(name, s['operation'], s['fmt']): s
                 for name, r in reports.items() for s in r['steps']}
        self.assertEqual({
            ('isal', 'compress', 'gzip'), ('isal', 'decompress', 'gzip'),
            ('qat', 'compress', 'gzip'),
            ('stdlib', 'compress', 'gzip'), ('stdlib', 'decompress', 'gzip'),
            ('stdlib', 'decompress', 'bzip2'), ('stdlib', 'decompress', 'xz'),
            ('zstd', 'compress', 'zstd'), ('zstd', 'decompress', 'zstd'),
        }, set(steps))
        for key, step in steps.items():
            self.assertTrue(step['ok'], key)
            self.assertGreater(step['mb_per_s'], 0, key)
        self.assertEqual('verified by stdlib', steps[
            ('qat', 'compress', 'gzip')]['detail'])
        self.assertGreater(steps[('qat', 'compress', 'gzip')]['ratio'], 1.5)

    def test_a_broken_engine_fails_the_self_test(self):
        ready = self.useFixture(qat_fakes.ReadyQat(fail='bad_crc'))
        conf = ready.config_file(self.useFixture(fixtures.TempDir()).path)
        result = run_cli('--config-file', conf, 'engines', '--self-test',
                         '--sample-mib', '1')
        self.assertEqual(1, result.returncode, result.stdout)
        self.assertRegex(result.stdout,
                         r'qat +hardware FAILED +compress +gzip +engine qat '
                         r'failed: wrote invalid gzip')
        self.assertRegex(result.stdout, r'isal +software ok +compress')

    def test_unavailable_engine_is_listed_as_skipped(self):
        if manager.load_engines()['qat'].probe().available:
            self.skipTest('this host has a working QAT device')
        result = run_cli('engines', '--self-test', '--sample-mib', '1')
        self.assertEqual(0, result.returncode, result.stdout)
        self.assertRegex(result.stdout, r'qat +hardware skipped: .*QAT')


class CompressFallbackTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir())
        self.src = self.tmp.join('disk.raw')
        self.plain = os.urandom(1024) * 1024
        with open(self.src, 'wb') as f:
            f.write(self.plain)

    def compress(self, *extra, fail=None, **conf_groups):
        ready = self.useFixture(qat_fakes.ReadyQat(fail=fail))
        conf = ready.config_file(self.tmp.path, **conf_groups)
        return run_cli('--config-file', conf, 'compress', self.src,
                       self.tmp.join('out.gz'), '--json', *extra)

    def test_qat_does_the_work_when_it_works(self):
        result = self.compress()
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual('qat', json.loads(result.stdout)['engine'])
        with open(self.tmp.join('out.gz'), 'rb') as f:
            self.assertEqual(self.plain, gzip.decompress(f.read()))

    def test_failing_qat_restarts_on_software(self):
        result = self.compress(fail='midstream')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual('isal', json.loads(result.stdout)['engine'])
        self.assertIn('WARNING: engine qat failed', result.stderr)
        self.assertIn('starts again from byte 0', result.stderr)
        with open(self.tmp.join('out.gz'), 'rb') as f:
            self.assertEqual(self.plain, gzip.decompress(f.read()))
        self.assertEqual(['accel.conf', 'disk.raw', 'out.gz'],
                         sorted(os.listdir(self.tmp.path)))

    def test_hardware_only_fails_and_leaves_nothing(self):
        result = self.compress(
            fail='drop_member',
            accel_import={'fallback_policy': 'hardware_only'})
        self.assertEqual(1, result.returncode)
        self.assertIn('qat: engine qat failed: output decodes to',
                      result.stderr)
        self.assertIn('fallback_policy is hardware_only', result.stderr)
        self.assertEqual(['accel.conf', 'disk.raw'],
                         sorted(os.listdir(self.tmp.path)))
