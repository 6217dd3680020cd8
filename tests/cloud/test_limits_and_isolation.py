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

"""Scenarios f and g: Keystone unified limits, and project isolation.

f. ``image_size_total`` (a Keystone project limit, Glance's
   ``use_keystone_limits``) below an image's decompressed size refuses the
   import after decompression with a quota message, and the image goes back
   to ``queued``; above it, the same import passes.
g. A member of project ``beta`` can neither stage into, import, nor read
   the properties of a ``alpha`` image.
"""

import gzip
import os
import time


from tests.cloud import base


class ImportMixin:

    def create_image(self, conn, name):
        image = conn.image.post('/images', json={
            'name': name, 'disk_format': 'raw',
            'container_format': 'bare'}).json()
        self.addCleanup(conn.image.delete_image, image['id'],
                        ignore_missing=True)
        return image['id']

    def stage_and_import(self, conn, image_id, payload):
        response = conn.image.put(
            '/images/%s/stage' % image_id, data=payload,
            headers={'Content-Type': 'application/octet-stream'})
        self.assertEqual(204, response.status_code, response.text)
        response = conn.image.post('/images/%s/import' % image_id,
                                   json={'method': {'name': 'glance-direct'}})
        self.assertEqual(202, response.status_code, response.text)

    def wait_settled(self, conn, image_id, timeout=300):
        """Wait until the import ends: active, or back to queued."""
        deadline = time.monotonic() + timeout
        time.sleep(2)
        while time.monotonic() < deadline:
            image = conn.image.get('/images/%s' % image_id).json()
            if image['status'] == 'active':
                return image, ''
            if image['status'] == 'queued' and image.get(
                    'os_glance_failed_import'):
                tasks = conn.image.get('/images/%s/tasks' % image_id,
                                       microversion='2.12').json()['tasks']
                messages = [t.get('message') for t in tasks
                            if t['status'] == 'failure']
                if messages:
                    return image, messages[0]
            time.sleep(2)
        self.fail('import of %s did not settle' % image_id)


class TestUnifiedLimits(ImportMixin, base.CloudTestCase):

    def setUp(self):
        super().setUp()
        self.admin = self.connect('cloud-admin')
        self.beta = self.connect('cloud-beta')
        self.glance = self.admin.identity.find_service('glance')
        self.project = self.admin.identity.find_project('beta',
                                                        domain_id='default')

    def set_size_limit(self, mib):
        limit = self.admin.identity.create_limit(
            service_id=self.glance.id, project_id=self.project.id,
            resource_name='image_size_total', resource_limit=mib,
            region_id='RegionOne')
        self.addCleanup(self.admin.identity.delete_limit, limit)

    def test_decompressed_size_counts(self):
        plain = os.urandom(base.MiB) + bytes(7 * base.MiB)  # 8 MiB
        payload = gzip.compress(plain, compresslevel=1)
        self.assertLess(len(payload), 2 * base.MiB)
        self.set_size_limit(4)

        refused = self.create_image(self.beta, 'scenario-f-refused')
        self.stage_and_import(self.beta, refused, payload)
        image, message = self.wait_settled(self.beta, refused)
        self.assertEqual('queued', image['status'])
        self.assertIn('image_size_total', message)

    def test_under_the_limit_passes(self):
        plain = os.urandom(base.MiB) + bytes(7 * base.MiB)
        self.set_size_limit(64)
        accepted = self.create_image(self.beta, 'scenario-f-accepted')
        self.stage_and_import(self.beta, accepted,
                              gzip.compress(plain, compresslevel=1))
        image, message = self.wait_settled(self.beta, accepted)
        self.assertEqual('active', image['status'], message)
        self.assertEqual(len(plain), image['size'])


class TestIsolation(ImportMixin, base.CloudTestCase):

    def test_other_project_cannot_touch(self):
        beta = self.connect('cloud-beta')
        image_id = self.create_image(self.alpha, 'scenario-g')
        payload = gzip.compress(b'alpha data ' * 1000)

        staged = beta.image.put(
            '/images/%s/stage' % image_id, data=payload,
            headers={'Content-Type': 'application/octet-stream'})
        self.assertIn(staged.status_code, (403, 404), staged.text)
        imported = beta.image.post(
            '/images/%s/import' % image_id,
            json={'method': {'name': 'glance-direct'}})
        self.assertIn(imported.status_code, (403, 404), imported.text)
        shown = beta.image.get('/images/%s' % image_id)
        self.assertEqual(404, shown.status_code, shown.text)

        # alpha's own import still works, and beta still cannot read it.
        self.stage_and_import(self.alpha, image_id, payload)
        image, message = self.wait_settled(self.alpha, image_id)
        self.assertEqual('active', image['status'], message)
        self.assertEqual(404, beta.image.get(
            '/images/%s' % image_id).status_code)
