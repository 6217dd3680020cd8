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

"""The storage quota counts what is stored (issue 16, item 8).

A real glance-api with ``user_storage_quota = 20MB``: an image that
``accel_compress`` stores compressed is counted by its compressed size, as
Glance counts every image by the bytes in its store; an image stored plain
is counted by its plain size.
"""

import gzip
import os

from glance_accel_import.devtools.embedded import client as gclient
from glance_accel_import import properties
from tests.functional import test_import_plugins
from tests.unit import data

MiB = 1024 * 1024
QUOTA = 20 * MiB


def compressible(size):
    """Real data and zeros: compresses to well under a third."""
    return data.real_bytes(4 * MiB) + bytes(size - 4 * MiB)


class _QuotaCases:
    """Cases every plugin list must pass; mixed into test classes."""

    import_options = {'DEFAULT': {'user_storage_quota': '20MB'}}

    def import_stored_compressed(self, plain, payload):
        path = self.write('upload', payload)
        image = gclient.create_and_import(self.client, path, 'raw',
                                          'compressed')
        self.assertEqual('active', image['status'])
        self.assertLess(image['size'], QUOTA)
        self.assertEqual(len(plain), image['virtual_size'])
        self.assertEqual(plain, gzip.decompress(self.download(image)))
        self.assertStagingEmpty()
        return image

    def test_gzip_upload_stored_compressed_counts_compressed_size(self):
        plain = compressible(48 * MiB)
        self.assertGreater(len(plain), QUOTA)
        image = self.import_stored_compressed(plain, gzip.compress(plain))
        self.assertEqual('gzip', image[properties.UPLOAD_COMPRESSION])

    def test_plain_upload_stored_compressed_counts_compressed_size(self):
        plain = compressible(32 * MiB)
        self.import_stored_compressed(plain, plain)

    def test_compressed_output_over_quota_refused(self):
        # Random data does not compress: the stored size passes the quota.
        payload = gzip.compress(os.urandom(24 * MiB), compresslevel=1)
        message = self.assertRefused(payload, 'raw', 'compressed')
        self.assertIn('the compressed image', message)
        self.assertIn('would exceed the storage quota of its owner', message)

    def test_stored_plain_still_counts_plain_size(self):
        payload = gzip.compress(compressible(32 * MiB))
        message = self.assertRefused(payload, 'raw', 'bare')
        self.assertIn('would exceed the storage quota of its owner', message)


class TestQuotaBothPlugins(_QuotaCases,
                           test_import_plugins.ImportTestBase):
    plugins = ['accel_decompress', 'accel_compress']


class TestQuotaRecommendedOrder(_QuotaCases,
                                test_import_plugins.ImportTestBase):
    plugins = ['accel_decompress', 'image_conversion', 'accel_compress']


class TestQuotaCompressOnly(_QuotaCases,
                            test_import_plugins.ImportTestBase):
    """accel_compress alone unpacks a compressed upload itself."""

    plugins = ['accel_compress']

    def test_stored_plain_still_counts_plain_size(self):
        # Nothing of ours runs for a bare image here; Glance stores the
        # gzip bytes and counts them, which is its own accounting.
        payload = gzip.compress(compressible(32 * MiB))
        path = self.write('upload', payload)
        image = gclient.create_and_import(self.client, path, 'raw', 'bare')
        self.assertEqual(len(payload), image['size'])
