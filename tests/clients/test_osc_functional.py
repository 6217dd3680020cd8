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

"""The patched ``openstack`` command asks a real glance-api for compressed.

glance-api runs with both import plugins (the functional tests' embedded
server). The ``openstack`` command from .venv-osc (python-openstackclient
10.5.0 with contrib/python-openstackclient applied) talks to it with
``--os-auth-type none --os-endpoint URL``, through IdentityProxy, which
adds the identity headers keystonemiddleware would (no Keystone runs here).
Unpatched, every command below exits 2: ``invalid choice: 'compressed'``.

``image create --volume`` needs Cinder: that test runs against the whole
cloud of tools/cloud.sh when it is up ($CLOUD_DIR, default .cloud) and
skips otherwise, saying so.
"""

import gzip
import json
import os
import subprocess

from glance_accel_import.devtools import diskimage
from glance_accel_import.devtools.embedded import client as gclient
from glance_accel_import import properties
from tests.clients import base
from tests.clients import identity_proxy
from tests.functional import base as functional_base
from tests.unit import data

MiB = 1024 * 1024


class OpenStackCLIMixin:

    def openstack(self, *args, auth=None):
        """Run the patched ``openstack``; its parsed JSON output, if any."""
        proc = base.run(self, 'openstack-%s' % args[1],
                        [base.OPENSTACK] + list(auth or self.auth_args)
                        + list(args))
        self.assertEqual(0, proc.returncode, proc.stderr.decode()[-3000:])
        out = proc.stdout.decode()
        return json.loads(out) if out.strip() else None


class TestOpenStackCLIWithGlance(OpenStackCLIMixin,
                                 functional_base.GlanceFunctionalTest):

    plugins = ['accel_decompress', 'accel_compress']

    def setUp(self):
        self.useFixture(base.OscVenv())
        super().setUp()
        proxy = identity_proxy.IdentityProxy(self.glance.url).start()
        self.addCleanup(proxy.stop)
        self.auth_args = ['--os-auth-type', 'none',
                          '--os-endpoint', proxy.url,
                          '--os-image-api-version', '2']
        self.files = os.path.join(self.glance.workdir, 'files')
        os.makedirs(self.files)

    def stored(self, image_id):
        return data.read_file(os.path.join(self.glance.store_dir, image_id))

    def test_create_import_compressed(self):
        path = os.path.join(self.files, 'volume.img')
        diskimage.build_ext4_image(path, 16 * MiB, data_fraction=0.3)
        original = data.read_file(path)

        created = self.openstack(
            'image', 'create', '--import', '--container-format', 'compressed',
            '--disk-format', 'raw', '--file', path, '--format', 'json',
            'ext4-compressed')
        self.assertEqual('compressed', created['container_format'])

        # The import runs after the command returns.
        image = gclient.wait_for_import(self.client, created['id'])
        self.assertEqual('active', image['status'])
        stored = self.stored(image['id'])
        self.assertEqual(b'\x1f\x8b', stored[:2])
        self.assertEqual(original, gzip.decompress(stored))
        self.assertLess(len(stored), len(original) // 2)

        shown = self.openstack('image', 'show', '--format', 'json',
                               created['id'])
        self.assertEqual('active', shown['status'])
        self.assertEqual('compressed', shown['container_format'])
        self.assertEqual(len(stored), shown['size'])
        props = shown['properties']
        self.assertEqual('gzip', props[properties.COMPRESSION_FORMAT])
        self.assertEqual(str(len(original)),
                         props[properties.UNCOMPRESSED_SIZE])
        self.assertEqual(data.block_sha256(original),
                         props[properties.UNCOMPRESSED_BLOCK_SHA256])
        self.assertIn(properties.COMPRESSION_ENGINE, props)

    def test_create_file_compressed(self):
        # A plain upload is no import: the plugins do not run, and Glance
        # stores what the user sends, so the user brings gzip bytes.
        plain = os.path.join(self.files, 'volume.img')
        diskimage.build_ext4_image(plain, 8 * MiB, data_fraction=0.3)
        subprocess.run(['gzip', '-k', plain], check=True)
        payload = data.read_file(plain + '.gz')

        created = self.openstack(
            'image', 'create', '--container-format', 'compressed',
            '--disk-format', 'raw', '--file', plain + '.gz',
            '--format', 'json', 'gzip-upload')

        self.assertEqual('active', created['status'])
        self.assertEqual('compressed', created['container_format'])
        self.assertEqual(payload, self.stored(created['id']))

    def test_set_container_format_compressed(self):
        # Glance changes the container format of queued images only. The
        # command would read image data from a stdin that is no terminal,
        # so the image is reserved directly.
        reserved = self.client.images.create(
            name='reserved', disk_format='raw', container_format='bare')

        self.openstack('image', 'set', '--container-format', 'compressed',
                       reserved['id'])

        shown = self.openstack('image', 'show', '--format', 'json',
                               reserved['id'])
        self.assertEqual('queued', shown['status'])
        self.assertEqual('compressed', shown['container_format'])
