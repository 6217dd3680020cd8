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

"""accel_compress on a fake QAT host: which engine did the image, and why."""

import gzip

import fixtures

from glance_accel_import.engines import gzip_members
from glance_accel_import.plugins import accel_compress
from glance_accel_import import properties
from tests.unit import data
from tests.unit import fakes
from tests.unit.plugins import test_accel_plugins as test_plugins
from tests.unit import qat_fakes


class QatCompressPluginTest(test_plugins.PluginTestBase):

    def run_task(self, plain):
        self.stage(plain)
        image = fakes.FakeImage(test_plugins.IMAGE_ID, 'raw', 'compressed')
        task = self.flow_task(accel_compress, image)
        task.execute(self.file_uri)
        return self.wrapper.image.extra_properties

    def test_image_compressed_by_qat(self):
        self.useFixture(qat_fakes.ReadyQat())
        log = self.useFixture(fixtures.FakeLogger(
            name='glance_accel_import'))
        plain = data.real_bytes(1024 * 1024)
        props = self.run_task(plain)
        self.assertEqual('qat', props[properties.COMPRESSION_ENGINE])
        self.assertEqual(plain, gzip.decompress(self.staged_bytes()))
        self.assertIn('compressed by engine qat (first choice)', log.output)

    def test_failing_qat_leaves_the_image_to_software(self):
        self.useFixture(qat_fakes.ReadyQat(fail='killed'))
        log = self.useFixture(fixtures.FakeLogger(
            name='glance_accel_import'))
        plain = data.real_bytes(1024 * 1024)
        props = self.run_task(plain)
        self.assertEqual('isal', props[properties.COMPRESSION_ENGINE])
        self.assertEqual(plain, gzip.decompress(self.staged_bytes()))
        # Nothing of qzip's output is kept: qzip writes a member per 64 KiB
        # buffer, our software engine one sized member for this 1 MiB.
        plain_size, _ = gzip_members.parse_header(self.staged_bytes()[:64])
        self.assertEqual(len(plain), plain_size)
        self.assertIn('compressed by engine isal (after engine qat failed: '
                      'qzip was killed by signal 9', log.output)
        self.assertIn('starts again from byte 0', log.output)
        self.assertEqual([test_plugins.IMAGE_ID], self.staging_files())

    def test_no_qat_here_says_why(self):
        host = self.useFixture(qat_fakes.FakeQatHost())
        ready = self.useFixture(qat_fakes.ReadyQat())
        ready.conf.set_override('sysfs_root', host.sysfs,
                                group=qat_fakes.GROUP)
        log = self.useFixture(fixtures.FakeLogger(
            name='glance_accel_import'))
        props = self.run_task(data.real_bytes(100000))
        self.assertEqual('isal', props[properties.COMPRESSION_ENGINE])
        self.assertIn('compressed by engine isal (after qat: unavailable: '
                      'no Intel QAT PCI device', log.output)
