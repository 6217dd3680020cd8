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

"""Scenario e: two Glance API nodes, stage through one, import through other.

Glance's distributed import: the node that receives ``POST .../import`` for
data staged on another node proxies the request to the node recorded in the
image's ``os_glance_stage_host`` (its ``worker_self_reference_url``).  Our
plugin must run there, on the data, and the result must be right.
"""

import gzip
import os
import re

from glance_accel_import import properties
from tests.cloud import base
from tests import paths

NODES = ['http://127.0.0.1:19292', 'http://127.0.0.1:19293']
LOGS = [os.path.join(paths.CLOUD_DIR, 'log', 'glance-%d.log' % n)
        for n in (1, 2)]


def log_mentions(path, image_id, text):
    with open(path, errors='replace') as f:
        return any(image_id in line and re.search(text, line)
                   for line in f)


class TestTwoApiNodes(base.CloudTestCase):

    def call(self, node, method, path, **kwargs):
        return self.alpha.session.request(
            NODES[node] + '/v2' + path, method, raise_exc=False, **kwargs)

    def test_stage_on_one_import_on_other(self):
        plain = os.urandom(2 * base.MiB) + bytes(6 * base.MiB)
        response = self.call(0, 'POST', '/images', json={
            'name': 'scenario-e', 'disk_format': 'raw',
            'container_format': 'bare'})
        self.assertEqual(201, response.status_code, response.text)
        image_id = response.json()['id']
        self.delete_image_later(image_id)

        response = self.call(
            1, 'PUT', '/images/%s/stage' % image_id,
            data=gzip.compress(plain, compresslevel=1),
            headers={'Content-Type': 'application/octet-stream'})
        self.assertEqual(204, response.status_code, response.text)
        response = self.call(0, 'POST', '/images/%s/import' % image_id,
                             json={'method': {'name': 'glance-direct'}})
        self.assertEqual(202, response.status_code, response.text)

        image = self.wait_image_active(image_id)
        self.assertEqual('gzip',
                         image.properties[properties.UPLOAD_COMPRESSION])
        self.assertEqual((base.sha256_of_chunks([plain])),
                         base.sha256_of_chunks(self.image_data(image_id)))
        # The plugin ran on the node holding the staged data, not on the
        # node that received the import request.
        self.assertTrue(log_mentions(LOGS[1], image_id, 'decompressed'),
                        'no decompression of %s in %s' % (image_id, LOGS[1]))
        self.assertFalse(log_mentions(LOGS[0], image_id, 'decompressed'))
