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

"""The embedded Glance itself, with only Glance's built-in no_op plugin.

If these fail, the plugin tests cannot tell anything about the plugins.
"""

import hashlib
import os

from glance_accel_import.devtools.embedded import client as gclient
from tests.functional import base

SIZE = 3 * 1024 * 1024


class TestEmbeddedGlance(base.GlanceFunctionalTest):

    plugins = ['no_op']

    def _random_file(self):
        data = os.urandom(SIZE)
        path = os.path.join(self.glance.workdir, 'random.raw')
        with open(path, 'wb') as f:
            f.write(data)
        return path, data

    def test_import_and_download(self):
        path, data = self._random_file()

        image = gclient.create_and_import(self.client, path, 'raw', 'bare',
                                          name='random')

        self.assertEqual('active', image['status'])
        self.assertEqual(SIZE, image['size'])
        self.assertEqual(hashlib.md5(data).hexdigest(), image['checksum'])
        self.assertEqual('sha512', image['os_hash_algo'])
        self.assertEqual(hashlib.sha512(data).hexdigest(),
                         image['os_hash_value'])
        dest = os.path.join(self.glance.workdir, 'downloaded.raw')
        gclient.download(self.client, image['id'], dest)
        with open(dest, 'rb') as f:
            self.assertEqual(data, f.read())

    def test_staging_is_empty_after_import(self):
        path, _ = self._random_file()

        image = gclient.create_and_import(self.client, path, 'raw', 'bare')

        self.assertEqual('active', image['status'])
        self.assertEqual([], os.listdir(self.glance.staging_dir))

    def test_waiting_reads_no_tasks_while_importing(self):
        # Glance soft-deletes expired tasks whenever tasks are listed: a
        # write, which on SQLite can fail the running import's own task
        # update with "database is locked". Waiting must not list them
        # while the plugins and the store run (importing).
        path, _ = self._random_file()
        seen = {'status': None, 'listed_while': []}
        list_tasks = self.client.images.get_associated_image_tasks

        def counting_list(image_id):
            seen['listed_while'].append(seen['status'])
            return list_tasks(image_id)

        def poll(image):
            seen['status'] = image['status']

        self.client.images.get_associated_image_tasks = counting_list
        image = gclient.create_and_import(self.client, path, 'raw', 'bare',
                                          on_poll=poll)

        self.assertEqual('active', image['status'])
        self.assertEqual('active', seen['status'])
        self.assertNotIn('importing', seen['listed_while'])
