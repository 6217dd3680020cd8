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

"""A decompression bomb against cinder-volume with AccelImport (0003).

A small gzip that expands past the requested volume size: the volume goes
to ``error``, the conversion directory is left as it was, and cinder-volume
goes on serving. The cloud turns AccelImport on unless started with
``CLOUD_CINDER_ACCEL_DECOMPRESSION=0`` (``tools/cloud/cinder.sh``).
"""

import gzip
import os
import re

from tests.cloud import base
from tests import paths

CINDER_CONF = os.path.join(paths.CLOUD_DIR, 'etc', 'cinder', 'cinder.conf')
GiB = 1024 ** 3
MiB = 1024 ** 2


def accel_enabled():
    try:
        with open(CINDER_CONF) as f:
            conf = f.read()
    except FileNotFoundError:
        return False
    return re.search(r'^accel_import_image_decompression\s*=\s*true\s*$',
                     conf, re.MULTILINE | re.IGNORECASE) is not None


class TestDecompressionBomb(base.CloudTestCase):

    def setUp(self):
        super().setUp()
        if not accel_enabled():
            self.skipTest('the cloud runs without accel_import_image_'
                          'decompression (started with '
                          'CLOUD_CINDER_ACCEL_DECOMPRESSION=0)')

    def test_bomb_fails_cleanly(self):
        before = set(os.listdir(base.CINDER_CONVERSION_DIR))
        # About 2 MiB of gzip, 2 GiB + 1 MiB of zeros: a 2 GiB volume.
        payload = gzip.compress(bytes(2 * GiB + MiB), compresslevel=9)
        self.assertLess(len(payload), 4 * MiB)
        image = self.plain_upload('bomb', payload)

        volume = self.alpha.block_storage.create_volume(
            size=2, image_id=image.id, name='bomb')
        self.delete_volume_later(volume)
        volume = self.alpha.block_storage.wait_for_status(
            volume, status='error', failures=['available'], interval=3,
            wait=600)
        self.assertEqual('error', volume.status)
        self.assertEqual(before, set(os.listdir(base.CINDER_CONVERSION_DIR)))

        # cinder-volume goes on serving: an empty volume still works.
        fine = self.alpha.block_storage.create_volume(size=1,
                                                      name='bomb-after')
        self.delete_volume_later(fine)
        self.assertEqual('available', self.wait_volume(fine).status)
