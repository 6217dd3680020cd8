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

"""Refused imports in a real glance-api (doc/source/security.rst's rows).

For every refusal: the task message says why, the image is back to
``queued`` with its store marked failed, staging is empty and nothing was
stored. Row 20 (success) is in test_import_plugins.py.
"""

import gzip
import os
import subprocess

from glance_accel_import.devtools.embedded import client as gclient
from tests.functional import test_import_plugins
from tests.unit import data
from tests.unit import hostile

MiB = 1024 * 1024


class RefusalTestBase(test_import_plugins.ImportTestBase):

    plugins = ['accel_decompress', 'image_conversion', 'accel_compress']


class TestRefusals(RefusalTestBase):

    import_options = {'accel_decompress': {'max_output_size': 64 * MiB}}

    def test_row01_bomb(self):
        bomb = gzip.compress(bytes(1024 * MiB), compresslevel=9)
        self.assertLess(len(bomb), 2 * MiB)
        message = self.assertRefused(bomb)
        self.assertIn('decompressed data exceeds the limit of 67108864 '
                      'bytes', message)

    def test_row08_qcow2_data_file(self):
        qcow2 = self.qcow2(data_file=os.path.join(self.files, 'host-file'))
        message = self.assertRefused(gzip.compress(qcow2), 'qcow2')
        self.assertIn('image failed safety checks', message)

    def test_row12_qcow2_content_claimed_raw(self):
        message = self.assertRefused(gzip.compress(self.qcow2()), 'raw')
        self.assertIn('image data is qcow2 but its disk_format is raw',
                      message)

    def test_row12_raw_content_claimed_qcow2(self):
        message = self.assertRefused(gzip.compress(data.real_bytes(MiB)),
                                     'qcow2', 'compressed')
        self.assertIn('image data is raw but its disk_format is qcow2',
                      message)


class TestDecoderMemory(RefusalTestBase):
    """A header cannot make glance-api allocate more than the option says.
    """

    def test_xz_declaring_a_huge_dictionary(self):
        # What took 1.5 GiB of the worker's memory, with less data inside.
        payload = hostile.xz_declaring(data.real_bytes(4 * MiB), 1536 * MiB)
        message = self.assertRefused(payload)
        self.assertIn('xz data needs more memory for its dictionary than the '
                      'limit of 134217728 bytes set by [accel_decompress] '
                      'max_decoder_memory', message)

    def test_zstd_long_31(self):
        payload = hostile.zstd_declaring(data.real_bytes(4 * MiB), 31)
        message = self.assertRefused(payload)
        self.assertIn('zstd data needs a 2147483648-byte window, larger than '
                      'the limit of 134217728 bytes set by [accel_decompress] '
                      'max_decoder_memory', message)
        self.assertNotIn('corrupt', message)


class TestWorkPerByte(RefusalTestBase):
    """Members that hold nothing are refused before they cost minutes."""

    def test_a_million_empty_gzip_members(self):
        message = self.assertRefused(hostile.empty_gzip_members(10 ** 6))
        self.assertIn('too many gzip members or frames: 65 of them hold only '
                      '0 bytes', message)

    def test_two_million_zstd_skippable_frames(self):
        message = self.assertRefused(hostile.skippable_frames(2 * 10 ** 6))
        self.assertIn('too many zstd members or frames: 65 of them hold only '
                      '0 bytes', message)

    def test_a_zstd_frame_of_empty_blocks(self):
        # 15 MB, five million 3-byte blocks: 25 s of CPU before the rule.
        message = self.assertRefused(hostile.empty_zstd_blocks(5 * 10 ** 6))
        self.assertIn('too many zstd blocks in one frame: 5 of them hold only '
                      '0 bytes', message)


class TestQuota(RefusalTestBase):
    """Row 3: under image_size_cap, over the owner's storage quota."""

    import_options = {'DEFAULT': {'user_storage_quota': '20MB'}}

    def test_row03_quota_counts_the_decompressed_size(self):
        payload = gzip.compress(data.real_bytes(8 * MiB) + bytes(24 * MiB))
        self.assertLess(len(payload), 20 * MiB)
        message = self.assertRefused(payload)
        self.assertIn('would exceed the storage quota of its owner', message)

    def test_under_quota_is_imported(self):
        plain = data.real_bytes(4 * MiB)
        path = self.write('small.gz', gzip.compress(plain))
        image = gclient.create_and_import(self.client, path, 'raw', 'bare')
        self.assertEqual(plain, self.download(image))


class TestStagingFull(RefusalTestBase):
    """Row 14: the staging filesystem fills up while decompressing."""

    import_options = {'accel_import': {'free_space_reserve': 0}}

    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest('mounting a small tmpfs over staging needs root')
        subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=24m', 'tmpfs',
                        self.glance.staging_dir], check=True)
        self.addCleanup(subprocess.run,
                        ['umount', '-l', self.glance.staging_dir])

    def test_row14_disk_full(self):
        # Real data, not zeros: zero runs become holes and take no space.
        payload = gzip.compress(data.real_bytes(6 * MiB) * 5, compresslevel=1)
        self.assertLess(len(payload), 10 * MiB)
        message = self.assertRefused(payload)
        self.assertIn('the staging area filled up', message)
