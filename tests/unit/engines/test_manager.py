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

"""Engine loading and selection: order, fallback policy, forced engines,
reasons, and what loading leaves alone in glance-api."""

import os

import fixtures
# Registers glance-api's options (enabled_backends among them).
from glance.common import config  # noqa: F401
import glance_store
from glance_store import multi_backend
from oslo_config import cfg
from oslo_config import fixture as config_fixture
import testtools

from glance_accel_import.engines import base
from glance_accel_import.engines import manager
from glance_accel_import.engines import stdlib
from glance_accel_import import exception
from glance_accel_import import formats
from glance_accel_import import opts
from tests.unit import engine_set


class _TestEngine(stdlib.StdlibEngine):
    """A real gzip engine whose probe result the test chooses."""

    def __init__(self, name, available=True, hardware=False):
        self.name = name
        self.hardware = hardware
        self._probe = base.Probe(available, hardware,
                                 'ready' if available else 'no device')

    def probe(self):
        return self._probe


class SelectTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.conf = self.useFixture(config_fixture.Config()).conf
        self.engines = engine_set.load({
            'hw': _TestEngine('hw', available=True, hardware=True),
            'deadhw': _TestEngine('deadhw', available=False, hardware=True),
            'sw': _TestEngine('sw'),
        })

    def order(self, *names, policy='prefer_hardware'):
        self.conf.set_override('engine_order', list(names),
                               group=opts.ENGINE_GROUP)
        self.conf.set_override('fallback_policy', policy,
                               group=opts.ENGINE_GROUP)

    def select(self, **kwargs):
        return manager.select(manager.COMPRESS, formats.GZIP, self.engines,
                              **kwargs)

    def test_first_available_in_order(self):
        self.order('deadhw', 'hw', 'sw')
        self.assertEqual('hw', self.select().name)
        self.order('sw', 'hw')
        self.assertEqual('sw', self.select().name)

    def test_falls_back_to_software(self):
        self.order('missing', 'deadhw', 'sw')
        self.assertEqual('sw', self.select().name)

    def test_hardware_only_means_hardware_or_error(self):
        self.order('deadhw', 'sw', policy='hardware_only')
        exc = self.assertRaises(exception.NoEngineAvailable, self.select)
        self.assertIn('deadhw: unavailable: no device', str(exc))
        self.assertIn('sw: software engine, and fallback_policy is '
                      'hardware_only', str(exc))
        self.order('deadhw', 'sw', 'hw', policy='hardware_only')
        self.assertEqual('hw', self.select().name)

    def test_software_only_skips_ready_hardware(self):
        self.order('hw', 'sw', policy='software_only')
        self.assertEqual('sw', self.select().name)
        self.order('hw', policy='software_only')
        exc = self.assertRaises(exception.NoEngineAvailable, self.select)
        self.assertIn('hw: hardware engine, and fallback_policy is '
                      'software_only', str(exc))

    def test_candidates_in_order_with_reasons(self):
        self.order('deadhw', 'hw', 'missing', 'sw')
        usable, reasons = manager.candidates(manager.COMPRESS, formats.GZIP,
                                             self.engines)
        self.assertEqual(['hw', 'sw'], [e.name for e in usable])
        self.assertEqual(['deadhw: unavailable: no device',
                          'missing: not installed'], reasons)

    def test_reasons_name_missing_engines(self):
        self.order('qat', 'deadhw')
        exc = self.assertRaises(exception.NoEngineAvailable, self.select)
        self.assertIn('qat: not installed', str(exc))

    def test_format_not_handled(self):
        self.order('sw')
        exc = self.assertRaises(exception.NoEngineAvailable, manager.select,
                                manager.COMPRESS, formats.XZ, self.engines)
        self.assertIn('cannot compress xz', str(exc))
        self.assertEqual('sw', manager.select(manager.DECOMPRESS, formats.XZ,
                                              self.engines).name)

    def test_forced_engine_ignores_order_and_policy(self):
        self.order('hw', policy='hardware_only')
        self.assertEqual('sw', self.select(forced='sw').name)
        self.assertRaises(exception.NoEngineAvailable, self.select,
                          forced='deadhw')
        self.assertRaises(exception.NoEngineAvailable, self.select,
                          forced='nope')


class LoadTest(testtools.TestCase):

    def test_entry_points_load_real_engines(self):
        engines = manager.load_engines()
        self.assertIn('isal', engines)
        self.assertIn('stdlib', engines)
        for name, engine in engines.items():
            self.assertIsInstance(engine, base.Engine)
            self.assertEqual(name, engine.name)
            self.assertTrue(engine.reads or engine.writes)

    def test_describe(self):
        statuses = manager.describe(manager.load_engines())
        by_name = {s.name: s for s in statuses}
        self.assertTrue(by_name['stdlib'].available)
        self.assertFalse(by_name['stdlib'].hardware)
        self.assertIn('gzip', by_name['isal'].writes)
        self.assertEqual(sorted(by_name), [s.name for s in statuses])

    def test_isal_probe_without_the_package(self):
        from glance_accel_import.engines import isal
        self.useFixture(fixtures.MonkeyPatch(
            'glance_accel_import.engines.isal.isal_zlib', None))
        probe = isal.IsalEngine().probe()
        self.assertFalse(probe.available)
        self.assertIn('isal is not installed', probe.reason)


class DefaultOrderTest(testtools.TestCase):

    def test_hardware_first_then_fastest_software(self):
        self.useFixture(config_fixture.Config())
        engines = dict(manager.load_engines())
        engines.pop('qat')  # its probe depends on the host: tested below
        engines['hw'] = _TestEngine('hw', hardware=True)
        self.assertEqual(['hw', 'isal', 'zstd', 'stdlib'],
                         manager.default_order(engines))
        self.assertEqual('hw', manager.select(
            manager.COMPRESS, formats.GZIP, engines).name)
        del engines['hw']
        self.assertEqual('isal', manager.select(
            manager.COMPRESS, formats.GZIP, engines).name)

    def test_qat_comes_first_among_installed_engines(self):
        self.assertEqual(['qat', 'isal', 'zstd', 'stdlib'],
                         manager.default_order(manager.load_engines()))

    def test_without_qat_hardware_software_does_the_work(self):
        self.useFixture(config_fixture.Config())
        engines = manager.load_engines()
        probe = engines['qat'].probe()
        if probe.available:
            self.skipTest('this host has a working QAT device')
        usable, reasons = manager.candidates(manager.COMPRESS, formats.GZIP,
                                             engines)
        self.assertEqual('isal', usable[0].name)
        self.assertEqual(['qat: unavailable: %s' % probe.reason], reasons)
        self.assertIn('QAT', probe.reason)


class LoadingKeepsGlanceConfigTest(testtools.TestCase):
    """Loading the engines again, as every import task does, must leave
    glance-api's configuration cache alone.

    glance_store adds its reserved stores to the cached ``enabled_backends``
    dict; oslo.config empties its cache on every ``register_opts``, and a
    rebuilt dict changed size under ``multi_backend.delete``'s own loop
    when a reverted web-download deleted its file (a flaky functional test
    showed it: the image could not be imported again).
    """

    def setUp(self):
        super().setUp()
        conf = self.useFixture(config_fixture.Config(cfg.CONF)).conf
        # The first load registers every engine's options, as glance-api's
        # first import does; the stores come up as glance-api sets them up.
        manager.load_engines()
        reserved = {'os_glance_staging_store': 'file',
                    'os_glance_tasks_store': 'file'}
        conf.set_override('enabled_backends', {'fast': 'file'})
        glance_store.register_store_opts(conf, reserved_stores=reserved)
        self.tmp = self.useFixture(fixtures.TempDir()).path
        conf.set_override('default_backend', 'fast', group='glance_store')
        for store in ['fast'] + list(reserved):
            conf.set_override('filesystem_store_datadir', self.tmp,
                              group=store)
        glance_store.create_multi_stores(conf, reserved_stores=reserved)
        # Any store lookup (glance-api makes them all the time) adds the
        # reserved stores to the cached dict.
        multi_backend.get_store_from_store_identifier('fast')
        self.assertIn('os_glance_staging_store', conf.enabled_backends)

    def test_store_delete_after_engines_loaded_again(self):
        manager.load_engines()  # a later import task
        # What Glance's web-download revert does with a download another
        # revert already removed: the first store says NotFound, the loop
        # goes on to the next store, and glance_store gives up cleanly.
        gone = os.path.join(self.tmp, 'already-deleted')
        self.assertRaises(glance_store.exceptions.NotFound,
                          multi_backend.delete, 'file://' + gone, None)
