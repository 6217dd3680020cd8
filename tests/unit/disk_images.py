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

"""Real disk images of every disk_format Glance lists, built by real tools.

qemu-img (qcow2, vmdk, vdi, vhd as ``vpc``, vhdx, parallels for ``ploop``),
mkfs.ext4 (raw filesystems), sfdisk (MBR and GPT partition tables) and
xorriso (ISO 9660, plain and isohybrid). A builder raises ``MissingTool``
naming the Debian package when its tool is absent, so tests can skip and
say why.
"""

import os
import shutil
import subprocess

from glance_accel_import.devtools import diskimage
from tests.unit import data

MiB = 1024 * 1024

_PACKAGES = {'qemu-img': 'qemu-utils', 'xorriso': 'xorriso',
             'sfdisk': 'fdisk', 'mkfs.ext4': 'e2fsprogs'}


class MissingTool(Exception):
    """A tool needed to build an image is not installed."""


def _which(tool):
    found = shutil.which(tool) or shutil.which(tool, path='/sbin:/usr/sbin')
    if not found:
        raise MissingTool('%s is not installed (Debian: %s)'
                          % (tool, _PACKAGES[tool]))
    return found


def _run(tool, *args, stdin=None):
    subprocess.run([_which(tool)] + list(args), input=stdin, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _read(path):
    with open(path, 'rb') as f:
        return f.read()


def _plain_file(workdir, size=4 * MiB):
    path = os.path.join(workdir, 'plain.raw')
    with open(path, 'wb') as f:
        f.write(data.real_bytes(MiB))
        f.truncate(size)
    return path


def plain_bytes(workdir):
    """Data no inspector recognises: what a kernel or ramdisk looks like."""
    return data.real_bytes(2 * MiB)


def ext4(workdir, size=16 * MiB):
    _which('mkfs.ext4')
    path = os.path.join(workdir, 'fs.raw')
    diskimage.build_ext4_image(path, size, data_fraction=0.2)
    return _read(path)


def partitioned(workdir, label, size=16 * MiB):
    """A raw disk with an MBR (``dos``) or GPT partition table."""
    path = os.path.join(workdir, '%s.raw' % label)
    with open(path, 'wb') as f:
        f.truncate(size)
    _run('sfdisk', '--quiet', '--no-reread', '--no-tell-kernel', path,
         stdin=('label: %s\n,,L\n' % label).encode())
    return _read(path)


def qemu(workdir, fmt, size='16M', options=None):
    """Convert real data into ``fmt`` (a qemu-img format name)."""
    path = os.path.join(workdir, 'disk.%s' % fmt)
    args = ['convert', '-f', 'raw', '-O', fmt]
    if options:
        args += ['-o', options]
    _run('qemu-img', *args, _plain_file(workdir, int(size[:-1]) * MiB),
         path)
    return _read(path)


def qcow2_with_backing(workdir):
    path = os.path.join(workdir, 'backed.qcow2')
    _run('qemu-img', 'create', '-f', 'qcow2', '-b', '/etc/hostname',
         '-F', 'raw', path, '16M')
    return _read(path)


def vmdk_flat_descriptor(workdir):
    """A monolithicFlat VMDK's descriptor: it names a host file."""
    path = os.path.join(workdir, 'flat.vmdk')
    _run('qemu-img', 'create', '-f', 'vmdk', '-o', 'subformat=monolithicFlat',
         path, '16M')
    return _read(path)


def _iso_tree(workdir):
    tree = os.path.join(workdir, 'iso-tree')
    os.makedirs(tree, exist_ok=True)
    for name, size in (('README', 4096), ('data.bin', 300 * 1024)):
        with open(os.path.join(tree, name), 'wb') as f:
            f.write(data.real_bytes(size))
    return tree


def iso(workdir, *options):
    """An ISO 9660 image written by xorriso; ``options`` as mkisofs's."""
    path = os.path.join(workdir, 'image.iso')
    _run('xorriso', '-as', 'mkisofs', '-quiet', '-V', 'TEST', '-o', path,
         *options, _iso_tree(workdir))
    return _read(path)


def iso_with_mbr(workdir):
    """Isohybrid: an MBR partition table in the ISO's system area."""
    return iso(workdir, '--protective-msdos-label')


def iso_with_gpt(workdir):
    """Isohybrid with a GPT, as UEFI-bootable installer ISOs carry."""
    esp = os.path.join(workdir, 'esp.img')
    with open(esp, 'wb') as f:
        f.write(data.real_bytes(MiB))
    return iso(workdir, '-append_partition', '2', '0xef', esp,
               '-appended_part_as_gpt')


def iso_with_sfdisk_mbr(workdir):
    """A plain ISO given an MBR afterwards with sfdisk."""
    path = os.path.join(workdir, 'sfdisk.iso')
    with open(path, 'wb') as f:
        f.write(iso(workdir))
    _run('sfdisk', '--quiet', '--no-reread', '--no-tell-kernel', path,
         stdin=b'label: dos\nstart=64,type=17,bootable\n')
    return _read(path)


def iso_with_qcow2_header(workdir):
    """A polyglot: a qcow2 header in the ISO's (unused) system area."""
    image = bytearray(iso(workdir))
    header = qemu(workdir, 'qcow2')[:512]
    image[:len(header)] = header
    return bytes(image)
