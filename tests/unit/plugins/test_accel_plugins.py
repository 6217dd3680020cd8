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

"""Both import plugins, run as Glance runs them, against real files.

Glance's ImportActionWrapper is replaced by ``fakes.FakeActionWrapper``;
codecs, the format inspector, qemu-img-built images and the staging files
are real.
"""

import gzip
import hashlib
import lzma
import os
import shutil
import subprocess

import fixtures
from glance.async_.flows import api_image_import  # noqa: registers options
from glance.common import exception as glance_exception
from oslo_config import fixture as config_fixture
import testtools

from glance_accel_import import exception
from glance_accel_import import opts
from glance_accel_import.plugins import accel_compress
from glance_accel_import.plugins import accel_decompress
from glance_accel_import import properties
from tests.unit import data
from tests.unit import fakes

IMAGE_ID = '6a6f0d8b-52f6-4d4e-9b1e-1c5a4e0f7a11'


class PluginTestBase(testtools.TestCase):

    plugins = ['accel_decompress', 'image_conversion', 'accel_compress']

    def setUp(self):
        super().setUp()
        self.conf = self.useFixture(config_fixture.Config()).conf
        self.conf.set_override('image_import_plugins', self.plugins,
                               group='image_import_opts')
        self.staging = self.useFixture(fixtures.TempDir()).path
        self.staged = os.path.join(self.staging, IMAGE_ID)
        self.file_uri = 'file://' + self.staged

    def stage(self, payload):
        with open(self.staged, 'wb') as f:
            f.write(payload)

    def staged_bytes(self):
        with open(self.staged, 'rb') as f:
            return f.read()

    def staging_files(self):
        return sorted(os.listdir(self.staging))

    def flow_task(self, module, image):
        self.wrapper = fakes.FakeActionWrapper(image)
        flow = module.get_flow(task_id='t1', task_type='api_image_import',
                               action_wrapper=self.wrapper,
                               backend=['fast'],
                               image_repo=fakes.FakeImageRepo(image),
                               image_id=image.image_id)
        (task,) = list(flow)
        return task

    def qcow2(self, **kwargs):
        if not data.have_qemu_img():
            self.skipTest('qemu-img is not installed (Debian: qemu-utils)')
        path = os.path.join(self.useFixture(fixtures.TempDir()).path, 'q')
        return data.make_qcow2(path, **kwargs)

    def assertReverted(self, task, status='queued'):
        """The task cleaned up; ``status`` is what it left the image in."""
        task.revert(result=None)
        image = self.wrapper.image
        self.assertEqual(status, image.status)
        self.assertEqual('', image.extra_properties[fakes.IMPORTING])
        self.assertEqual('fast', image.extra_properties[fakes.FAILED])
        self.assertEqual([], self.staging_files())
        task.revert(result=None)  # twice, with its files gone: still fine


class DecompressTest(PluginTestBase):

    def run_task(self, payload, disk_format='raw', container_format='bare'):
        self.stage(payload)
        image = fakes.FakeImage(IMAGE_ID, disk_format, container_format)
        task = self.flow_task(accel_decompress, image)
        return task, task.execute(self.file_uri)

    def test_gzip_raw(self):
        plain = data.real_bytes(2 * 1024 * 1024)
        task, result = self.run_task(data.multi_member_gzip(plain, 7))
        self.assertEqual(self.file_uri, result)
        self.assertEqual(plain, self.staged_bytes())
        self.assertEqual([IMAGE_ID], self.staging_files())
        image = self.wrapper.image
        self.assertEqual(len(plain), image.size)
        self.assertEqual(len(plain), image.virtual_size)
        self.assertEqual('bare', image.container_format)
        self.assertEqual('gzip',
                         image.extra_properties[properties.UPLOAD_COMPRESSION])
        self.assertEqual('isal', image.extra_properties[
            properties.DECOMPRESSION_ENGINE])

    def test_gzip_qcow2_sets_virtual_size(self):
        qcow2 = self.qcow2(size='80M')
        self.run_task(gzip.compress(qcow2), disk_format='qcow2')
        self.assertEqual(qcow2, self.staged_bytes())
        self.assertEqual(80 * 1024 * 1024, self.wrapper.image.virtual_size)
        self.assertEqual(len(qcow2), self.wrapper.image.size)

    def test_xz_is_read_by_the_stdlib_engine(self):
        plain = data.real_bytes(300000)
        self.run_task(lzma.compress(plain))
        self.assertEqual(plain, self.staged_bytes())
        self.assertEqual('stdlib', self.wrapper.image.extra_properties[
            properties.DECOMPRESSION_ENGINE])

    def test_keeps_compressed_container_for_accel_compress(self):
        self.run_task(gzip.compress(data.real_bytes(1000)),
                      container_format='compressed')
        self.assertEqual('compressed', self.wrapper.image.container_format)

    def test_bare_when_accel_compress_is_off(self):
        self.conf.set_override('enabled', False, group=opts.COMPRESS_GROUP)
        self.run_task(gzip.compress(data.real_bytes(1000)),
                      container_format='compressed')
        self.assertEqual('bare', self.wrapper.image.container_format)

    def test_plain_payload_untouched(self):
        plain = data.real_bytes(100000)
        task, result = self.run_task(plain)
        self.assertEqual(self.file_uri, result)
        self.assertEqual(plain, self.staged_bytes())
        self.assertEqual(0, self.wrapper.saves)

    def test_disabled(self):
        self.conf.set_override('enabled', False, group=opts.DECOMPRESS_GROUP)
        payload = gzip.compress(data.real_bytes(1000))
        self.run_task(payload)
        self.assertEqual(payload, self.staged_bytes())

    def _assert_refused(self, payload, error, **image):
        self.stage(payload)
        task = self.flow_task(accel_decompress,
                              fakes.FakeImage(IMAGE_ID, **image))
        exc = self.assertRaises(error, task.execute, self.file_uri)
        self.assertIsInstance(exc, glance_exception.UploadException)
        # The staged original is intact and nothing of ours is left.
        self.assertEqual(payload, self.staged_bytes())
        self.assertEqual([IMAGE_ID], self.staging_files())
        self.assertReverted(task)
        return exc

    def test_corrupt_payload(self):
        payload = gzip.compress(data.real_bytes(500000))[:-20]
        exc = self._assert_refused(payload, exception.CorruptCompressedData)
        self.assertIn('corrupt compressed data (gzip)', str(exc))

    def test_output_limit(self):
        self.conf.set_override('max_output_size', 1024 * 1024,
                               group=opts.DECOMPRESS_GROUP)
        bomb = gzip.compress(bytes(64 * 1024 * 1024), compresslevel=9)
        exc = self._assert_refused(bomb, exception.OutputLimitExceeded)
        self.assertIn('1048576 bytes', str(exc))

    def test_image_size_cap_is_the_default_limit(self):
        self.conf.set_override('image_size_cap', 2 * 1024 * 1024)
        bomb = gzip.compress(bytes(16 * 1024 * 1024), compresslevel=9)
        self._assert_refused(bomb, exception.OutputLimitExceeded)

    def test_backing_file_rejected(self):
        payload = gzip.compress(self.qcow2(backing='/etc/hostname'))
        exc = self._assert_refused(payload, exception.ImageRejected,
                                   disk_format='qcow2')
        self.assertIn('safety checks', str(exc))

    def test_data_file_rejected(self):
        payload = gzip.compress(self.qcow2(data_file='/tmp/qcow-data'))
        self._assert_refused(payload, exception.ImageRejected,
                             disk_format='qcow2')

    def test_disk_format_mismatch(self):
        payload = gzip.compress(self.qcow2())
        exc = self._assert_refused(payload, exception.ImageRejected,
                                   disk_format='raw')
        self.assertIn('image data is qcow2 but its disk_format is raw',
                      str(exc))

    def test_format_without_engine(self):
        if shutil.which('lz4') is None:
            self.skipTest('the lz4 command is not installed (Debian: lz4)')
        payload = subprocess.run(['lz4', '-c'], input=b'x' * 1000,
                                 stdout=subprocess.PIPE, check=True).stdout
        exc = self._assert_refused(payload, exception.NoEngineAvailable)
        self.assertIn('decompress lz4', str(exc))

    def test_zstd_upload(self):
        import zstandard
        plain = data.real_bytes(2 * 1024 * 1024)
        self.run_task(zstandard.ZstdCompressor(threads=2).compress(plain))
        self.assertEqual(plain, self.staged_bytes())
        self.assertEqual('zstd', self.wrapper.image.extra_properties[
            properties.DECOMPRESSION_ENGINE])

    def test_revert_after_success_cleans_staging(self):
        task, _ = self.run_task(gzip.compress(data.real_bytes(1000)))
        self.assertReverted(task)


class CompressTest(PluginTestBase):

    def run_task(self, payload, disk_format='raw',
                 container_format='compressed', current=None):
        self.stage(payload)
        image = fakes.FakeImage(IMAGE_ID, disk_format, container_format)
        task = self.flow_task(accel_compress, image)
        if current is not None:  # e.g. image_conversion changed it
            self.wrapper.image.container_format = current
        return task, task.execute(self.file_uri)

    def test_compresses_with_provenance(self):
        plain = data.real_bytes(3 * 1024 * 1024)
        task, result = self.run_task(plain)
        self.assertEqual(self.file_uri, result)
        stored = self.staged_bytes()
        self.assertEqual(plain, gzip.decompress(stored))
        image = self.wrapper.image
        self.assertEqual(len(stored), image.size)
        self.assertEqual(len(plain), image.virtual_size)
        self.assertEqual('compressed', image.container_format)
        props = image.extra_properties
        self.assertEqual('gzip', props[properties.COMPRESSION_FORMAT])
        self.assertEqual('isal', props[properties.COMPRESSION_ENGINE])
        self.assertEqual(str(len(plain)), props[properties.UNCOMPRESSED_SIZE])
        self.assertEqual(data.block_sha256(plain),
                         props[properties.UNCOMPRESSED_BLOCK_SHA256])
        self.assertNotIn(properties.UNCOMPRESSED_SHA256, props)
        self.assertEqual([IMAGE_ID], self.staging_files())

    def test_full_sha256_on_request(self):
        self.conf.set_override('uncompressed_digest', 'sha256',
                               group=opts.COMPRESS_GROUP)
        plain = data.real_bytes(5 * 1024 * 1024)
        self.run_task(plain)
        props = self.wrapper.image.extra_properties
        self.assertEqual(hashlib.sha256(plain).hexdigest(),
                         props[properties.UNCOMPRESSED_SHA256])
        self.assertNotIn(properties.UNCOMPRESSED_BLOCK_SHA256, props)

    def test_digest_can_be_skipped(self):
        self.conf.set_override('uncompressed_digest', 'none',
                               group=opts.COMPRESS_GROUP)
        plain = data.real_bytes(1024 * 1024)
        self.run_task(plain)
        self.assertEqual(plain, gzip.decompress(self.staged_bytes()))
        props = self.wrapper.image.extra_properties
        self.assertNotIn(properties.UNCOMPRESSED_SHA256, props)
        self.assertNotIn(properties.UNCOMPRESSED_BLOCK_SHA256, props)
        self.assertEqual(str(len(plain)), props[properties.UNCOMPRESSED_SIZE])

    def test_zstd_format(self):
        import zstandard
        self.conf.set_override('format', 'zstd', group=opts.COMPRESS_GROUP)
        plain = data.real_bytes(2 * 1024 * 1024)
        self.run_task(plain)
        self.assertEqual(plain, zstandard.ZstdDecompressor().decompressobj(
        ).decompress(self.staged_bytes()))
        props = self.wrapper.image.extra_properties
        self.assertEqual('zstd', props[properties.COMPRESSION_FORMAT])
        self.assertEqual('zstd', props[properties.COMPRESSION_ENGINE])

    def test_engine_order_and_level_are_honoured(self):
        self.conf.set_override('engine_order', ['stdlib'],
                               group=opts.ENGINE_GROUP)
        self.conf.set_override('level', 9, group=opts.COMPRESS_GROUP)
        plain = data.real_bytes(1024 * 1024)
        self.run_task(plain)
        stored = self.staged_bytes()
        self.assertEqual(plain, gzip.decompress(stored))
        # As small as zlib's level 9 (the block framing adds a few bytes),
        # clearly smaller than level 1.
        self.assertLessEqual(len(stored), len(gzip.compress(plain, 9)) + 16)
        self.assertLess(len(stored), len(gzip.compress(plain, 1)) * 0.95)
        self.assertEqual('stdlib', self.wrapper.image.extra_properties[
            properties.COMPRESSION_ENGINE])

    def test_qcow2_virtual_size(self):
        qcow2 = self.qcow2(size='96M')
        self.run_task(qcow2, disk_format='qcow2')
        self.assertEqual(qcow2, gzip.decompress(self.staged_bytes()))
        self.assertEqual(96 * 1024 * 1024, self.wrapper.image.virtual_size)

    def test_bare_untouched(self):
        plain = data.real_bytes(10000)
        self.run_task(plain, container_format='bare')
        self.assertEqual(plain, self.staged_bytes())
        image = self.wrapper.image
        self.assertEqual(('bare', None, None),
                         (image.container_format, image.size,
                          image.virtual_size))
        self.assertNotIn(properties.COMPRESSION_FORMAT,
                         image.extra_properties)

    def test_compressed_even_after_image_conversion_reset_it(self):
        plain = data.real_bytes(10000)
        self.run_task(plain, current='bare')
        self.assertEqual(plain, gzip.decompress(self.staged_bytes()))
        self.assertEqual('compressed', self.wrapper.image.container_format)

    def test_compressed_payload_unpacked_and_measured(self):
        # accel_decompress did not run: the upload's one layer is removed
        # with the same limits and checks, so size and virtual size are
        # measured, never taken from the upload.
        plain = data.real_bytes(100000) + bytes(400000)
        self.run_task(lzma.compress(plain))
        self.assertEqual(plain, gzip.decompress(self.staged_bytes()))
        image = self.wrapper.image
        self.assertEqual(len(plain), image.virtual_size)
        self.assertEqual(len(self.staged_bytes()), image.size)
        props = image.extra_properties
        self.assertEqual('xz', props[properties.UPLOAD_COMPRESSION])
        self.assertEqual('gzip', props[properties.COMPRESSION_FORMAT])
        self.assertEqual(str(len(plain)), props[properties.UNCOMPRESSED_SIZE])
        self.assertEqual([IMAGE_ID], self.staging_files())

    def test_compressed_payload_within_limits(self):
        self.conf.set_override('max_output_size', 1024 * 1024,
                               group=opts.DECOMPRESS_GROUP)
        payload = gzip.compress(bytes(8 * 1024 * 1024))
        self.stage(payload)
        task = self.flow_task(accel_compress, fakes.FakeImage(
            IMAGE_ID, 'raw', 'compressed'))
        self.assertRaises(exception.OutputLimitExceeded, task.execute,
                          self.file_uri)
        self.assertEqual(payload, self.staged_bytes())
        self.assertEqual([IMAGE_ID], self.staging_files())

    def test_disabled(self):
        self.conf.set_override('enabled', False, group=opts.COMPRESS_GROUP)
        plain = data.real_bytes(10000)
        self.run_task(plain)
        self.assertEqual(plain, self.staged_bytes())

    def test_unsafe_image_rejected_before_compression(self):
        payload = self.qcow2(backing='/etc/hostname')
        self.stage(payload)
        task = self.flow_task(accel_compress, fakes.FakeImage(
            IMAGE_ID, 'qcow2', 'compressed'))
        self.assertRaises(exception.ImageRejected, task.execute,
                          self.file_uri)
        self.assertEqual(payload, self.staged_bytes())
        self.assertEqual([IMAGE_ID], self.staging_files())
        # Listed after image_conversion, whose revert requeues the image
        # right after ours; a second requeue would fail in Glance.
        self.assertReverted(task, status='importing')

    def test_revert_requeues_without_image_conversion(self):
        self.conf.set_override('image_import_plugins',
                               ['accel_decompress', 'accel_compress'],
                               group='image_import_opts')
        task, _ = self.run_task(data.real_bytes(1000))
        self.assertReverted(task)
