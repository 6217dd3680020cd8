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

"""The qat engine inside a real glance-api, on a fake QAT host.

Only the hardware is fake (a sysfs tree, device nodes and the fake qzip,
reached through glance-image-import.conf and the server's environment);
glance-api, the plugins, the engines and the images are real.
"""

import gzip
import os

import fixtures

from glance_accel_import.devtools.embedded import client as gclient
from glance_accel_import.engines import gzip_members
from glance_accel_import import properties
from tests.functional import test_import_plugins
from tests.unit import qat_fakes

MiB = 1024 * 1024


def largest_member(stored):
    """Plain bytes in the largest sized gzip member of ``stored``."""
    largest, offset = 0, 0
    while offset < len(stored):
        sizes = gzip_members.parse_header(stored[offset:offset + 64])
        if sizes is None:
            break
        plain_size, deflate_size = sizes
        largest = max(largest, plain_size)
        offset += (gzip_members.HEADER_SIZE + deflate_size
                   + gzip_members.TRAILER_SIZE)
    return largest


class QatImportTestBase(test_import_plugins.ImportTestBase):

    plugins = ['accel_decompress', 'accel_compress']
    #: FAKE_QZIP_FAIL: how the fake qzip misbehaves (None: it works).
    fail = None
    policy = 'prefer_hardware'
    #: [accel_qat] stall_timeout, or None for the default.
    stall_timeout = None

    def setUp(self):
        host = self.useFixture(qat_fakes.FakeQatHost())
        host.add_qatlib_device()
        # glance-api inherits the environment: the fake qzip's switches.
        self.useFixture(fixtures.EnvironmentVariable('FAKE_QZIP_HW', '1'))
        self.useFixture(fixtures.EnvironmentVariable('FAKE_QZIP_FAIL',
                                                     self.fail))
        qat_options = {'sysfs_root': host.sysfs, 'dev_root': host.dev,
                       'qzip_path': qat_fakes.FAKE_QZIP}
        if self.stall_timeout is not None:
            qat_options['stall_timeout'] = self.stall_timeout
        self.import_options = {
            qat_fakes.GROUP: qat_options,
            'accel_import': {'fallback_policy': self.policy},
        }
        super().setUp()

    def import_volume(self):
        path = self.ext4_image(size=32 * MiB)
        with open(path, 'rb') as f:
            original = f.read()
        return path, original


class TestQatDoesTheWork(QatImportTestBase):

    def test_image_compressed_on_qat(self):
        path, original = self.import_volume()
        image = gclient.create_and_import(self.client, path, 'raw',
                                          'compressed')
        stored = self.download(image)
        self.assertEqual('qat', image[properties.COMPRESSION_ENGINE])
        self.assertEqual(b'QZ', stored[12:14])  # qzip's gzipext framing
        self.assertLessEqual(largest_member(stored), 512 * 1024)
        self.assertEqual(original, gzip.decompress(stored))
        self.assertStoredIs(image, stored)
        self.assertIn('compressed by engine qat (first choice)',
                      self.glance.log_tail(200))
        self.assertStagingEmpty()


class TestQatFailsMidStream(QatImportTestBase):

    fail = 'midstream'

    def test_isal_starts_again_from_byte_zero(self):
        path, original = self.import_volume()
        image = gclient.create_and_import(self.client, path, 'raw',
                                          'compressed')
        stored = self.download(image)
        self.assertEqual('isal', image[properties.COMPRESSION_ENGINE])
        # Nothing of qzip's output is kept: its members hold at most one
        # hardware buffer (512 KiB at the most), ours up to 4 MiB.
        self.assertGreater(largest_member(stored), 512 * 1024)
        self.assertEqual(original, gzip.decompress(stored))
        self.assertStoredIs(image, stored)
        log = self.glance.log_tail(200)
        self.assertIn('compressed by engine isal (after engine qat failed: '
                      'qzip exited with status 1', log)
        self.assertStagingEmpty()


class TestHardwareOnly(QatImportTestBase):

    fail = 'bad_crc'
    policy = 'hardware_only'

    def test_import_fails_with_every_reason(self):
        path, _ = self.import_volume()
        exc = self.assertRaises(gclient.ImportFailed,
                                gclient.create_and_import, self.client, path,
                                'raw', 'compressed')
        self.assertIn('engine qat failed: wrote invalid gzip', exc.message)
        self.assertIn('isal: software engine, and fallback_policy is '
                      'hardware_only', exc.message)
        image = dict(self.client.images.get(exc.image['id']))
        self.assertEqual('queued', image['status'])
        self.assertStagingEmpty()
        self.assertEqual([], self.stored_files())
        self.assertFalse(os.listdir(self.glance.staging_dir))
