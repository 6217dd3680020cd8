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

"""glance-download between two real glance-api servers (issue 16, item 5).

``glance-download`` copies an image from the Glance of another region,
found in the service catalog of the request. With Keystone, keystonemiddleware
puts the catalog in the X-Service-Catalog header; these glance-api servers
trust identity headers instead of Keystone, so the test sends that header
itself, naming a second glance-api ("RegionTwo", no plugins) behind an
identity proxy, which adds to Glance's own requests (they carry only the
user's token) the headers that Keystone would have vouched for.

On a refusal both the metadata task and the download task of
``glance-download`` set the image ``queued``, with no plugin reverting
between them: released Glance fails the second ("Internal Error", import
lock kept, 409 on retry); with contrib/glance's patch the user reads our
reason and may retry.
"""

import gzip
import json
import os
import urllib.request

import fixtures
from glanceclient import exc as glance_exc

from glance_accel_import.devtools.embedded import client as gclient
from glance_accel_import.devtools.embedded import config
from glance_accel_import.devtools.embedded import server
from tests.clients import base as clients_base
from tests.clients import identity_proxy
from tests.functional import test_import_plugins
from tests.functional import test_web_download
from tests.unit import data

MiB = 1024 * 1024

REGION = 'RegionTwo'


class GlanceDownloadTestBase(test_import_plugins.ImportTestBase):

    plugins = ['accel_decompress', 'accel_compress']
    import_options = test_web_download.LOOPBACK_DOWNLOADS
    api_options = {'DEFAULT': {'enabled_import_methods': config.bracketed(
        ['glance-direct', 'web-download', 'copy-image', 'glance-download'])}}
    patched = True

    def setUp(self):
        if self.patched:
            self.useFixture(clients_base.GlanceVenv())
            self.glance_python = os.path.join(clients_base.GLANCE_VENV,
                                              'bin', 'python')
        super().setUp()
        workdir = self.useFixture(fixtures.TempDir()).path
        self.region_two = server.EmbeddedGlance(workdir,
                                                python=self.glance_python)
        self.addCleanup(self.region_two.stop)
        self.region_two.start()
        self.proxy = identity_proxy.IdentityProxy(self.region_two.url)
        self.proxy.start()
        self.addCleanup(self.proxy.stop)

    def remote_image(self, payload, disk_format='raw',
                     container_format='compressed'):
        """An active image in RegionTwo holding exactly ``payload``."""
        remote = self.region_two.client()
        image = remote.images.create(name='remote', disk_format=disk_format,
                                     container_format=container_format)
        path = self.write('remote-%s' % image['id'], payload)
        with open(path, 'rb') as f:
            remote.images.upload(image['id'], f)
        self.assertEqual('active', remote.images.get(image['id'])['status'])
        return image['id']

    def glance_download(self, image_id, remote_id):
        catalog = [{'type': 'image', 'name': 'glance', 'endpoints': [
            {'region': REGION, 'publicURL': self.proxy.url}]}]
        body = {'method': {'name': 'glance-download',
                           'glance_image_id': remote_id,
                           'glance_region': REGION,
                           'glance_service_interface': 'public'}}
        headers = dict(server.identity_headers(),
                       **{'X-Service-Catalog': json.dumps(catalog),
                          'X-Auth-Token': 'no-keystone-here',
                          'Content-Type': 'application/json'})
        request = urllib.request.Request(
            '%s/v2/images/%s/import' % (self.glance.url, image_id),
            data=json.dumps(body).encode(), headers=headers, method='POST')
        try:
            with urllib.request.urlopen(request, timeout=60) as resp:
                self.assertEqual(202, resp.status)
        except urllib.error.HTTPError as exc:
            if exc.code == 409:
                raise glance_exc.HTTPConflict(exc.read().decode()) from exc
            raise
        # A fresh client: the upload to RegionTwo may have kept the pooled
        # connection idle past gunicorn's 2 s keep-alive (connection reset).
        self.client = self.glance.client()
        return gclient.wait_for_import(self.client, image_id, timeout=300)

    def new_image(self):
        return self.client.images.create(name='local', disk_format='raw',
                                         container_format='compressed')['id']


def nested_gzip():
    return gzip.compress(gzip.compress(data.real_bytes(MiB)))


class TestGlanceDownloadPatched(GlanceDownloadTestBase):

    def test_compressed_image_downloaded(self):
        plain = data.real_bytes(2 * MiB)
        image = self.glance_download(self.new_image(),
                                     self.remote_image(gzip.compress(plain)))
        self.assertEqual('active', image['status'])
        self.assertEqual('compressed', image['container_format'])
        self.assertEqual(2 * MiB, image['virtual_size'])
        stored = self.download(image)
        self.assertEqual(plain, gzip.decompress(stored))
        self.assertStagingEmpty()

    def test_refused_reason_shown_and_retry_accepted(self):
        image_id = self.new_image()
        exc = self.assertRaises(gclient.ImportFailed, self.glance_download,
                                image_id, self.remote_image(nested_gzip()))
        self.assertIn('nested compression', exc.message)
        image = dict(self.client.images.get(image_id))
        self.assertEqual('queued', image['status'])
        self.assertNotIn('os_glance_import_task', image)
        self.assertStagingEmpty()
        self.assertEqual([], self.stored_files())
        good = gzip.compress(data.real_bytes(2 * MiB))
        image = self.glance_download(image_id, self.remote_image(good))
        self.assertEqual('active', image['status'])


class TestGlanceDownloadStock(GlanceDownloadTestBase):
    """Released Glance: what the patch fixes (fails once Glance does)."""

    patched = False

    def test_refusal_hides_reason_and_keeps_lock(self):
        image_id = self.new_image()
        exc = self.assertRaises(gclient.ImportFailed, self.glance_download,
                                image_id, self.remote_image(nested_gzip()))
        self.assertEqual('Task failed due to Internal Error', exc.message)
        image = dict(self.client.images.get(image_id))
        self.assertEqual('queued', image['status'])
        self.assertIn('os_glance_import_task', image)
        self.assertRaises(glance_exc.HTTPConflict, self.glance_download,
                          image_id, self.remote_image(nested_gzip()))
