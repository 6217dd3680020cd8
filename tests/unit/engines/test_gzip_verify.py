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

"""GzipVerifier: tool output must decode to exactly the input."""

import gzip
import zlib

import testscenarios
import testtools

from glance_accel_import.engines import gzip_verify
from glance_accel_import import exception
from glance_accel_import import opts
from tests.unit import data


class VerifierTest(testscenarios.WithScenarios, testtools.TestCase):

    scenarios = [('zlib', {'module': zlib}),
                 ('fast', {'module': None})]

    def setUp(self):
        super().setUp()
        self.plain = data.real_bytes(300000) + bytes(2 * 1024 * 1024)
        self.payload = data.multi_member_gzip(self.plain, 4)

    def verify(self, payload, plain=None, step=7000):
        plain = self.plain if plain is None else plain
        verifier = gzip_verify.GzipVerifier('tool', self.module)
        for i in range(0, len(payload), step):
            verifier.feed(payload[i:i + step])
        verifier.finish(len(plain), zlib.crc32(plain))
        return verifier

    def assertFails(self, text, payload, plain=None):
        exc = self.assertRaises(exception.EngineFailed, self.verify, payload,
                                plain)
        self.assertEqual('tool', exc.engine)
        self.assertIn(text, str(exc))

    def test_multi_member_in_small_pieces(self):
        verifier = self.verify(self.payload)
        self.assertEqual(4, verifier.members)
        self.assertEqual(len(self.plain), verifier.length)

    def test_empty_member(self):
        self.assertEqual(1, self.verify(gzip.compress(b''), b'').members)

    def test_nothing_written(self):
        self.assertFails('wrote no gzip member', b'', b'')

    def test_truncated(self):
        self.assertFails('output ends inside gzip member 4',
                         self.payload[:-3])

    def test_member_missing(self):
        first = gzip.compress(self.plain[:1000])
        self.assertFails('decodes to 1000 bytes, input was %d'
                         % len(self.plain), first)

    def test_same_length_other_data(self):
        other = bytes(len(self.plain))
        self.assertFails('CRC32', gzip.compress(other))

    def test_trailing_bytes(self):
        # zlib rejects the header at once; ISA-L waits for more of it.
        self.assertFails('member 5', self.payload + b'\0\0')
        self.assertFails('invalid gzip (member 5)', self.payload + b'junk' * 5)


class EngineOptionsTest(testtools.TestCase):

    def test_engine_options_reach_the_sample(self):
        groups = dict(opts.list_opts())
        self.assertEqual(
            ['qzip_path', 'hw_buffer_size', 'output_format', 'stall_timeout',
             'sysfs_root', 'dev_root'],
            [o.name for o in groups['accel_qat']])
