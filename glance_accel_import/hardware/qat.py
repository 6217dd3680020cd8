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

"""Find Intel QAT devices that can compress, from sysfs and /dev alone.

Having ``qzip`` installed proves nothing: without a device it compresses in
software and exits 0. This probe looks at what the kernel exposes instead:

* PCI functions of vendor 8086 with a QAT device ID, and the driver bound;
* on kernels that expose it (6.0 and later, Gen4 and later),
  ``qat/state`` must be ``up`` and ``qat/cfg_services`` must include ``dc``
  (compression);
* a way in from user space: virtual functions bound to ``vfio-pci`` with
  their ``/dev/vfio/<group>`` node usable (qatlib, the in-tree driver), or
  ``/dev/qat_adf_ctl`` and ``/dev/usdm_drv`` (Intel's out-of-tree driver).

Both roots are parameters so that tests can build fake trees.
"""

import dataclasses
import os

INTEL_VENDOR = '0x8086'
VFIO_DRIVER = 'vfio-pci'
COMPRESSION_SERVICE = 'dc'

#: PCI device ID -> (family, is a virtual function).
DEVICE_IDS = {}
for _family, _pf, _vf in (('dh895xcc', '0435', '0443'),
                          ('c62x', '37c8', '37c9'),
                          ('c3xxx', '19e2', '19e3'),
                          ('4xxx', '4940', '4941'),
                          ('401xx', '4942', '4943'),
                          ('402xx', '4944', '4945'),
                          ('420xx', '4946', '4947'),
                          ('6xxx', '4948', '4949')):
    DEVICE_IDS['0x' + _pf] = (_family, False)
    DEVICE_IDS['0x' + _vf] = (_family, True)

#: Device nodes of Intel's out-of-tree driver package.
OOT_CONTROL = 'qat_adf_ctl'
OOT_MEMORY = 'usdm_drv'


@dataclasses.dataclass(frozen=True)
class Function:
    """One QAT PCI function (physical or virtual) as sysfs shows it."""

    address: str
    family: str
    virtual: bool
    driver: str
    #: ``qat/state`` ('up', 'down'), or None where the kernel lacks it.
    state: str = None
    #: ``qat/cfg_services`` split on ';', or None where the kernel lacks it.
    services: tuple = None
    #: IOMMU group number, or None.
    iommu_group: str = None
    #: Address of the physical function of a VF, or None.
    parent: str = None


@dataclasses.dataclass(frozen=True)
class Report:
    """What the probe concluded, and why."""

    ready: bool
    reason: str
    functions: tuple = ()
    #: Device nodes a process needs to open to use the devices.
    device_nodes: tuple = ()


def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def _link_name(path):
    try:
        return os.path.basename(os.readlink(path))
    except OSError:
        return None


def scan(sysfs_root='/sys'):
    """Return every QAT PCI function under ``sysfs_root``, sorted."""
    devices = os.path.join(sysfs_root, 'bus', 'pci', 'devices')
    try:
        addresses = sorted(os.listdir(devices))
    except OSError:
        return []
    found = []
    for address in addresses:
        path = os.path.join(devices, address)
        if _read(os.path.join(path, 'vendor')) != INTEL_VENDOR:
            continue
        known = DEVICE_IDS.get(_read(os.path.join(path, 'device')))
        if known is None:
            continue
        services = _read(os.path.join(path, 'qat', 'cfg_services'))
        found.append(Function(
            address=address, family=known[0], virtual=known[1],
            driver=_link_name(os.path.join(path, 'driver')),
            state=_read(os.path.join(path, 'qat', 'state')),
            services=(tuple(s for s in services.split(';') if s)
                      if services is not None else None),
            iommu_group=_link_name(os.path.join(path, 'iommu_group')),
            parent=_link_name(os.path.join(path, 'physfn'))))
    return found


def _pf_refusal(pf):
    """Why physical function ``pf`` cannot compress, or None."""
    if pf.driver is None:
        return 'no driver bound'
    if pf.state is not None and pf.state != 'up':
        return 'device state is %s' % pf.state
    if pf.services is not None and COMPRESSION_SERVICE not in pf.services:
        return ('compression service off (cfg_services=%s, needs dc)'
                % ';'.join(pf.services))
    return None


def _usable(path):
    if not os.path.exists(path):
        return '%s is missing' % path
    if not os.access(path, os.R_OK | os.W_OK):
        return ('%s is not readable and writable by this user (uid %d): '
                'see the operator guide for the group it needs'
                % (path, os.getuid()))
    return None


def _vfio_nodes(vfs, dev_root):
    """Usable vfio nodes of ``vfs``, and why the others are unusable."""
    nodes, problems = [], []
    for vf in vfs:
        if vf.driver != VFIO_DRIVER:
            problems.append('VF %s is bound to %s, not %s'
                            % (vf.address, vf.driver or 'no driver',
                               VFIO_DRIVER))
            continue
        if vf.iommu_group is None:
            problems.append('VF %s has no IOMMU group' % vf.address)
            continue
        node = os.path.join(dev_root, 'vfio', vf.iommu_group)
        problem = _usable(node)
        if problem:
            problems.append(problem)
        else:
            nodes.append(node)
    return nodes, problems


def _physical_functions(functions):
    """(addresses of PFs that can compress, why each other PF cannot)."""
    pfs = [f for f in functions if not f.virtual]
    refusals = {pf.address: _pf_refusal(pf) for pf in pfs}
    good = {a for a, r in refusals.items() if r is None}
    bad = ['%s %s: %s' % (pf.family, pf.address, refusals[pf.address])
           for pf in pfs if refusals[pf.address]]
    return pfs, good, bad


def _out_of_tree(functions, good_pfs, dev_root):
    """The report for Intel's out-of-tree driver, or None if absent."""
    control = os.path.join(dev_root, OOT_CONTROL)
    if not os.path.exists(control):
        return None
    nodes = (control, os.path.join(dev_root, OOT_MEMORY))
    problems = [p for p in map(_usable, nodes) if p]
    if problems:
        return Report(False, 'out-of-tree QAT driver: %s'
                      % '; '.join(problems), tuple(functions), nodes)
    return Report(True, '%d QAT device(s) with compression, out-of-tree '
                        'driver (%s)' % (len(good_pfs), control),
                  tuple(functions), nodes)


def _vfio(functions, good_pfs, dev_root):
    """The report for qatlib: VFs of a good PF bound to vfio-pci."""
    # VFs passed through to this guest have no PF we can see.
    vfs = [f for f in functions if f.virtual
           and (f.parent in good_pfs or f.parent is None)]
    if not vfs:
        return Report(False, 'QAT device(s) %s can compress but have no '
                             'virtual functions: qatlib needs VFs bound to '
                             '%s (enable SR-IOV, e.g. the qat service)'
                      % (', '.join(sorted(good_pfs)), VFIO_DRIVER),
                      tuple(functions))
    nodes, problems = _vfio_nodes(vfs, dev_root)
    if not nodes:
        return Report(False, 'no usable QAT virtual function: %s'
                      % '; '.join(problems), tuple(functions))
    nodes.append(os.path.join(dev_root, 'vfio', 'vfio'))
    container_problem = _usable(nodes[-1])
    if container_problem:
        return Report(False, container_problem, tuple(functions))
    families = sorted({f.family for f in functions})
    return Report(True, '%d QAT VF(s) on vfio-pci (%s), qatlib'
                  % (len(nodes) - 1, ', '.join(families)),
                  tuple(functions), tuple(nodes))


def probe(sysfs_root='/sys', dev_root='/dev'):
    """Say whether this host has a QAT device ready to compress, and why.

    :param sysfs_root: where sysfs is mounted (a fake tree in tests).
    :param dev_root: where device nodes are (a fake tree in tests).
    :returns: a ``Report``; its ``reason`` says what is missing.
    """
    functions = scan(sysfs_root)
    if not functions:
        return Report(False, 'no Intel QAT PCI device (vendor 8086 with a '
                             'QAT device ID) under %s'
                      % os.path.join(sysfs_root, 'bus', 'pci', 'devices'))
    pfs, good_pfs, bad = _physical_functions(functions)
    if pfs and not good_pfs:
        return Report(False, 'no QAT device can compress: %s'
                      % '; '.join(bad), tuple(functions))
    return (_out_of_tree(functions, good_pfs, dev_root)
            or _vfio(functions, good_pfs, dev_root))
