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

"""The command line, run as a user runs it: a real process."""

import gzip
import json
import os
import subprocess
import sys

import fixtures
import testtools

from tests.unit import data


def run_cli(*args, env=None, **kwargs):
    """Run the command; Glance's default files are looked for in an empty
    place unless ``env`` says otherwise, so the host's /etc/glance never
    changes a result.
    """
    env = dict(os.environ, **(env or {}))
    env.setdefault('OS_GLANCE_CONFIG_DIR', '/nonexistent/glance-config')
    return subprocess.run(
        [sys.executable, '-m', 'glance_accel_import.cmd.cli'] + list(args),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        **kwargs)


class CliTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir())
        self.src = self.tmp.join('disk.raw')
        self.plain = data.real_bytes(2 * 1024 * 1024) + bytes(1024 * 1024)
        with open(self.src, 'wb') as f:
            f.write(self.plain)

    def test_engines_json(self):
        result = run_cli('engines', '--json')
        self.assertEqual(0, result.returncode, result.stderr)
        engines = {e['name']: e for e in
                   json.loads(result.stdout)['engines']}
        for name in ('isal', 'stdlib'):
            self.assertEqual({'name', 'available', 'hardware', 'reason',
                              'reads', 'writes'}, set(engines[name]))
            self.assertTrue(engines[name]['available'])
            self.assertFalse(engines[name]['hardware'])

    def test_engines_table(self):
        result = run_cli('engines')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertIn('stdlib', result.stdout)
        self.assertIn('software', result.stdout)

    def test_compress_then_decompress(self):
        packed, unpacked = self.tmp.join('d.gz'), self.tmp.join('d.out')
        result = run_cli('compress', self.src, packed, '--json')
        self.assertEqual(0, result.returncode, result.stderr)
        summary = json.loads(result.stdout)
        self.assertEqual('isal', summary['engine'])
        self.assertEqual(len(self.plain), summary['bytes_in'])
        self.assertEqual(os.path.getsize(packed), summary['bytes_out'])
        self.assertGreaterEqual(summary['seconds'], 0)
        with open(packed, 'rb') as f:
            self.assertEqual(self.plain, gzip.decompress(f.read()))

        result = run_cli('decompress', packed, unpacked, '--engine',
                         'stdlib', '--json')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual('stdlib', json.loads(result.stdout)['engine'])
        with open(unpacked, 'rb') as f:
            self.assertEqual(self.plain, f.read())

    def test_human_summary(self):
        result = run_cli('compress', self.src, self.tmp.join('x.gz'),
                         '--engine', 'stdlib', '--level', '9')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertRegex(result.stdout,
                         r'compress gzip: %d -> \d+ bytes in .* engine stdlib'
                         % len(self.plain))

    def _assert_fails_cleanly(self, payload, *extra):
        bad, out = self.tmp.join('bad.gz'), self.tmp.join('out')
        with open(bad, 'wb') as f:
            f.write(payload)
        result = run_cli('decompress', bad, out, *extra)
        self.assertEqual(1, result.returncode)
        self.assertEqual(1, len(result.stderr.strip().splitlines()),
                         result.stderr)
        self.assertNotIn('Traceback', result.stderr)
        self.assertEqual(['bad.gz', 'disk.raw'], sorted(os.listdir(
            self.tmp.path)))
        return result.stderr

    def test_truncated_input(self):
        payload = gzip.compress(self.plain)[:-100]
        err = self._assert_fails_cleanly(payload)
        self.assertIn('corrupt compressed data (gzip): truncated', err)

    def test_garbage_input(self):
        err = self._assert_fails_cleanly(b'this is not compressed' * 100)
        self.assertIn('not compressed data', err)

    def test_bomb_stops_at_max_size(self):
        payload = gzip.compress(bytes(64 * 1024 * 1024))
        err = self._assert_fails_cleanly(payload, '--max-size', '1000000')
        self.assertIn('exceeds the limit of 1000000 bytes', err)

    def test_missing_source(self):
        result = run_cli('compress', self.tmp.join('nope'),
                         self.tmp.join('out.gz'))
        self.assertEqual(1, result.returncode)
        self.assertIn('No such file', result.stderr)
        self.assertFalse(os.path.exists(self.tmp.join('out.gz')))

    def test_unknown_engine(self):
        result = run_cli('compress', self.src, self.tmp.join('o.gz'),
                         '--engine', 'warp')
        self.assertEqual(1, result.returncode)
        self.assertIn('warp: not installed', result.stderr)

    def test_zstd_round_trip_with_the_zstd_command(self):
        packed, unpacked = self.tmp.join('d.zst'), self.tmp.join('d.out')
        result = run_cli('compress', self.src, packed, '--format', 'zstd',
                         '--json')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual('zstd', json.loads(result.stdout)['engine'])
        by_cli = subprocess.run(['zstd', '-dc', packed],
                                stdout=subprocess.PIPE, check=True).stdout
        self.assertEqual(self.plain, by_cli)
        result = run_cli('decompress', packed, unpacked, '--json')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual('zstd', json.loads(result.stdout)['format'])
        with open(unpacked, 'rb') as f:
            self.assertEqual(self.plain, f.read())
