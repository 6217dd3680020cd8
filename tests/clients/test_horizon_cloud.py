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

"""Horizon's Upload to Image, in chromium, against the whole cloud.

The patched Horizon (.venv-horizon) is served on 127.0.0.1 by Django's
development server with Horizon's own settings pointed at the Keystone of
tools/cloud.sh (horizon_ui/cloud_settings.py). chromium logs in as the
member of project ``alpha``, opens a fresh volume's "Upload to Image",
chooses "Compressed" and submits; the image must end ``active`` as
``compressed``: the browser finds it on the Images panel and its detail page
shows container format ``COMPRESSED`` (Horizon upper-cases the value) and
status ``Active``; the ``openstack`` command checks that Glance's
``accel_compress`` stored it as gzip. Skips, saying why, when the cloud is
not up or chromium is missing (tools/run-tests.sh fails on that skip).
"""

import os
import shutil
import socket
import subprocess
import time
import urllib.request

import fixtures
import yaml

from glance_accel_import import properties
from tests.clients import base
from tests.clients import test_osc_cloud
from tests import paths

HERE = os.path.dirname(os.path.abspath(__file__))


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class TestHorizonUploadWithCloud(test_osc_cloud.CloudTestCase):

    def setUp(self):
        for tool, package in (('chromium', 'chromium'),
                              ('chromedriver', 'chromium-driver')):
            if not shutil.which(tool):
                self.skipTest('%s is not installed (Debian: %s)'
                              % (tool, package))
        super().setUp()
        self.useFixture(base.HorizonVenv())
        with open(paths.CLOUDS_YAML) as f:
            self.cloud = yaml.safe_load(f)['clouds']['cloud-alpha']['auth']
        self.horizon_url = self.start_horizon()

    def start_horizon(self):
        port = _free_port()
        workdir = self.useFixture(fixtures.TempDir()).path
        log = open(os.path.join(workdir, 'horizon.log'), 'wb')
        self.addCleanup(log.close)
        env = dict(os.environ,
                   PYTHONPATH=os.path.join(HERE, 'horizon_ui'),
                   DJANGO_SETTINGS_MODULE='cloud_settings',
                   HORIZON_KEYSTONE_URL=self.cloud['auth_url'])
        proc = subprocess.Popen(
            [base.HORIZON_VENV + '/bin/python', 'manage.py', 'runserver',
             '--noreload', '127.0.0.1:%d' % port],
            cwd=base.HORIZON_SRC, env=env, stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(proc.wait, 30)
        self.addCleanup(proc.terminate)
        url = 'http://127.0.0.1:%d' % port
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(url + '/auth/login/', timeout=60)
                return url
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    with open(log.name, errors='replace') as f:
                        self.fail('Horizon did not start:\n%s'
                                  % f.read()[-3000:])
                time.sleep(1)

    def test_upload_to_image_compressed_in_browser(self):
        volume = self.openstack('volume', 'create', '--size', '1',
                                '--format', 'json', 'horizon-compressed-src')
        self.addCleanup(self.run_openstack, 'volume', 'delete', volume['id'])
        self.wait_for('volume', volume['id'], 'available')

        self.browser('upload', volume['id'], 'horizon-compressed',
                     os.environ.get('UPLOAD_FORM_CLOUD_SCREENSHOT', ''))

        images = self.openstack('image', 'list', '--name',
                                'horizon-compressed', '--format', 'json')
        self.assertEqual(1, len(images), images)
        image_id = images[0]['ID']
        self.addCleanup(self.run_openstack, 'image', 'delete', image_id)
        # The browser sees it listed, then COMPRESSED and Active.
        self.browser('image', 'horizon-compressed', image_id,
                     os.environ.get('IMAGE_DETAIL_CLOUD_SCREENSHOT', ''))
        image = self.wait_for('image', image_id, 'active')
        self.wait_for('volume', volume['id'], 'available')
        self.assertEqual('compressed', image['container_format'])
        props = image['properties']
        self.assertEqual('gzip', props[properties.COMPRESSION_FORMAT])
        self.assertEqual(str(1024 ** 3),
                         str(props[properties.UNCOMPRESSED_SIZE]))

    def browser(self, action, *args):
        proc = base.run(self, 'browser-' + action, [
            base.HORIZON_VENV + '/bin/python',
            os.path.join(HERE, 'horizon_ui', 'cloud_browser.py'), action,
            self.horizon_url, self.cloud['username'], self.cloud['password']]
            + list(args))
        self.assertEqual(0, proc.returncode,
                         'the browser failed to %s' % action)
