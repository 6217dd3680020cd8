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

"""The qat engine against the fake qzip: its output, command line, failures.

The fake qzip (tests/fakes/bin/qzip) reproduces the real tool's behaviour;
tests/unit/engines/test_qat_real_qzip.py checks the same things against the
real tool where Debian ships it. ``QatContractTest`` runs the engine contract
(tests/unit/engines/test_contract.py) on the same fake host: the device is
faked at the lowest level (sysfs tree, device nodes, a qzip that behaves like
the real one); the engine, its probe, its streaming and its verification are
the real code.
"""

import gzip
import io
import json
import os
import struct
import subprocess
from unittest import mock
import zlib

import fixtures
from oslo_config import cfg
import testscenarios
import testtools

from glance_accel_import.engines import base
from glance_accel_import.engines import qat
from glance_accel_import import exception
from glance_accel_import import formats
from glance_accel_import import streams
from tests import paths
from tests.unit import data
from tests.unit.engines import test_contract as contract
from tests.unit import qat_fakes

CHUNK = 64 * 1024


def compress(engine, plain, level=1):
    out = io.BytesIO()
    engine.compress(formats.GZIP, level, streams.Reader(io.BytesIO(plain)),
                    streams.Sink(out), CHUNK)
    return out.getvalue()


def gzip_members(payload):
    """Split a gzip stream into (header flags, extra field, member bytes)."""
    members = []
    while payload:
        decoder = zlib.decompressobj(31)
        decoder.decompress(payload)
        assert decoder.eof, 'truncated member'
        size = len(payload) - len(decoder.unused_data)
        member, payload = payload[:size], decoder.unused_data
        flags = member[3]
        extra = b''
        if flags & 0x04:
            (xlen,) = struct.unpack('<H', member[10:12])
            extra = member[12:12 + xlen]
        members.append((flags, extra, member))
    return members


class OutputTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.log = self.useFixture(fixtures.TempDir()).join('argv')
        self.ready = self.useFixture(qat_fakes.ReadyQat(log=self.log))
        self.engine = qat.QatEngine()
        self.plain = data.real_bytes(300 * 1024) + bytes(200 * 1024)

    def test_gzipext_members_every_reader_decodes(self):
        packed = compress(self.engine, self.plain)
        members = gzip_members(packed)
        # One member per 64 KiB hardware buffer, each with QATzip's 'QZ'
        # extra subfield recording that member's input size.
        self.assertEqual(-(-len(self.plain) // (64 * 1024)), len(members))
        total = 0
        for flags, extra, member in members:
            self.assertTrue(flags & 0x04)
            self.assertEqual(b'QZ', extra[:2])
            (src_size,) = struct.unpack('<I', extra[4:8])
            self.assertEqual(len(gzip.decompress(member)), src_size)
            total += src_size
        self.assertEqual(len(self.plain), total)
        self.assertEqual(self.plain, gzip.decompress(packed))
        self.assertEqual(self.plain, subprocess.run(
            ['gzip', '-dc'], input=packed, stdout=subprocess.PIPE,
            check=True).stdout)
        # Why the pump restarts a decoder per member: one zlib object stops
        # after the first member.
        self.assertEqual(64 * 1024,
                         len(zlib.decompressobj(31).decompress(packed)))

    def test_plain_gzip_framing_and_buffer_size(self):
        self.ready.conf.set_override('output_format', 'gzip',
                                     group=qat_fakes.GROUP)
        self.ready.conf.set_override('hw_buffer_size', 128 * 1024,
                                     group=qat_fakes.GROUP)
        packed = compress(self.engine, self.plain)
        members = gzip_members(packed)
        self.assertEqual(4, len(members))
        self.assertEqual({0}, {flags for flags, _, _ in members})
        self.assertEqual(self.plain, gzip.decompress(packed))

    def test_command_line(self):
        compress(self.engine, b'x' * 1000, level=6)
        with open(self.log) as f:
            argv = [json.loads(line) for line in f]
        self.assertEqual([['-L', '6', '-C', '65536', '-O', 'gzipext']],
                         argv)

    def test_levels_change_the_output(self):
        self.assertLess(len(compress(self.engine, self.plain, 9)),
                        len(compress(self.engine, self.plain, 1)))


class FailureTest(testscenarios.WithScenarios, testtools.TestCase):
    """Every way qzip can fail is an EngineFailed that says what happened."""

    scenarios = [
        ('init', {'mode': 'init', 'hardware': True,
                  'expect': ['qzip exited with status 1',
                             'QAT init failed']}),
        ('device-gone-midstream', {'mode': 'midstream', 'hardware': True,
                                   'expect': ['status 1', 'device gone']}),
        ('killed', {'mode': 'killed', 'hardware': True,
                    'expect': ['qzip was killed by signal 9']}),
        ('device-hangs', {'mode': 'hang', 'hardware': True,
                          'expect': ['qzip made no progress for 2 s',
                                     'and was killed']}),
        ('truncated', {'mode': 'truncate', 'hardware': True,
                       'expect': ['output ends inside gzip member 7']}),
        ('bad-crc', {'mode': 'bad_crc', 'hardware': True,
                     'expect': ['invalid gzip (member 1)']}),
        ('bad-length', {'mode': 'bad_length', 'hardware': True,
                        'expect': ['invalid gzip (member 1)']}),
        ('dropped-member', {'mode': 'drop_member', 'hardware': True,
                            'expect': ['output decodes to 393216 bytes, '
                                       'input was 458752']}),
        ('trailing-junk', {'mode': 'garbage', 'hardware': True,
                           'expect': ['invalid gzip (member 8)']}),
        ('software-fallback', {'mode': None, 'hardware': False,
                               'expect': ['fell back to software',
                                          'switch to SW']}),
    ]

    def test_failure_is_reported(self):
        ready = self.useFixture(qat_fakes.ReadyQat(fail=self.mode,
                                                   hardware=self.hardware))
        if self.mode == 'hang':
            ready.conf.set_override('stall_timeout', 2,
                                    group=qat_fakes.GROUP)
        engine = qat.QatEngine()
        self.assertTrue(engine.probe().available)
        plain = data.real_bytes(7 * 64 * 1024)
        exc = self.assertRaises(exception.EngineFailed, compress, engine,
                                plain)
        self.assertEqual('qat', exc.engine)
        for text in self.expect:
            self.assertIn(text, str(exc))


class ProbeTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.ready = self.useFixture(qat_fakes.ReadyQat())
        self.engine = qat.QatEngine()

    def override(self, **kwargs):
        for name, value in kwargs.items():
            self.ready.conf.set_override(name, value, group=qat_fakes.GROUP)

    def test_ready(self):
        probe = self.engine.probe()
        self.assertEqual((True, True), (probe.available, probe.hardware))
        self.assertIn('2 QAT VF(s) on vfio-pci (4xxx)', probe.reason)
        self.assertIn(qat_fakes.FAKE_QZIP, probe.reason)

    def test_qzip_without_device_is_not_qat(self):
        empty = self.useFixture(qat_fakes.FakeQatHost())
        self.override(sysfs_root=empty.sysfs, dev_root=empty.dev)
        probe = self.engine.probe()
        self.assertFalse(probe.available)
        self.assertIn('no Intel QAT PCI device', probe.reason)
        self.assertIn('%s is installed but without a device it would only '
                      'compress in software' % qat_fakes.FAKE_QZIP,
                      probe.reason)

    def test_device_without_qzip(self):
        self.override(qzip_path='/nonexistent/qzip')
        probe = self.engine.probe()
        self.assertFalse(probe.available)
        self.assertIn('qzip (/nonexistent/qzip) is not installed: install '
                      'the qatzip package', probe.reason)

    def test_qzip_found_on_path(self):
        self.override(qzip_path='qzip')
        self.useFixture(fixtures.EnvironmentVariable(
            'PATH', paths.FAKE_BIN + os.pathsep + os.environ['PATH']))
        self.assertTrue(self.engine.probe().available)
        self.assertEqual(qat_fakes.FAKE_QZIP, self.engine.qzip())

    def test_qzip_vanishes_before_the_job(self):
        self.override(qzip_path='/nonexistent/qzip')
        exc = self.assertRaises(exception.EngineFailed, compress,
                                self.engine, b'data')
        self.assertIn('cannot run /nonexistent/qzip', str(exc))

    def test_compress_only(self):
        self.assertEqual(frozenset(), self.engine.reads)
        self.assertRaises(exception.UnsupportedCompression,
                          self.engine.decompress, formats.GZIP, None, None,
                          CHUNK)

    def test_a_tool_engine_is_not_a_codec_engine(self):
        # qat streams through qzip: it has no encoder or decoder to stub.
        self.assertNotIsInstance(self.engine, base.CodecEngine)
        self.assertFalse(hasattr(self.engine, 'new_encoder'))

    def test_options_registered_once_at_load(self):
        engine = qat.QatEngine()
        with mock.patch.object(cfg.CONF, 'register_opts') as register:
            for _ in range(3):
                engine.conf.qzip_path
        register.assert_not_called()


class SourceErrorTest(testtools.TestCase):

    def test_source_read_error_is_not_an_engine_failure(self):
        self.useFixture(qat_fakes.ReadyQat())

        class BrokenSource(io.RawIOBase):
            def readinto(self, buffer):
                raise OSError(5, 'Input/output error')

        exc = self.assertRaises(
            OSError, qat.QatEngine().compress, formats.GZIP, 1,
            streams.Reader(BrokenSource()), streams.Sink(io.BytesIO()),
            CHUNK)
        self.assertNotIsInstance(exc, exception.EngineFailed)
        self.assertIn('Input/output error', str(exc))


class QatContractTest(contract.EngineContractTest):
    """The qat engine passes the engine contract on a fake QAT host."""

    scenarios = [('qat-on-fake-host', {'engine_name': 'qat',
                                       'fmt': formats.GZIP})]

    def setUp(self):
        self.useFixture(qat_fakes.ReadyQat())
        super().setUp()
        self.assertTrue(self.engine.probe().available)
