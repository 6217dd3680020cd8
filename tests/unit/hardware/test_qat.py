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

"""The QAT hardware probe against fake sysfs and /dev trees."""

import os

import testscenarios
import testtools

from glance_accel_import.hardware import qat
from tests.unit import qat_fakes

# Every family the probe knows, as (PF ID, VF ID, kernel driver).
FAMILIES = [
    ('dh895xcc', '0x0435', '0x0443', 'dh895xcc'),
    ('c62x', '0x37c8', '0x37c9', 'c6xx'),
    ('c3xxx', '0x19e2', '0x19e3', 'c3xxx'),
    ('4xxx', '0x4940', '0x4941', '4xxx'),
    ('401xx', '0x4942', '0x4943', '4xxx'),
    ('402xx', '0x4944', '0x4945', '4xxx'),
    ('420xx', '0x4946', '0x4947', '420xx'),
    ('6xxx', '0x4948', '0x4949', '6xxx'),
]


class FamilyTest(testscenarios.WithScenarios, testtools.TestCase):
    """Each family is found and ready, through qatlib and the OOT driver."""

    scenarios = [(family, {'family': family, 'pf_id': pf, 'vf_id': vf,
                           'driver': driver})
                 for family, pf, vf, driver in FAMILIES]

    def setUp(self):
        super().setUp()
        self.host = self.useFixture(qat_fakes.FakeQatHost())

    def probe(self):
        return qat.probe(self.host.sysfs, self.host.dev)

    def test_qatlib_with_vfio_vfs(self):
        self.host.add_qatlib_device(self.pf_id, self.vf_id, self.driver)
        report = self.probe()
        self.assertTrue(report.ready, report.reason)
        self.assertIn('2 QAT VF(s) on vfio-pci (%s)' % self.family,
                      report.reason)
        self.assertEqual(
            [os.path.join(self.host.dev, 'vfio', n)
             for n in ('100', '101', 'vfio')],
            list(report.device_nodes))
        self.assertEqual({(self.family, False), (self.family, True)},
                         {(f.family, f.virtual) for f in report.functions})

    def test_out_of_tree_driver(self):
        self.host.add_out_of_tree_device(self.pf_id, self.driver)
        report = self.probe()
        self.assertTrue(report.ready, report.reason)
        self.assertIn('out-of-tree driver', report.reason)
        self.assertIn(os.path.join(self.host.dev, 'usdm_drv'),
                      report.device_nodes)


class BrokenHostTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.host = self.useFixture(qat_fakes.FakeQatHost())

    def assertNotReady(self, *expected):
        report = qat.probe(self.host.sysfs, self.host.dev)
        self.assertFalse(report.ready)
        for text in expected:
            self.assertIn(text, report.reason)
        return report

    def test_no_device_at_all(self):
        self.assertNotReady('no Intel QAT PCI device',
                            self.host.devices)

    def test_missing_sysfs(self):
        report = qat.probe('/nonexistent-sysfs', self.host.dev)
        self.assertFalse(report.ready)
        self.assertIn('/nonexistent-sysfs/bus/pci/devices', report.reason)

    def test_other_vendor_and_unknown_intel_devices_are_not_qat(self):
        self.host.add_function('0000:00:02.0', '0x4940', vendor='0x1022',
                               driver='ccp')
        self.host.add_function('0000:00:1f.0', '0x1234', driver='lpc_ich')
        self.assertNotReady('no Intel QAT PCI device')

    def test_no_driver_bound(self):
        self.host.add_function('0000:6b:00.0', '0x4940')
        self.assertNotReady('4xxx 0000:6b:00.0: no driver bound')

    def test_compression_service_off(self):
        self.host.add_qatlib_device(services='sym;asym')
        self.assertNotReady('compression service off',
                            'cfg_services=sym;asym, needs dc')

    def test_device_down(self):
        self.host.add_qatlib_device(state='down')
        self.assertNotReady('device state is down')

    def test_one_good_device_is_enough(self):
        self.host.add_qatlib_device(bus='6b', state='down')
        self.host.add_qatlib_device(bus='70', first_group=200)
        report = qat.probe(self.host.sysfs, self.host.dev)
        self.assertTrue(report.ready, report.reason)
        # Only the VFs of the device that is up count.
        self.assertIn('2 QAT VF(s)', report.reason)
        self.assertIn(os.path.join(self.host.dev, 'vfio', '200'),
                      report.device_nodes)

    def test_no_vfs(self):
        self.host.add_qatlib_device(vfs=0)
        self.assertNotReady('0000:6b:00.0 can compress but have no virtual '
                            'functions', 'qatlib needs VFs bound to vfio-pci')

    def test_vfs_on_the_kernel_vf_driver(self):
        self.host.add_qatlib_device(vf_driver='4xxxvf', vfio_nodes=False)
        self.assertNotReady('VF 0000:6b:00.1 is bound to 4xxxvf, not '
                            'vfio-pci')

    def test_vfs_with_no_driver(self):
        self.host.add_qatlib_device(vf_driver=None, vfio_nodes=False)
        self.assertNotReady('is bound to no driver')

    def test_vfio_node_missing(self):
        self.host.add_qatlib_device(vfio_nodes=False)
        self.assertNotReady(os.path.join(self.host.dev, 'vfio', '100') +
                            ' is missing')

    def test_vfio_container_missing(self):
        self.host.add_qatlib_device()
        os.remove(os.path.join(self.host.dev, 'vfio', 'vfio'))
        self.assertNotReady(os.path.join(self.host.dev, 'vfio', 'vfio'))

    def test_out_of_tree_driver_without_usdm(self):
        self.host.add_out_of_tree_device()
        os.remove(os.path.join(self.host.dev, 'usdm_drv'))
        self.assertNotReady('out-of-tree QAT driver',
                            'usdm_drv is missing')

    def test_passed_through_vf_without_its_pf(self):
        # A guest sees only the VF handed to it, with no physfn link.
        self.host.add_function('0000:00:05.0', '0x4941', driver='vfio-pci',
                               iommu_group=7)
        self.host.add_node('vfio', '7')
        self.host.add_node('vfio', 'vfio')
        report = qat.probe(self.host.sysfs, self.host.dev)
        self.assertTrue(report.ready, report.reason)

    @testtools.skipIf(os.getuid() == 0,
                      'running as root: every device node is accessible, '
                      'so a permission problem cannot be shown')
    def test_node_without_permission(self):
        self.host.add_qatlib_device()
        os.chmod(os.path.join(self.host.dev, 'vfio', '100'), 0o600)
        os.chmod(os.path.join(self.host.dev, 'vfio', '101'), 0o000)
        self.assertNotReady('is not readable and writable by this user')
