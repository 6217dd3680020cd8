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

"""``openstack image create --volume --container-format compressed``.

Uploading a volume needs Cinder, so this runs against the whole cloud of
tools/cloud.sh (Keystone, Cinder with contrib/cinder's patch, Glance with
our plugins) when it is up, as the member of project ``alpha``; it skips
otherwise, saying why. Nothing here starts or stops the cloud.
"""

import json
import os
import time

import testtools

from glance_accel_import import properties
from tests.clients import base
from tests import paths


class CloudTestCase(testtools.TestCase):
    """The patched ``openstack`` command as the member of ``alpha``."""

    def setUp(self):
        super().setUp()
        if not os.path.exists(paths.CLOUDS_YAML):
            self.skipTest('image create --volume needs Cinder: the cloud is '
                          'not up (no %s; run tools/cloud.sh up)'
                          % paths.CLOUDS_YAML)
        self.useFixture(base.OscVenv())
        proc = self.run_openstack('token', 'issue', '--format', 'json')
        if proc.returncode:
            self.skipTest('Keystone does not answer (is tools/cloud.sh up '
                          'done?): %s' % proc.stderr.decode()[-300:])

    def run_openstack(self, *args):
        return base.run(self, 'openstack-%s-%s' % args[:2],
                        [base.OPENSTACK, '--os-cloud', 'cloud-alpha']
                        + list(args),
                        env={'OS_CLIENT_CONFIG_FILE': paths.CLOUDS_YAML})

    def openstack(self, *args):
        proc = self.run_openstack(*args)
        self.assertEqual(0, proc.returncode, proc.stderr.decode()[-3000:])
        out = proc.stdout.decode()
        return json.loads(out) if out.strip() else None

    def wait_for(self, kind, ident, status, timeout=900):
        deadline = time.monotonic() + timeout
        while True:
            shown = self.openstack(kind, 'show', '--format', 'json', ident)
            if shown['status'] == status:
                return shown
            self.assertNotIn(shown['status'], ('error', 'killed', 'deleted'))
            if time.monotonic() > deadline:
                self.fail('%s %s still %s after %d s'
                          % (kind, ident, shown['status'], timeout))
            time.sleep(3)


class TestOpenStackCLIWithCloud(CloudTestCase):

    def test_create_from_volume_compressed(self):
        volume = self.openstack('volume', 'create', '--size', '1',
                                '--format', 'json', 'osc-compressed-src')
        self.addCleanup(self.run_openstack, 'volume', 'delete', volume['id'])
        self.wait_for('volume', volume['id'], 'available')

        upload = self.openstack(
            'image', 'create', '--volume', volume['id'],
            '--container-format', 'compressed', '--disk-format', 'raw',
            '--format', 'json', 'osc-compressed')
        self.addCleanup(self.run_openstack, 'image', 'delete',
                        upload['image_id'])
        self.assertEqual('compressed', upload['container_format'])

        image = self.wait_for('image', upload['image_id'], 'active')
        # The volume is busy until Cinder has finished the upload.
        self.wait_for('volume', volume['id'], 'available')
        self.assertEqual('compressed', image['container_format'])
        self.assertEqual('raw', image['disk_format'])
        props = image['properties']
        self.assertEqual('gzip', props[properties.COMPRESSION_FORMAT])
        self.assertEqual(str(1024 ** 3),
                         str(props[properties.UNCOMPRESSED_SIZE]))
        # A zeroed 1 GiB volume compresses to next to nothing.
        self.assertLess(image['size'], 16 * 1024 * 1024)
