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

"""inspection.inspect_image on real images: Glance's verdicts, rule by rule.

Every image is built by the real tool (tests/unit/disk_images.py). The
functional test tests/functional/test_verdicts.py checks the same verdicts
against a running glance-api.
"""

import os

import fixtures
from oslo_config import fixture as config_fixture
import testtools

from glance.common import config as glance_config  # noqa: registers opts
from glance_accel_import import exception
from glance_accel_import import inspection
from tests.unit import disk_images

MiB = 1024 * 1024


class InspectionTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.conf = self.useFixture(config_fixture.Config()).conf
        self.workdir = self.useFixture(fixtures.TempDir()).path

    def build(self, builder, *args, **kwargs):
        try:
            payload = builder(self.workdir, *args, **kwargs)
        except disk_images.MissingTool as exc:
            self.skipTest(str(exc))
        path = os.path.join(self.workdir, 'inspected')
        with open(path, 'wb') as f:
            f.write(payload)
        return path

    def accepted(self, path, disk_format, **kwargs):
        return inspection.inspect_image(path, disk_format, **kwargs)

    def refused(self, path, disk_format):
        exc = self.assertRaises(exception.ImageRejected,
                                inspection.inspect_image, path, disk_format)
        return str(exc)


class IsohybridTest(InspectionTest):
    """ISO 9660 with a partition table is an ``iso``, as Glance says."""

    def assertIso(self, path):
        self.assertEqual(
            inspection.Inspection('iso', self.iso_size()),
            self.accepted(path, 'iso'))

    def iso_size(self):
        # The ISO's own volume size, from its primary volume descriptor,
        # which is what Glance records.
        with open(os.path.join(self.workdir, 'inspected'), 'rb') as f:
            f.seek(32 * 1024 + 80)
            blocks = int.from_bytes(f.read(4), 'little')
            f.seek(32 * 1024 + 128)
            block_size = int.from_bytes(f.read(2), 'little')
        return blocks * block_size

    def test_plain_iso(self):
        self.assertIso(self.build(disk_images.iso))

    def test_iso_with_mbr(self):
        self.assertIso(self.build(disk_images.iso_with_mbr))

    def test_iso_with_gpt(self):
        path = self.build(disk_images.iso_with_gpt)
        self.assertIso(path)
        # The appended EFI partition is outside the ISO volume.
        self.assertLess(self.iso_size(), os.path.getsize(path))

    def test_iso_with_mbr_written_by_sfdisk(self):
        self.assertIso(self.build(disk_images.iso_with_sfdisk_mbr))

    def test_isohybrid_declared_raw_refused(self):
        message = self.refused(self.build(disk_images.iso_with_mbr), 'raw')
        self.assertEqual('image data is iso but its disk_format is raw',
                         message)

    def test_iso_and_qcow2_polyglot_refused(self):
        message = self.refused(
            self.build(disk_images.iso_with_qcow2_header), 'iso')
        self.assertEqual('image format inspection failed: Multiple formats '
                         'detected: iso,qcow2', message)


class DiskFormatTest(InspectionTest):
    """At least one real image per disk_format Glance lists."""

    def assertFormat(self, fmt, disk_format, path, virtual_size):
        self.assertEqual(inspection.Inspection(fmt, virtual_size),
                         self.accepted(path, disk_format))

    def test_raw_filesystem(self):
        path = self.build(disk_images.ext4)
        self.assertFormat('raw', 'raw', path, 16 * MiB)

    def test_ami_ari_aki_take_plain_data(self):
        path = self.build(disk_images.plain_bytes)
        for disk_format in ('ami', 'ari', 'aki'):
            self.assertFormat('raw', disk_format, path, 2 * MiB)

    def test_partition_tables_are_raw_disks(self):
        for label in ('dos', 'gpt'):
            path = self.build(disk_images.partitioned, label)
            self.assertFormat('raw', 'raw', path, 16 * MiB)

    def test_partition_table_declared_ami_refused(self):
        # Glance's store upload accepts only unrecognised data for the
        # formats it cannot inspect.
        path = self.build(disk_images.partitioned, 'dos')
        self.assertEqual('image data is gpt but its disk_format is ami',
                         self.refused(path, 'ami'))

    def test_qemu_img_formats(self):
        for qemu_format, disk_format, virtual_size in (
                ('qcow2', 'qcow2', 16 * MiB),
                ('vmdk', 'vmdk', 16 * MiB),
                ('vdi', 'vdi', 16 * MiB),
                # qemu-img rounds a VHD up to whole CHS cylinders.
                ('vpc', 'vhd', 16 * MiB + 4096),
                ('vhdx', 'vhdx', 16 * MiB)):
            path = self.build(disk_images.qemu, qemu_format)
            self.assertFormat(disk_format, disk_format, path, virtual_size)

    def test_vmdk_stream_optimized(self):
        path = self.build(disk_images.qemu, 'vmdk',
                          options='subformat=streamOptimized')
        self.assertFormat('vmdk', 'vmdk', path, 16 * MiB)

    def test_ploop_is_not_inspectable(self):
        # Glance's ploop is Virtuozzo's parallels format, which the format
        # inspector does not know: like ami, it takes what it is given.
        path = self.build(disk_images.qemu, 'parallels')
        self.assertFormat('raw', 'ploop', path, os.path.getsize(path))

    def test_format_mismatch_refused(self):
        path = self.build(disk_images.qemu, 'vpc')
        self.assertEqual('image data is vhd but its disk_format is vhdx',
                         self.refused(path, 'vhdx'))

    def test_qcow2_declared_raw_refused(self):
        path = self.build(disk_images.qemu, 'qcow2')
        self.assertEqual('image data is qcow2 but its disk_format is raw',
                         self.refused(path, 'raw'))

    def test_unsafe_images_refused(self):
        for builder, disk_format in (
                (disk_images.qcow2_with_backing, 'qcow2'),
                (disk_images.vmdk_flat_descriptor, 'vmdk')):
            message = self.refused(self.build(builder), disk_format)
            self.assertIn('image failed safety checks', message)

    def test_virtual_size_limit(self):
        path = self.build(disk_images.qemu, 'qcow2')
        exc = self.assertRaises(exception.ImageRejected,
                                inspection.inspect_image, path, 'qcow2',
                                max_virtual_size=8 * MiB)
        self.assertIn('exceeds the limit of 8388608 bytes', str(exc))


class GptSafetyCheckTest(InspectionTest):
    """A broken MBR is refused unless the operator made its check nonfatal."""

    def broken_mbr(self):
        path = self.build(disk_images.partitioned, 'dos')
        with open(path, 'r+b') as f:
            f.seek(446)
            f.write(b'\x42')  # boot flag of entry 0: neither 0x00 nor 0x80
        return path

    def test_refused(self):
        message = self.refused(self.broken_mbr(), 'raw')
        self.assertIn('image failed safety checks', message)
        self.assertIn('mbr', message)

    def test_nonfatal_by_option(self):
        self.conf.set_override('gpt_safety_checks_nonfatal', ['mbr'],
                               group='image_format')
        path = self.broken_mbr()
        self.assertEqual(inspection.Inspection('raw', 16 * MiB),
                         self.accepted(path, 'raw'))
