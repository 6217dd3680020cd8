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

"""Restart from byte 0 on the next engine; never splice; obey the policy."""

import gzip
import os

import fixtures
from oslo_config import fixture as config_fixture
import testtools

from glance_accel_import.engines import fallback
from glance_accel_import.engines import manager
from glance_accel_import.engines import qat
from glance_accel_import.engines import stdlib
from glance_accel_import import exception
from glance_accel_import import formats
from glance_accel_import import opts
from glance_accel_import import streams
from tests.unit import data
from tests.unit import engine_set
from tests.unit import qat_fakes


class _BreaksHalfway(stdlib.StdlibEngine):
    """A real gzip engine that writes some output and then breaks down."""

    def __init__(self, name, hardware, error=None):
        self.name, self.hardware = name, hardware
        self.error = error or exception.EngineFailed(name, 'device reset')

    def compress(self, fmt, level, reader, sink, chunk_size):
        sink.write(b'\x1f\x8b partial output of a broken engine')
        raise self.error


class FallbackRunTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.conf = self.useFixture(config_fixture.Config()).conf
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.src = os.path.join(self.dir, 'src')
        self.path = os.path.join(self.dir, 'work')
        self.plain = data.real_bytes(512 * 1024)
        with open(self.src, 'wb') as f:
            f.write(self.plain)
        self.attempts = []

    def stream(self, engine, out):
        # Every attempt must start on an empty, fresh file.
        self.attempts.append((engine.name, os.fstat(out.fileno()).st_size,
                              out.tell()))
        return streams.compress_file(engine, formats.GZIP, 1, self.src, out,
                                     64 * 1024)

    def run_with(self, engines, order, policy='prefer_hardware'):
        self.conf.set_override('engine_order', order,
                               group=opts.ENGINE_GROUP)
        self.conf.set_override('fallback_policy', policy,
                               group=opts.ENGINE_GROUP)
        return fallback.run(manager.COMPRESS, formats.GZIP,
                            engine_set.load(engines), self.path, self.stream)

    def alone(self, engine):
        """What ``engine`` writes for the same job when nothing fails."""
        path = self.path + '.alone'
        with open(path, 'w+b') as out:
            self.stream(engine, out)
            out.seek(0)
            return out.read()

    def stored(self):
        with open(self.path, 'rb') as f:
            return f.read()

    def test_restarts_from_byte_zero_on_the_next_engine(self):
        engines = {'hw': _BreaksHalfway('hw', True),
                   'stdlib': stdlib.StdlibEngine()}
        outcome = self.run_with(engines, ['hw', 'stdlib'])
        self.assertEqual('stdlib', outcome.engine.name)
        self.assertEqual('stdlib', outcome.result.engine)
        self.assertEqual([('hw', 0, 0), ('stdlib', 0, 0)], self.attempts)
        # Exactly the second engine's own output: nothing of the first.
        self.assertEqual(self.alone(engines['stdlib']), self.stored())
        self.assertIn('engine hw failed: device reset', outcome.why())
        self.assertEqual(['hw'], [f.engine for f in outcome.failures])

    def test_hardware_only_fails_clearly_and_leaves_no_file(self):
        engines = {'hw': _BreaksHalfway('hw', True),
                   'stdlib': stdlib.StdlibEngine()}
        exc = self.assertRaises(exception.NoEngineAvailable, self.run_with,
                                engines, ['hw', 'stdlib'], 'hardware_only')
        self.assertIn('stdlib: software engine, and fallback_policy is '
                      'hardware_only', str(exc))
        self.assertIn('hw: engine hw failed: device reset', str(exc))
        self.assertFalse(os.path.exists(self.path))

    def test_data_errors_are_not_retried(self):
        bad_data = exception.CorruptCompressedData('gzip', 'bad')
        engines = {'hw': _BreaksHalfway('hw', True, bad_data),
                   'stdlib': stdlib.StdlibEngine()}
        self.assertRaises(exception.CorruptCompressedData, self.run_with,
                          engines, ['hw', 'stdlib'])
        self.assertEqual(['hw'], [name for name, _, _ in self.attempts])
        self.assertFalse(os.path.exists(self.path))

    def test_leftover_from_an_earlier_run_is_discarded(self):
        with open(self.path, 'wb') as f:
            f.write(b'stale bytes from a crashed import')
        outcome = self.run_with({'stdlib': stdlib.StdlibEngine()},
                                ['stdlib'])
        self.assertEqual('first choice', outcome.why())
        self.assertEqual(self.plain, gzip.decompress(self.stored()))

    def test_forced_engine_does_not_fall_back(self):
        engines = {'hw': _BreaksHalfway('hw', True),
                   'stdlib': stdlib.StdlibEngine()}
        self.conf.set_override('engine_order', ['hw', 'stdlib'],
                               group=opts.ENGINE_GROUP)
        exc = self.assertRaises(
            exception.NoEngineAvailable, fallback.run, manager.COMPRESS,
            formats.GZIP, engines, self.path, self.stream, forced='hw')
        self.assertIn('engine hw failed', str(exc))

    def test_qat_on_fake_host_falls_back_to_software(self):
        self.useFixture(qat_fakes.ReadyQat(fail='midstream'))
        engines = {'qat': qat.QatEngine(), 'stdlib': stdlib.StdlibEngine()}
        outcome = self.run_with(engines, [])  # the default order
        self.assertEqual([('qat', 0, 0), ('stdlib', 0, 0)], self.attempts)
        self.assertEqual('stdlib', outcome.result.engine)
        self.assertEqual(self.alone(engines['stdlib']), self.stored())
        self.assertIn('device gone', outcome.why())

    def test_qat_software_fallback_is_refused_under_hardware_only(self):
        self.useFixture(qat_fakes.ReadyQat(hardware=False))
        engines = {'qat': qat.QatEngine(), 'stdlib': stdlib.StdlibEngine()}
        exc = self.assertRaises(exception.NoEngineAvailable, self.run_with,
                                engines, [], 'hardware_only')
        self.assertIn('qat: engine qat failed: qzip found no usable QAT '
                      'device and fell back to software', str(exc))

    def test_working_qat_does_the_job(self):
        self.useFixture(qat_fakes.ReadyQat())
        engines = {'qat': qat.QatEngine(), 'stdlib': stdlib.StdlibEngine()}
        outcome = self.run_with(engines, [], 'hardware_only')
        self.assertEqual('qat', outcome.result.engine)
        self.assertEqual(self.plain, gzip.decompress(self.stored()))
        self.assertIn(b'QZ', self.stored()[12:14])
