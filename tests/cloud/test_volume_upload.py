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

"""Scenario a: a volume's round trip through a compressed image.

A volume holding a real ext4 filesystem with real files is uploaded with
``container_format=compressed`` through cinder-api; with the Cinder patch's
``offload_image_compression_to_glance`` on, cinder-volume stages the plain
image and Glance's ``accel_compress`` plugin gzips it.  The image must be
active, stored as gzip smaller than the volume, with our properties; a
volume created from it must hold the first volume's bytes exactly.
"""

import os
import shutil
import tempfile
import zlib

from glance_accel_import.devtools import diskimage
from glance_accel_import import digests
from glance_accel_import import properties
from tests.cloud import base
from tests import paths


def gunzip_chunks(chunks):
    """Decompress a (multi-member) gzip stream chunk by chunk."""
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    for chunk in chunks:
        while chunk:
            out = decoder.decompress(chunk)
            if out:
                yield out
            if decoder.eof:
                chunk = decoder.unused_data
                decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
            else:
                chunk = b''
    yield decoder.flush()


class TestCompressedUploadRoundTrip(base.CloudTestCase):

    def make_ext4_volume(self):
        """A 1 GiB volume whose bytes are a fresh ext4 image; its digest."""
        workdir = self.make_workdir()
        path = os.path.join(workdir, 'ext4.img')
        copied = diskimage.build_ext4_image(path, base.GiB,
                                            data_fraction=0.15)
        self.assertGreater(copied, 100 * base.MiB)
        digest, size = base.sha256_of_file(path)
        block = digests.new(digests.BLOCK_SHA256)
        with open(path, 'rb') as f:
            for chunk in iter(lambda: f.read(4 * base.MiB), b''):
                block.update(chunk)
        self.block_digest = block.hexdigest()
        image = self.alpha.image.create_image(
            name='scenario-a-source', filename=path, disk_format='raw',
            container_format='bare', wait=True, timeout=900)
        self.delete_image_later(image.id)
        volume = self.alpha.block_storage.create_volume(
            size=1, image_id=image.id, name='scenario-a-source')
        self.delete_volume_later(volume)
        volume = self.wait_volume(volume)
        return volume, digest, size, copied

    def make_workdir(self):
        # Big files: next to the cloud's data, not in a small /tmp.
        path = tempfile.mkdtemp(prefix='scenario-', dir=paths.CLOUD_DIR)
        self.addCleanup(shutil.rmtree, path, ignore_errors=True)
        return path

    def upload(self, volume, name, container_format, disk_format='raw'):
        result = self.alpha.block_storage.upload_volume_to_image(
            volume, name, disk_format=disk_format,
            container_format=container_format)
        image_id = result['image_id']
        self.delete_image_later(image_id)
        image = self.wait_image_active(image_id)
        self.wait_volume(volume)
        return image

    def test_compressed_upload_and_volume_back(self):
        volume, digest, size, copied = self.make_ext4_volume()

        image = self.upload(volume, 'scenario-a-compressed', 'compressed')

        self.assertEqual('compressed', image.container_format)
        self.assertEqual('raw', image.disk_format)
        props = image.properties
        self.assertEqual('gzip', props[properties.COMPRESSION_FORMAT])
        self.assertEqual(str(size), str(props[properties.UNCOMPRESSED_SIZE]))
        # The README's configuration leaves the default digest: block SHA-256.
        self.assertEqual(self.block_digest,
                         props[properties.UNCOMPRESSED_BLOCK_SHA256])
        # Stored bytes: gzip, smaller than the files the volume holds, and
        # they decompress to the volume's bytes.
        stored = list(self.image_data(image.id))
        self.assertEqual(b'\x1f\x8b', stored[0][:2])
        stored_size = sum(len(c) for c in stored)
        self.assertLess(stored_size, copied)
        self.assertEqual((digest, size),
                         base.sha256_of_chunks(gunzip_chunks(stored)))

        # A volume created from the compressed image holds the same bytes:
        # read it back through a plain (bare) upload.
        back = self.alpha.block_storage.create_volume(
            size=1, image_id=image.id, name='scenario-a-back')
        self.delete_volume_later(back)
        self.wait_volume(back)
        plain = self.upload(back, 'scenario-a-plain', 'bare')
        self.assertEqual((digest, size),
                         base.sha256_of_chunks(self.image_data(plain.id)))
