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

"""Refused web-download imports in a real glance-api (issue 16, item 5).

With ``web-download``, Glance's own download task reverts after our plugins
and puts the image back to ``queued`` itself; so does ``image_conversion``
when it ran before the refusing plugin. Glance refuses queued -> queued, so
a second requeue would fail the revert: the user would read "Internal
Error" instead of our reason and the import lock would stay for an hour.
Here the image is served by an HTTP server on 127.0.0.1 started by the
test; every plugin order must give our reason, ``queued``, and a retry that
Glance accepts.

``glance-download``, and the plugin orders no plugin can save, are in
test_glance_download.py and test_patched_glance.py (contrib/glance).
"""

import functools
import gzip
import http.server
import threading

from glance_accel_import.devtools.embedded import client as gclient
from tests.functional import test_import_plugins
from tests.unit import data

MiB = 1024 * 1024

#: Glance fetches nothing from loopback unless the host is allowed, and
#: only from ports 80 and 443 unless the port list is emptied.
LOOPBACK_DOWNLOADS = {'import_filtering_opts': {
    'allowed_hosts': '[127.0.0.1]',
    'allowed_ports': '[]',
}}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):

    def log_message(self, *args):
        pass


class WebDownloadTestBase(test_import_plugins.ImportTestBase):

    extra_options = None

    def setUp(self):
        self.import_options = dict(LOOPBACK_DOWNLOADS,
                                   **(self.extra_options or {}))
        super().setUp()
        handler = functools.partial(_QuietHandler, directory=self.files)
        self.http = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                    handler)
        thread = threading.Thread(target=self.http.serve_forever,
                                  daemon=True)
        thread.start()
        self.addCleanup(self.http.server_close)
        self.addCleanup(self.http.shutdown)

    def url(self, name):
        return 'http://127.0.0.1:%d/%s' % (self.http.server_address[1], name)

    def web_import(self, image_id, name):
        self.client.images.image_import(image_id, method='web-download',
                                        uri=self.url(name))
        return gclient.wait_for_import(self.client, image_id, timeout=300)

    def assertRefusedThenRetried(self, payload, reason,
                                 container_format='bare', disk_format='raw',
                                 good=None):
        """Refused with ``reason``; the same image then imports fine."""
        self.write('refused', payload)
        if good is None:
            good = data.real_bytes(2 * MiB)
        self.write('good', good)
        image = self.client.images.create(name='web', disk_format=disk_format,
                                          container_format=container_format)
        exc = self.assertRaises(gclient.ImportFailed, self.web_import,
                                image['id'], 'refused')
        self.assertIn(reason, exc.message)
        image = dict(self.client.images.get(image['id']))
        self.assertEqual('queued', image['status'])
        self.assertNotIn('os_glance_import_task', image)
        self.assertEqual('', image.get('os_glance_importing_to_stores', ''))
        self.assertEqual('fast', image['os_glance_failed_import'])
        self.assertStagingEmpty()
        self.assertEqual([], self.stored_files())
        # The retry is accepted (no 409 "Image has active task") and works.
        image = self.web_import(image['id'], 'good')
        self.assertEqual('active', image['status'])
        self.assertStagingEmpty()
        return image


class TestDecompressRefuses(WebDownloadTestBase):

    plugins = ['accel_decompress', 'accel_compress']

    def test_corrupt_gzip_reason_shown_and_retry_accepted(self):
        payload = gzip.compress(data.real_bytes(MiB))[:-30]
        image = self.assertRefusedThenRetried(
            payload, 'corrupt compressed data (gzip): truncated')
        self.assertEqual(2 * MiB, image['virtual_size'])


class TestReverseOrder(WebDownloadTestBase):
    """accel_compress first: its revert comes after accel_decompress's."""

    plugins = ['accel_compress', 'accel_decompress']

    def test_corrupt_gzip_reason_shown_and_retry_accepted(self):
        payload = gzip.compress(data.real_bytes(MiB))[:-30]
        self.assertRefusedThenRetried(
            payload, 'corrupt compressed data (gzip): truncated')


class TestCompressRefusesAfterImageConversion(WebDownloadTestBase):
    """image_conversion ran, and requeues, before accel_compress refused.

    Then the download task requeues too: only accel_decompress, which
    reverts between them, can keep the two from colliding.
    """

    plugins = ['accel_decompress', 'image_conversion', 'accel_compress']
    extra_options = {'accel_import': {'max_virtual_size': 4 * MiB}}

    def test_virtual_size_reason_shown_and_retry_accepted(self):
        image = self.assertRefusedThenRetried(
            data.real_bytes(6 * MiB), 'exceeds the limit of 4194304',
            container_format='compressed')
        self.assertEqual('compressed', image['container_format'])


class TestDecompressRefusesBeforeImageConversion(WebDownloadTestBase):

    plugins = ['accel_decompress', 'image_conversion', 'accel_compress']

    def test_corrupt_gzip_reason_shown_and_retry_accepted(self):
        payload = gzip.compress(data.real_bytes(MiB))[:-30]
        self.assertRefusedThenRetried(
            payload, 'corrupt compressed data (gzip): truncated')


class TestImageConversionRefuses(WebDownloadTestBase):
    """Glance's own image_conversion fails, then the download task reverts.

    Both requeue; with image_conversion alone Glance fails the second
    requeue and keeps the lock. accel_decompress, reverting between them,
    hands the image back so that the download task's requeue succeeds.
    image_conversion's errors are RuntimeErrors, which Glance always shows
    as "Internal Error".
    """

    plugins = ['accel_decompress', 'image_conversion', 'accel_compress']

    def test_image_usable_after_conversion_failure(self):
        qcow2 = self.qcow2(size='8M')
        image = self.assertRefusedThenRetried(
            data.real_bytes(2 * MiB), 'Task failed due to Internal Error',
            disk_format='qcow2', good=qcow2)
        self.assertEqual('raw', image['disk_format'])  # converted
        self.assertEqual(8 * MiB, image['virtual_size'])
