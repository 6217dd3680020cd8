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

"""Scenario b: a compressed image in Glance's RBD store is never cloned.

Glance and Cinder share the Ceph cluster.  Cinder's RBD driver clones an
image copy-on-write when its location is in the same cluster and its
``disk_format`` is ``raw``; a ``raw`` + ``compressed`` image (what
``accel_compress`` stores for a raw volume) holds gzip bytes, so a clone
would give a volume full of gzip.  The volume must hold the plain bytes.
"""

import gzip
import os
import subprocess

from tests.cloud import base
from tests import paths

CEPH_CONF = os.path.join(paths.CLOUD_DIR, 'etc', 'ceph', 'ceph.conf')


def volume_head(volume_id, count):
    """The first ``count`` bytes of a volume, read from Ceph as admin."""
    proc = subprocess.Popen(
        ['rbd', '-c', CEPH_CONF, 'export', 'volumes/volume-%s' % volume_id,
         '-'], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        return proc.stdout.read(count)
    finally:
        proc.kill()
        proc.wait()


class TestCompressedImageInRbdStore(base.CloudTestCase):

    def test_volume_holds_plain_bytes(self):
        if not os.path.exists(CEPH_CONF):
            self.skipTest('no Ceph in this cloud (%s)' % CEPH_CONF)
        plain = os.urandom(base.MiB) + b'end of the plain data'
        image = self.plain_upload('scenario-b', gzip.compress(plain),
                                  store='ceph')
        self.assertEqual('ceph', image.properties.get('stores'))
        self.assertTrue(image.direct_url.startswith('rbd://'),
                        image.direct_url)

        volume = self.alpha.block_storage.create_volume(
            size=1, image_id=image.id, name='scenario-b')
        self.delete_volume_later(volume)
        self.wait_volume(volume)

        head = volume_head(volume.id, len(plain))
        self.assertNotEqual(b'\x1f\x8b', head[:2],
                            'the volume holds gzip: the compressed image '
                            'was cloned verbatim')
        self.assertEqual(plain, head)
