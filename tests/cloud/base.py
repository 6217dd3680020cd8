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

"""Tests against the whole cloud started by ``tools/cloud.sh up``.

They drive Keystone, Cinder and Glance through their public APIs with
openstacksdk, as a project member (clouds.yaml entries ``cloud-alpha`` and
``cloud-beta``).  When the cloud is not up, or openstacksdk is missing (run
them with ``.cloud/venv/clients/bin/python``), every test skips and says
why.  Nothing here starts or stops the cloud.
"""

import hashlib
import os
import time

import testtools

from tests import paths

try:
    import openstack
except ImportError:  # the tests skip, saying so
    openstack = None

#: Where cinder-volume converts images (image_conversion_dir).
CINDER_CONVERSION_DIR = os.path.join(paths.CLOUD_DIR, 'data', 'cinder',
                                     'conversion')
GiB = 1024 ** 3
MiB = 1024 ** 2


def sha256_of_chunks(chunks):
    digest = hashlib.sha256()
    size = 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def sha256_of_file(path):
    with open(path, 'rb') as f:
        return sha256_of_chunks(iter(lambda: f.read(4 * MiB), b''))


class CloudTestCase(testtools.TestCase):
    """Connections as the member of project ``alpha`` (and ``beta``)."""

    def setUp(self):
        super().setUp()
        if not os.path.exists(paths.CLOUDS_YAML):
            self.skipTest('the cloud is not up (no %s): run tools/cloud.sh up'
                          % paths.CLOUDS_YAML)
        if openstack is None:
            self.skipTest('openstacksdk is not installed here: run with '
                          '.cloud/venv/clients/bin/python')
        os.environ['OS_CLIENT_CONFIG_FILE'] = paths.CLOUDS_YAML
        self.alpha = self.connect('cloud-alpha')
        try:
            self.alpha.authorize()
        except Exception as e:  # any failure means: no usable cloud
            self.skipTest('Keystone does not answer (is tools/cloud.sh up '
                          'done?): %s' % e)

    def connect(self, cloud):
        """A connection for one clouds.yaml entry (cloud-admin, -beta...)."""
        return openstack.connect(cloud=cloud)

    def wait_volume(self, volume, status='available', timeout=900):
        return self.alpha.block_storage.wait_for_status(
            volume, status=status, failures=['error'], interval=3,
            wait=timeout)

    def plain_upload(self, name, payload, store=None):
        """A raw + ``compressed`` image holding ``payload`` as uploaded (a
        plain upload runs no import plugin), deleted after the test; waits
        for it to be active and returns it.
        """
        image = self.alpha.image.post('/images', json={
            'name': name, 'disk_format': 'raw',
            'container_format': 'compressed'}).json()
        self.delete_image_later(image['id'])
        headers = {'Content-Type': 'application/octet-stream'}
        if store:
            headers['X-Image-Meta-Store'] = store
        response = self.alpha.image.put(
            '/images/%s/file' % image['id'], data=payload, headers=headers)
        self.assertEqual(204, response.status_code, response.text)
        return self.wait_image_active(image['id'])

    def wait_image_active(self, image_id, timeout=900):
        deadline = time.monotonic() + timeout
        while True:
            image = self.alpha.image.get_image(image_id)
            if image.status == 'active':
                return image
            if image.status in ('killed', 'deleted'):
                self.fail('image %s went %s' % (image_id, image.status))
            if time.monotonic() > deadline:
                self.fail('image %s still %s after %d s'
                          % (image_id, image.status, timeout))
            time.sleep(3)

    def delete_volume_later(self, volume):
        self.addCleanup(self._delete_volume, volume.id)

    def _delete_volume(self, volume_id):
        conn = self.alpha
        volume = conn.block_storage.find_volume(volume_id)
        if volume is not None:
            deadline = time.monotonic() + 300
            # A volume can only be deleted once it is no longer busy.
            while (volume.status not in ('available', 'error')
                   and time.monotonic() < deadline):
                time.sleep(3)
                volume = conn.block_storage.get_volume(volume_id)
            conn.block_storage.delete_volume(volume_id, ignore_missing=True)
            # An image the volume was cloned from cannot be deleted before.
            conn.block_storage.wait_for_delete(volume, wait=300)

    def delete_image_later(self, image_id):
        self.addCleanup(self.alpha.image.delete_image, image_id,
                        ignore_missing=True)

    def image_data(self, image_id):
        """The stored bytes of an image, as an iterator of chunks."""
        response = self.alpha.image.download_image(image_id, stream=True)
        return response.iter_content(chunk_size=4 * MiB)
