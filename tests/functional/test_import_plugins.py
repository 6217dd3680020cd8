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

"""Both plugins inside a real glance-api, driven through its HTTP API.

The images are real: an ext4 filesystem built with mkfs.ext4 from real files,
and qcow2 images built by qemu-img. Nothing here is mocked.
"""

import gzip
import hashlib
import os
import subprocess
import time

from glance_accel_import.devtools import diskimage
from glance_accel_import.devtools.embedded import client as gclient
from glance_accel_import import properties
from tests.functional import base
from tests.unit import data

MiB = 1024 * 1024


class ImportTestBase(base.GlanceFunctionalTest):

    def setUp(self):
        super().setUp()
        self.files = os.path.join(self.glance.workdir, 'files')
        os.makedirs(self.files)

    def write(self, name, payload):
        path = os.path.join(self.files, name)
        with open(path, 'wb') as f:
            f.write(payload)
        return path

    def ext4_image(self, size=64 * MiB):
        path = os.path.join(self.files, 'volume.img')
        diskimage.build_ext4_image(path, size, data_fraction=0.3)
        return path

    def qcow2(self, **kwargs):
        if not data.have_qemu_img():
            self.skipTest('qemu-img is not installed (Debian: qemu-utils)')
        return data.make_qcow2(os.path.join(self.files, 'disk.qcow2'),
                               **kwargs)

    def download(self, image):
        path = os.path.join(self.files, 'download-%s' % image['id'])
        gclient.download(self.client, image['id'], path)
        return data.read_file(path)

    def stored_files(self):
        return sorted(os.listdir(self.glance.store_dir))

    def assertStoredIs(self, image, payload):
        """Glance's size and checksums describe exactly ``payload``."""
        self.assertEqual(len(payload), image['size'])
        self.assertEqual(hashlib.md5(payload).hexdigest(), image['checksum'])
        self.assertEqual(hashlib.sha512(payload).hexdigest(),
                         image['os_hash_value'])
        self.assertEqual([image['id']], self.stored_files())
        self.assertEqual(payload, data.read_file(
            os.path.join(self.glance.store_dir, image['id'])))

    def assertStagingEmpty(self):
        self.assertEqual([], os.listdir(self.glance.staging_dir))

    def assertRefused(self, payload, disk_format='raw',
                      container_format='bare'):
        """The import fails, loses nothing and leaves nothing; return why.

        The image is back to queued with its store marked failed, staging
        is empty and no store holds data.
        """
        path = self.write('upload', payload)
        exc = self.assertRaises(gclient.ImportFailed,
                                gclient.create_and_import, self.client, path,
                                disk_format, container_format)
        image = dict(self.client.images.get(exc.image['id']))
        self.assertEqual('queued', image['status'])
        self.assertEqual('', image.get('os_glance_importing_to_stores', ''))
        self.assertEqual('fast', image['os_glance_failed_import'])
        self.assertStagingEmpty()
        self.assertEqual([], self.stored_files())
        return exc.message


class TestPlugins(ImportTestBase):

    plugins = ['accel_decompress', 'accel_compress']

    def test_raw_imported_as_compressed(self):
        path = self.ext4_image()
        original = data.read_file(path)
        image = gclient.create_and_import(self.client, path, 'raw',
                                          'compressed')
        stored = self.download(image)
        self.assertEqual(b'\x1f\x8b', stored[:2])
        by_gzip = subprocess.run(['gzip', '-dc'], input=stored,
                                 stdout=subprocess.PIPE, check=True).stdout
        self.assertEqual(original, by_gzip)
        self.assertLess(len(stored), len(original) // 2)
        self.assertStoredIs(image, stored)
        self.assertEqual('active', image['status'])
        self.assertEqual('compressed', image['container_format'])
        self.assertEqual(len(original), image['virtual_size'])
        self.assertEqual('gzip', image[properties.COMPRESSION_FORMAT])
        self.assertEqual('isal', image[properties.COMPRESSION_ENGINE])
        self.assertEqual(str(len(original)),
                         image[properties.UNCOMPRESSED_SIZE])
        self.assertEqual(data.block_sha256(original),
                         image[properties.UNCOMPRESSED_BLOCK_SHA256])
        self.assertStagingEmpty()

    def test_gzip_qcow2_imported_as_bare(self):
        qcow2 = self.qcow2(size='100M')
        path = self.write('disk.qcow2.gz', gzip.compress(qcow2))
        image = gclient.create_and_import(self.client, path, 'qcow2', 'bare')
        self.assertEqual(qcow2, self.download(image))
        self.assertStoredIs(image, qcow2)
        self.assertEqual('bare', image['container_format'])
        self.assertEqual(100 * MiB, image['virtual_size'])
        self.assertEqual('gzip', image[properties.UPLOAD_COMPRESSION])
        self.assertStagingEmpty()

    def test_qcow2_with_backing_file_refused(self):
        payload = gzip.compress(self.qcow2(backing='/etc/passwd'))
        message = self.assertRefused(payload, 'qcow2')
        self.assertIn('image failed safety checks', message)

    def test_corrupt_upload_refused_with_clear_message(self):
        payload = gzip.compress(data.real_bytes(MiB))[:-30]
        message = self.assertRefused(payload)
        self.assertIn('corrupt compressed data (gzip): truncated', message)

    def test_plain_image_untouched(self):
        plain = data.real_bytes(3 * MiB)
        path = self.write('plain.raw', plain)
        image = gclient.create_and_import(self.client, path, 'raw', 'bare')
        self.assertEqual(plain, self.download(image))
        self.assertStoredIs(image, plain)
        self.assertNotIn(properties.UPLOAD_COMPRESSION, image)
        self.assertNotIn(properties.COMPRESSION_FORMAT, image)
        self.assertStagingEmpty()


class TestFullSha256(ImportTestBase):
    """An operator who wants ``sha256sum``'s value gets it, by option."""

    plugins = ['accel_decompress', 'accel_compress']
    import_options = {'accel_compress': {'uncompressed_digest': 'sha256'}}

    def test_sha256_of_every_byte_recorded(self):
        original = data.real_bytes(3 * MiB) + bytes(6 * MiB)
        path = self.write('plain.raw', original)
        image = gclient.create_and_import(self.client, path, 'raw',
                                          'compressed')
        self.assertEqual(original, gzip.decompress(self.download(image)))
        self.assertEqual(hashlib.sha256(original).hexdigest(),
                         image[properties.UNCOMPRESSED_SHA256])
        self.assertNotIn(properties.UNCOMPRESSED_BLOCK_SHA256, image)


class TestWithImageConversion(ImportTestBase):
    """The recommended order, with Glance's own image_conversion between."""

    plugins = ['accel_decompress', 'image_conversion', 'accel_compress']

    def test_gzip_qcow2_converted_then_stored_compressed(self):
        qcow2 = self.qcow2(size='48M')
        path = self.write('disk.qcow2.gz', gzip.compress(qcow2))
        image = gclient.create_and_import(self.client, path, 'qcow2',
                                          'compressed')
        stored = self.download(image)
        raw = gzip.decompress(stored)
        # image_conversion turned it into raw; we stored that compressed.
        self.assertEqual('raw', image['disk_format'])
        self.assertEqual('compressed', image['container_format'])
        self.assertEqual(48 * MiB, len(raw))
        self.assertEqual(data.real_bytes(MiB), raw[:MiB])
        self.assertEqual(48 * MiB, image['virtual_size'])
        self.assertStoredIs(image, stored)
        self.assertEqual(data.block_sha256(raw),
                         image[properties.UNCOMPRESSED_BLOCK_SHA256])
        self.assertStagingEmpty()


class TestCopyImage(ImportTestBase):
    """Row 19: copy-image runs no plugin; the copy is the stored bytes."""

    plugins = ['accel_decompress', 'image_conversion', 'accel_compress']

    def test_copy_image_changes_nothing(self):
        path = self.write('plain.raw', data.real_bytes(2 * MiB))
        image = gclient.create_and_import(self.client, path, 'raw',
                                          'compressed')
        stored = data.read_file(
            os.path.join(self.glance.store_dir, image['id']))
        self.client.images.image_import(image['id'], method='copy-image',
                                        stores=['spare'])
        deadline = time.monotonic() + 120
        while 'spare' not in image['stores'].split(','):
            self.assertLess(time.monotonic(), deadline, image)
            time.sleep(0.25)
            image = dict(self.client.images.get(image['id']))
        copied = data.read_file(
            os.path.join(self.glance.layout.spare_store_dir, image['id']))
        self.assertEqual(stored, copied)
        after = dict(self.client.images.get(image['id']))
        for key in ('size', 'virtual_size', 'checksum', 'os_hash_value',
                    'container_format', properties.UNCOMPRESSED_BLOCK_SHA256,
                    properties.COMPRESSION_ENGINE):
            self.assertEqual(image[key], after[key], key)
        self.assertStagingEmpty()
