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

"""Fake QAT hosts for tests: a sysfs and /dev tree, and the fake qzip.

The hardware cannot exist here, so it is faked at the lowest level the code
reads: files and symlinks laid out as the kernel lays out sysfs, device nodes
as plain files, and a qzip executable (``tests/fakes/bin/qzip``) that behaves
like the real tool. Everything above that is the real code.
"""

import os

import fixtures
from oslo_config import cfg
from oslo_config import fixture as config_fixture

from glance_accel_import.engines import qat
from tests import paths

FAKE_QZIP = os.path.join(paths.FAKE_BIN, 'qzip')
GROUP = qat.QatEngine.option_group()


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text + '\n')


class FakeQatHost(fixtures.Fixture):
    """An empty host tree; ``add_*`` methods put devices in it."""

    def _setUp(self):
        root = self.useFixture(fixtures.TempDir()).path
        self.sysfs = os.path.join(root, 'sys')
        self.dev = os.path.join(root, 'dev')
        self.devices = os.path.join(self.sysfs, 'bus', 'pci', 'devices')
        for path in (self.devices, self.dev):
            os.makedirs(path)

    def add_function(self, address, device_id, vendor='0x8086', driver=None,
                     state=None, services=None, iommu_group=None,
                     parent=None):
        path = os.path.join(self.devices, address)
        _write(os.path.join(path, 'vendor'), vendor)
        _write(os.path.join(path, 'device'), device_id)
        if driver:
            target = os.path.join(self.sysfs, 'bus', 'pci', 'drivers',
                                  driver)
            os.makedirs(target, exist_ok=True)
            os.symlink(target, os.path.join(path, 'driver'))
        if state is not None:
            _write(os.path.join(path, 'qat', 'state'), state)
        if services is not None:
            _write(os.path.join(path, 'qat', 'cfg_services'), services)
        if iommu_group is not None:
            target = os.path.join(self.sysfs, 'kernel', 'iommu_groups',
                                  str(iommu_group))
            os.makedirs(target, exist_ok=True)
            os.symlink(target, os.path.join(path, 'iommu_group'))
        if parent is not None:
            os.symlink(os.path.join('..', parent),
                       os.path.join(path, 'physfn'))
        return path

    def add_node(self, *parts):
        path = os.path.join(self.dev, *parts)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, 'w').close()
        return path

    def add_qatlib_device(self, pf_id='0x4940', vf_id='0x4941',
                          driver='4xxx', bus='6b', vfs=2, state='up',
                          services='sym;dc', vf_driver='vfio-pci',
                          vfio_nodes=True, first_group=100):
        """A Gen4-style PF with ``vfs`` VFs, as qatlib expects it."""
        pf = '0000:%s:00.0' % bus
        self.add_function(pf, pf_id, driver=driver, state=state,
                          services=services)
        for i in range(vfs):
            group = first_group + i
            self.add_function('0000:%s:00.%d' % (bus, i + 1), vf_id,
                              driver=vf_driver, iommu_group=group,
                              parent=pf)
            if vfio_nodes:
                self.add_node('vfio', str(group))
        if vfio_nodes and vfs:
            self.add_node('vfio', 'vfio')
        return pf

    def add_out_of_tree_device(self, pf_id='0x37c8', driver='c6xx',
                               bus='3d'):
        """An older PF driven by Intel's out-of-tree package."""
        pf = '0000:%s:00.0' % bus
        self.add_function(pf, pf_id, driver=driver)
        self.add_node('qat_adf_ctl')
        self.add_node('usdm_drv')
        return pf


class ReadyQat(fixtures.Fixture):
    """The qat engine configured for a fake host with a working device.

    ``fail`` picks one of the fake qzip's failure modes; ``hardware=False``
    makes it behave like the real tool without a device (software fallback).
    """

    def __init__(self, fail=None, hardware=True, log=None):
        super().__init__()
        self.fail, self.hardware, self.log = fail, hardware, log

    def _setUp(self):
        self.host = self.useFixture(FakeQatHost())
        self.host.add_qatlib_device()
        conf = self.useFixture(config_fixture.Config(cfg.CONF)).conf
        conf.register_opts(list(qat.qat_opts), group=GROUP)
        conf.set_override('sysfs_root', self.host.sysfs, group=GROUP)
        conf.set_override('dev_root', self.host.dev, group=GROUP)
        conf.set_override('qzip_path', FAKE_QZIP, group=GROUP)
        self.conf = conf
        env = {'FAKE_QZIP_HW': '1' if self.hardware else None,
               'FAKE_QZIP_FAIL': self.fail, 'FAKE_QZIP_LOG': self.log}
        for name, value in env.items():
            self.useFixture(fixtures.EnvironmentVariable(name, value))

    def config_file(self, directory, **extra):
        """A config file for the CLI that points at this fake host."""
        path = os.path.join(directory, 'accel.conf')
        lines = ['[%s]' % GROUP, 'sysfs_root = %s' % self.host.sysfs,
                 'dev_root = %s' % self.host.dev,
                 'qzip_path = %s' % FAKE_QZIP]
        for group, options in extra.items():
            lines.append('[%s]' % group)
            lines += ['%s = %s' % item for item in options.items()]
        with open(path, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        return path
