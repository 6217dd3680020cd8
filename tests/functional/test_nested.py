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

"""Nested compression against a real glance-api (issue 16, item 2).

``gzip(gzip(zeros))`` is a few kilobytes that hold far more than
``image_size_cap``. Whatever plugins are listed, an image stored with
``container_format=compressed`` must have its true plain size as
``virtual_size``, and nothing stored may expand past the limits: nested
compression is refused, a single layer is verified before it is stored.
"""

import gzip
import zlib

from glance_accel_import.devtools.embedded import client as gclient
from glance_accel_import import properties
from tests.functional import test_import_plugins
from tests.unit import data

MiB = 1024 * 1024


def gzip_zeros(size):
    """gzip of ``size`` zero bytes, without holding them in memory."""
    encoder = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(16 * MiB)
    out = []
    for _ in range(size // len(block)):
        out.append(encoder.compress(block))
    out.append(encoder.flush())
    return b''.join(out)


class _NestedCases:
    """Cases every plugin list must pass; mixed into test classes."""

    image_size_cap = 64 * MiB

    def nested_bomb(self):
        # 256 MiB of zeros inside two gzip layers: about 1 KB on the wire.
        inner = gzip_zeros(256 * MiB)
        bomb = gzip.compress(inner)
        self.assertLess(len(bomb), 64 * 1024)
        return bomb

    def test_nested_gzip_refused(self):
        message = self.assertRefused(self.nested_bomb(), 'raw', 'compressed')
        self.assertIn('nested compression', message)

    def test_single_layer_stored_with_true_virtual_size(self):
        plain = data.real_bytes(2 * MiB) + bytes(6 * MiB)
        path = self.write('one-layer.gz', gzip.compress(plain))
        image = gclient.create_and_import(self.client, path, 'raw',
                                          'compressed')
        self.assertEqual('active', image['status'])
        self.assertEqual(len(plain), image['virtual_size'])
        self.assertEqual(str(len(plain)),
                         image[properties.UNCOMPRESSED_SIZE])
        self.assertEqual(plain, gzip.decompress(self.download(image)))
        self.assertStagingEmpty()

    def test_single_layer_bomb_refused(self):
        message = self.assertRefused(gzip_zeros(128 * MiB), 'raw',
                                     'compressed')
        self.assertIn('decompressed data exceeds the limit', message)


class _BareNestedCases(_NestedCases):
    """accel_decompress runs: it handles bare images too."""

    def test_nested_gzip_refused_bare(self):
        message = self.assertRefused(self.nested_bomb(), 'raw', 'bare')
        self.assertIn('nested compression', message)


class TestNestedBothPlugins(_BareNestedCases,
                            test_import_plugins.ImportTestBase):
    plugins = ['accel_decompress', 'accel_compress']


class TestNestedRecommendedOrder(_BareNestedCases,
                                 test_import_plugins.ImportTestBase):
    plugins = ['accel_decompress', 'image_conversion', 'accel_compress']


class TestNestedCompressOnly(_NestedCases,
                             test_import_plugins.ImportTestBase):
    """accel_decompress not listed: accel_compress verifies by itself."""

    plugins = ['accel_compress']


class TestNestedDecompressDisabled(_NestedCases,
                                   test_import_plugins.ImportTestBase):
    """accel_decompress listed but turned off by its option."""

    plugins = ['accel_decompress', 'accel_compress']
    import_options = {'accel_decompress': {'enabled': False}}
