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

"""Upload-to-image and create-from-image through Cinder's real code.

Cinder 29.0.0 with contrib/cinder's patch runs in .venv-cinder; its
``image_utils.upload_volume`` and ``fetch_to_volume_format`` talk through
its own GlanceImageService to a real glance-api running our plugins.  The
volume is a file holding a real ext4 filesystem; qemu-img and gzip are the
real tools Cinder calls.
"""

import gzip
import os

from glance_accel_import.devtools import diskimage
from glance_accel_import.engines import gzip_members
from glance_accel_import import properties
from tests.cinder import base
from tests.unit import data

MiB = 1024 * 1024
GZIP_MAGIC = b'\x1f\x8b'
#: Cinder options of a deployment that lets Glance compress.
OFFLOAD = {'allow_compression_on_image_upload': True,
           'offload_image_compression_to_glance': True}


class RoundTripBase(base.CinderGlanceTest):

    def setUp(self):
        super().setUp()
        if not data.have_qemu_img():
            self.skipTest('Cinder converts with qemu-img, which is not '
                          'installed (Debian: qemu-utils)')
        self.volume_path = os.path.join(self.cinder_workdir, 'volume.img')
        diskimage.build_ext4_image(self.volume_path, 48 * MiB,
                                   data_fraction=0.3)
        self.volume = data.read_file(self.volume_path)

    def upload(self, disk_format='raw', options=None, store_id=None):
        return self.cinder('upload', volume=self.volume_path,
                           name='from-cinder', disk_format=disk_format,
                           container_format='compressed',
                           volume_format='raw', options=options or {},
                           store_id=store_id)

    def create_volume(self, image_id):
        """A new volume from the image, as bytes; fails on Cinder errors."""
        dest = os.path.join(self.cinder_workdir, 'new-%s.img' % image_id)
        result = self.cinder('create', image_id=image_id, dest=dest,
                             size_gb=1)
        self.assertNotIn('error', result, result.get('message'))
        return data.read_file(dest)

    def stored(self, image_id):
        return data.read_file(os.path.join(self.glance.store_dir, image_id))

    def image(self, image_id):
        return dict(self.client.images.get(image_id))


class TestOffloadedUpload(RoundTripBase):
    """The patch's option on: Glance's accel_compress does the gzip.

    Glance runs the plugin chain the deployer guide recommends, so a qcow2
    upload is converted to raw by image_conversion before it is gzipped.
    """

    plugins = ['accel_decompress', 'image_conversion', 'accel_compress']
    cinder_options = OFFLOAD

    def assertCompressedByGlance(self, image, stored, plain):
        self.assertEqual('active', image['status'])
        self.assertEqual('compressed', image['container_format'])
        self.assertEqual(GZIP_MAGIC, stored[:2])
        # Sized members (QATzip's gzipext layout) by default: Cinder's
        # stock path (gzip -d) must read them, as create_volume checks.
        self.assertIsNotNone(gzip_members.parse_header(stored))
        self.assertEqual(plain, gzip.decompress(stored))
        self.assertEqual(len(stored), image['size'])
        self.assertEqual('gzip', image[properties.COMPRESSION_FORMAT])
        self.assertIn(properties.COMPRESSION_ENGINE, image)
        self.assertEqual(str(len(plain)), image[properties.UNCOMPRESSED_SIZE])
        self.assertEqual(data.block_sha256(plain),
                         image[properties.UNCOMPRESSED_BLOCK_SHA256])
        self.assertEqual([], os.listdir(self.glance.staging_dir))

    def test_raw_round_trip(self):
        # A volume type's image_service:store_id reaches upload_volume as
        # store_id; the import must honour it.
        result = self.upload('raw', store_id='fast')

        self.assertNotIn('error', result, result.get('message'))
        image = self.image(result['image_id'])
        stored = self.stored(image['id'])
        self.assertCompressedByGlance(image, stored, self.volume)
        self.assertEqual('raw', image['disk_format'])
        self.assertEqual('fast', image['stores'])
        self.assertLess(len(stored), len(self.volume) // 2)
        self.assertEqual(self.volume, self.create_volume(image['id']))

    def test_qcow2_round_trip(self):
        # Cinder stages qcow2; image_conversion makes it raw again, so
        # Glance stores gzip of the volume's own bytes.
        result = self.upload('qcow2')

        self.assertNotIn('error', result, result.get('message'))
        image = self.image(result['image_id'])
        self.assertEqual('raw', image['disk_format'])
        self.assertCompressedByGlance(image, self.stored(image['id']),
                                      self.volume)
        self.assertEqual(self.volume, self.create_volume(image['id']))


class TestOffloadedWithoutConversion(RoundTripBase):
    """Without image_conversion in Glance, qcow2 is stored as gzip(qcow2)."""

    plugins = ['accel_decompress', 'accel_compress']
    cinder_options = OFFLOAD

    def test_qcow2_round_trip(self):
        result = self.upload('qcow2')

        self.assertNotIn('error', result, result.get('message'))
        image = self.image(result['image_id'])
        self.assertEqual('qcow2', image['disk_format'])
        self.assertEqual('compressed', image['container_format'])
        plain = gzip.decompress(self.stored(image['id']))
        self.assertEqual(b'QFI\xfb', plain[:4])
        self.assertEqual(data.block_sha256(plain),
                         image[properties.UNCOMPRESSED_BLOCK_SHA256])
        self.assertEqual(self.volume, self.create_volume(image['id']))


class TestFailedImport(RoundTripBase):
    """A Glance that cannot compress: the upload must fail, not hang."""

    # The recommended chain: every plugin's revert runs after the failure.
    plugins = ['accel_decompress', 'image_conversion', 'accel_compress']
    cinder_options = OFFLOAD
    # No hardware engine here and software engines forbidden, so
    # accel_compress refuses the import.
    import_options = {'accel_import': {'fallback_policy': 'hardware_only'}}

    def test_failed_import_is_a_failed_upload(self):
        result = self.upload('raw')

        self.assertEqual('ImageImportFailed', result.get('error'), result)
        self.assertIn('no compression engine can compress gzip',
                      result['message'])
        # queued is what cinder-volume's cleanup deletes after a failure.
        self.assertEqual('queued', result['image_status'])
        image = self.image(result['image_id'])
        self.assertEqual('queued', image['status'])
        self.assertEqual([], os.listdir(self.glance.store_dir))
        self.assertEqual([], os.listdir(self.glance.staging_dir))


class TestOptionOff(RoundTripBase):
    """Without the option Cinder behaves as released: it gzips locally."""

    cinder_options = {'allow_compression_on_image_upload': True}

    def test_cinder_compresses_itself(self):
        result = self.upload('raw')

        self.assertNotIn('error', result, result.get('message'))
        image = self.image(result['image_id'])
        stored = self.stored(image['id'])
        self.assertEqual('active', image['status'])
        self.assertEqual(GZIP_MAGIC, stored[:2])
        self.assertEqual(self.volume, gzip.decompress(stored))
        # A plain upload never reaches the import plugins.
        self.assertNotIn(properties.COMPRESSION_ENGINE, image)
        self.assertEqual(self.volume, self.create_volume(image['id']))

    def test_multi_member_gzip_creates_volume(self):
        # The form QAT writes: one gzip member per block.  Stored as is
        # (a plain upload bypasses the plugins) to test Cinder's own
        # decompression path with it.
        payload = data.multi_member_gzip(self.volume, members=7)
        self.assertEqual(self.volume, gzip.decompress(payload))
        image_id = self.store_compressed(payload)
        self.assertEqual('active', self.image(image_id)['status'])
        self.assertEqual(payload, self.stored(image_id))

        self.assertEqual(self.volume, self.create_volume(image_id))

    def test_upload_refused_without_permission(self):
        # Cinder's download path refuses 'compressed' images unless the
        # operator allowed compression; the patch does not change that.
        result = self.upload('raw')
        self.assertNotIn('error', result, result.get('message'))
        dest = os.path.join(self.cinder_workdir, 'refused.img')

        refused = self.cinder('create', image_id=result['image_id'],
                              dest=dest, size_gb=1,
                              options={'allow_compression_on_image_upload':
                                       False})

        self.assertEqual('ImageUnacceptable', refused.get('error'), refused)
        self.assertIn('compression disallowed', refused['message'])
