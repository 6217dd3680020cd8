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

"""Scenario d: a member's glance-direct imports, behind Keystone.

A gzip-compressed qcow2 is decompressed, inspected and becomes active; a
decompression bomb and a qcow2 with a backing file are refused with our
reason and the image goes back to ``queued``; the other project's image is
untouched.
"""

import gzip
import os
import shutil
import tempfile


from glance_accel_import import properties
from tests.cloud import base
from tests.cloud import test_limits_and_isolation as imports
from tests import paths
from tests.unit import data


class TestMemberImports(imports.ImportMixin, base.CloudTestCase):

    def setUp(self):
        super().setUp()
        if not data.have_qemu_img():
            self.skipTest('qemu-img is not installed (Debian: qemu-utils)')
        self.files = tempfile.mkdtemp(prefix='scenario-d-',
                                      dir=paths.CLOUD_DIR)
        self.addCleanup(shutil.rmtree, self.files, ignore_errors=True)
        # beta's image, which nothing alpha does may change
        self.beta = self.connect('cloud-beta')
        self.beta_image = self.create_image(self.beta, 'scenario-d-beta')

    def tearDown(self):
        image = self.beta.image.get('/images/%s' % self.beta_image).json()
        self.assertEqual('queued', image['status'])
        self.assertNotIn(properties.UPLOAD_COMPRESSION, image)
        super().tearDown()

    def qcow2_image(self, name):
        image = self.alpha.image.post('/images', json={
            'name': name, 'disk_format': 'qcow2',
            'container_format': 'bare'}).json()
        self.delete_image_later(image['id'])
        return image['id']

    def test_gzip_qcow2_becomes_active(self):
        qcow2 = data.make_qcow2(os.path.join(self.files, 'disk.qcow2'))
        image_id = self.qcow2_image('scenario-d-qcow2')
        self.stage_and_import(self.alpha, image_id, gzip.compress(qcow2))
        image, message = self.wait_settled(self.alpha, image_id)
        self.assertEqual('active', image['status'], message)
        self.assertEqual('gzip', image[properties.UPLOAD_COMPRESSION])
        # image_conversion ran on the plain qcow2 we handed it
        self.assertEqual('raw', image['disk_format'])

    def test_bomb_refused(self):
        import zstandard
        bomb = zstandard.ZstdCompressor(level=19).compress(
            bytes(1024 * base.MiB))
        image_id = self.qcow2_image('scenario-d-bomb')
        self.stage_and_import(self.alpha, image_id, bomb)
        image, message = self.wait_settled(self.alpha, image_id)
        self.assertEqual('queued', image['status'])
        self.assertIn('exceeds', message)

    def test_backing_file_refused(self):
        qcow2 = data.make_qcow2(os.path.join(self.files, 'disk.qcow2'),
                                backing='/etc/passwd')
        image_id = self.qcow2_image('scenario-d-backing')
        self.stage_and_import(self.alpha, image_id, gzip.compress(qcow2))
        image, message = self.wait_settled(self.alpha, image_id)
        self.assertEqual('queued', image['status'])
        self.assertIn('image failed safety checks', message)
