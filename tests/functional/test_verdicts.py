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

"""Our verdict on a real disk image is Glance's own (issue 16, item 3).

One real glance-api runs ``accel_decompress`` and ``accel_compress``. For
each real image, built by the real tool, Glance's own verdict is the import
of the plain image as ``bare``: our plugins leave it alone and Glance's
store upload inspects it. Our verdict is the import of the same image gzip'd
as ``compressed``: Glance inspects nothing there, so only our inspection
decides. Both must agree, and an accepted image must get Glance's
``virtual_size``. The one deliberate difference (see inspection.py) is
listed in ``STRICTER``. Glance runs on PostgreSQL here: on SQLite its own
task updates sometimes fail with "database is locked" when the machine is
busy, which would read as a refusal.
"""

import gzip

from glance_accel_import.devtools.embedded import client as gclient
from tests.functional import postgres
from tests.functional import test_import_plugins
from tests.unit import disk_images

#: Images Glance's store upload accepts as ``raw`` with a warning and
#: Glance's image_conversion refuses: another disk format declared raw.
STRICTER = 'stricter'

# (name, builder, disk_format, expected verdict of Glance's store upload)
CASES = [
    ('ext4', disk_images.ext4, 'raw', True),
    ('ext4', disk_images.ext4, 'ami', True),
    ('plain', disk_images.plain_bytes, 'aki', True),
    ('plain', disk_images.plain_bytes, 'ari', True),
    ('mbr-disk', lambda w: disk_images.partitioned(w, 'dos'), 'raw', True),
    ('gpt-disk', lambda w: disk_images.partitioned(w, 'gpt'), 'raw', True),
    ('mbr-disk', lambda w: disk_images.partitioned(w, 'dos'), 'ami', False),
    ('qcow2', lambda w: disk_images.qemu(w, 'qcow2'), 'qcow2', True),
    ('qcow2', lambda w: disk_images.qemu(w, 'qcow2'), 'raw', STRICTER),
    ('qcow2', lambda w: disk_images.qemu(w, 'qcow2'), 'vmdk', False),
    ('qcow2-backing', disk_images.qcow2_with_backing, 'qcow2', False),
    ('vmdk', lambda w: disk_images.qemu(w, 'vmdk'), 'vmdk', True),
    ('vmdk-stream', lambda w: disk_images.qemu(
        w, 'vmdk', options='subformat=streamOptimized'), 'vmdk', True),
    ('vmdk-flat', disk_images.vmdk_flat_descriptor, 'vmdk', False),
    ('vdi', lambda w: disk_images.qemu(w, 'vdi'), 'vdi', True),
    ('vhd', lambda w: disk_images.qemu(w, 'vpc'), 'vhd', True),
    ('vhd', lambda w: disk_images.qemu(w, 'vpc'), 'vhdx', False),
    ('vhdx', lambda w: disk_images.qemu(w, 'vhdx'), 'vhdx', True),
    ('parallels', lambda w: disk_images.qemu(w, 'parallels'), 'ploop', True),
    ('iso', disk_images.iso, 'iso', True),
    ('iso', disk_images.iso, 'raw', STRICTER),
    ('iso-mbr', disk_images.iso_with_mbr, 'iso', True),
    ('iso-gpt', disk_images.iso_with_gpt, 'iso', True),
    ('iso-sfdisk-mbr', disk_images.iso_with_sfdisk_mbr, 'iso', True),
    ('iso-qcow2', disk_images.iso_with_qcow2_header, 'iso', False),
]


class TestSameVerdictAsGlance(postgres.OnPostgres,
                              test_import_plugins.ImportTestBase):
    # About fifty imports in a row: on SQLite, Glance's own task updates
    # now and then fail with "database is locked" on a busy machine.

    plugins = ['accel_decompress', 'accel_compress']

    def verdict(self, payload, disk_format, container_format):
        """(accepted, virtual_size or the refusal's message)."""
        path = self.write('upload', payload)
        try:
            image = gclient.create_and_import(self.client, path, disk_format,
                                              container_format)
        except gclient.ImportFailed as exc:
            return False, exc.message
        return True, image.get('virtual_size')

    def disagreement(self, name, build, disk_format, expected):
        """Why this case's verdicts are wrong, or None."""
        plain = build(self.files)
        what = '%s as %s' % (name, disk_format)
        glance = self.verdict(plain, disk_format, 'bare')
        ours = self.verdict(gzip.compress(plain), disk_format, 'compressed')
        if expected is STRICTER:
            if glance[0] and not ours[0] and 'but its disk_format is raw' \
                    in ours[1]:
                return None
        elif glance[0] == ours[0] == expected and not (
                expected and glance[1] and glance[1] != ours[1]):
            return None
        return '%s: expected %s; Glance %r, ours %r' % (
            what, expected, glance, ours)

    def test_every_disk_format(self):
        wrong, missing = [], set()
        for case in CASES:
            try:
                wrong.append(self.disagreement(*case))
            except disk_images.MissingTool as exc:
                missing.add(str(exc))
        self.assertEqual([], [w for w in wrong if w])
        if missing:
            self.skipTest('; '.join(sorted(missing)))


class TestGlanceImageConversionOnIsohybrid(
        test_import_plugins.ImportTestBase):
    """What doc/source/security.rst says of Glance's own image_conversion.

    image_conversion inspects with ``detect_file_format``, which refuses any
    two formats: it refuses an isohybrid ISO that Glance's store upload (and
    we) accept. If a newer Glance changes that, this test says so.
    """

    plugins = ['image_conversion']

    def test_plain_iso_accepted_isohybrid_refused(self):
        try:
            plain, hybrid = (disk_images.iso(self.files),
                             disk_images.iso_with_mbr(self.files))
        except disk_images.MissingTool as exc:
            self.skipTest(str(exc))
        image = gclient.create_and_import(
            self.client, self.write('plain.iso', plain), 'iso', 'bare')
        self.assertEqual('active', image['status'])
        self.assertRaises(gclient.ImportFailed, gclient.create_and_import,
                          self.client, self.write('hybrid.iso', hybrid),
                          'iso', 'bare')
        self.assertIn('Image failed format inspection: Multiple formats '
                      'detected', self.glance.log_tail(400))
