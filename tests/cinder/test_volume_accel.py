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

"""Create a volume from a compressed image with Cinder's AccelImport (0003).

Cinder's real ``fetch_to_volume_format`` runs in .venv-cinder, downloading
through its own GlanceImageService from a real glance-api; the images are
stored as the user uploaded them (a plain upload bypasses the import
plugins), so Cinder's download path sees exactly those bytes. qemu-img is
the real one.
"""

import gzip
import os
import re

import zstandard

from glance_accel_import.devtools import diskimage
from tests.cinder import base
from tests.unit import data
from tests.unit.engines import test_parallel_inflate

MiB = 1024 * 1024
GiB = 1024 * MiB
ACCEL = {'allow_compression_on_image_upload': True,
         'accel_import_image_decompression': True}
STOCK = {'allow_compression_on_image_upload': True}


class VolumeAccelBase(base.CinderGlanceTest):

    plugins = ['accel_decompress']
    cinder_options = ACCEL

    def setUp(self):
        super().setUp()
        if not data.have_qemu_img():
            self.skipTest('Cinder converts with qemu-img, which is not '
                          'installed (Debian: qemu-utils)')
        path = os.path.join(self.cinder_workdir, 'volume.img')
        diskimage.build_ext4_image(path, 48 * MiB, data_fraction=0.3)
        self.volume = data.read_file(path)
        self.conversion_dir = os.path.join(self.cinder_workdir, 'conversion')

    def create(self, image_id, **request):
        dest = os.path.join(self.cinder_workdir, 'new-%s.img' % image_id)
        result = self.cinder('create', image_id=image_id, dest=dest,
                             size_gb=request.pop('size_gb', 1), **request)
        return result, dest

    def assertCreates(self, image_id, plain, **request):
        result, dest = self.create(image_id, **request)
        self.assertNotIn('error', result, result.get('message'))
        self.assertEqual(plain, data.read_file(dest))
        self.assertEqual([], os.listdir(self.conversion_dir))

    def assertRefused(self, image_id, error, message, **request):
        result, dest = self.create(image_id, **request)
        self.assertEqual(error, result.get('error'), result)
        self.assertIn(message, result['message'])
        # No partial file anywhere: the conversion dir is empty.
        self.assertEqual([], os.listdir(self.conversion_dir))
        return result


class TestAccelImport(VolumeAccelBase):
    """accel_import_image_decompression = True."""

    def test_gzip(self):
        self.assertCreates(self.store_compressed(data.gzip_cli(self.volume)),
                           self.volume)

    def test_multi_member_gzip(self):
        payload = data.multi_member_gzip(self.volume, members=7)
        self.assertCreates(self.store_compressed(payload), self.volume)

    def test_zstd(self):
        payload = zstandard.ZstdCompressor(level=3).compress(self.volume)
        self.assertCreates(self.store_compressed(payload), self.volume)

    def test_bomb(self):
        # 1 MiB of gzip that expands to 1 GiB + 1 MiB, for a 1 GiB volume.
        payload = gzip.compress(bytes(GiB + MiB), compresslevel=9)
        self.assertLess(len(payload), 2 * MiB)
        result = self.assertRefused(self.store_compressed(payload),
                                    'ImageTooBig', 'larger than the volume')
        self.assertIn(str(GiB), result['message'])

    def test_corrupt_gzip(self):
        payload = data.gzip_cli(self.volume)[:-1000]
        self.assertRefused(self.store_compressed(payload),
                           'ImageUnacceptable', 'truncated')

    def test_not_compressed(self):
        self.assertRefused(self.store_compressed(self.volume),
                           'ImageUnacceptable',
                           'not compressed data of any known format')

    def test_backing_file_refused_after_decompression(self):
        # The plain data goes through Cinder's format inspection
        # (qemu_img_info: format_inspector refuses a backing file and
        # raises Invalid, whose message Cinder keeps generic).
        qcow2 = os.path.join(self.cinder_workdir, 'backed.qcow2')
        plain = data.make_qcow2(qcow2, backing='/etc/hostname')
        os.remove(qcow2)
        self.assertRefused(
            self.store_compressed(gzip.compress(plain), 'qcow2'),
            'Invalid', 'Unacceptable parameters')


class TestGlanceCompressed(VolumeAccelBase):
    """An image gzipped by Glance's accel_compress, decompressed by Cinder.

    Cinder uploads the volume and Glance compresses it on import (sized
    members); AccelImport must decode every member on the worker threads
    of parallel_inflate, as its DEBUG line in Cinder's log says.
    """

    plugins = ['accel_decompress', 'accel_compress']
    cinder_options = dict(ACCEL, offload_image_compression_to_glance=True)

    def test_sized_members_decoded_in_parallel(self):
        result = self.cinder('upload', volume=os.path.join(
            self.cinder_workdir, 'volume.img'), name='from-cinder',
            disk_format='raw', container_format='compressed',
            volume_format='raw')
        self.assertNotIn('error', result, result.get('message'))
        stored = data.read_file(os.path.join(self.glance.store_dir,
                                             result['image_id']))
        members = len(test_parallel_inflate.boundaries(stored))
        self.assertGreater(members, 1)

        self.assertCreates(result['image_id'], self.volume)

        decoded = re.findall(
            r'parallel_inflate gzip: (\d+) members decoded in parallel on '
            r'(\d+) threads .*, (.*)$', self.cinder_log, re.MULTILINE)
        self.assertEqual([(str(members), str(os.cpu_count()),
                           'nothing left for the serial decoder')], decoded)


class TestOptionOff(VolumeAccelBase):
    """Without the option, stock Cinder: gzip only, via gzip -d."""

    cinder_options = STOCK

    def test_gzip_as_before(self):
        self.assertCreates(self.store_compressed(data.gzip_cli(self.volume)),
                           self.volume)

    def test_zstd_refused_as_before(self):
        payload = zstandard.ZstdCompressor(level=3).compress(self.volume)
        self.assertRefused(self.store_compressed(payload), 'ImageUnacceptable',
                           'Only gzip is supported')
