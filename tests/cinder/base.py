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

"""Run Cinder's code in .venv-cinder, next to a real glance-api."""

import json
import os
import subprocess
import sys

import fixtures
from testtools import content

from glance_accel_import.devtools.embedded import server
from tests.functional import base
from tests import paths

CINDER_VENV = os.path.join(paths.REPO, '.venv-cinder')
CINDER_PYTHON = os.path.join(CINDER_VENV, 'bin', 'python')
DRIVER = os.path.join(paths.TESTS, 'cinder', 'cinder_driver.py')
PATCH_DIR = os.path.join(paths.REPO, 'contrib', 'cinder')
#: Where cinder-env.sh leaves the patched source (Cinder's own tests).
CINDER_VERSION = '29.0.0'
CINDER_SRC = os.path.join(CINDER_VENV, 'src', 'cinder-%s' % CINDER_VERSION)


class CinderVenv(fixtures.Fixture):
    """Makes sure .venv-cinder holds Cinder with the current patch.

    tools/cinder-env.sh does nothing when the venv is current and holds a
    lock, so parallel test workers can all use this fixture.
    """

    def _setUp(self):
        proc = subprocess.run(
            ['bash', os.path.join(paths.REPO, 'tools', 'cinder-env.sh')],
            cwd=paths.REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, timeout=1200,
            env=dict(os.environ, CINDER_VERSION=CINDER_VERSION))
        if proc.returncode:
            raise RuntimeError('tools/cinder-env.sh failed (%d):\n%s'
                               % (proc.returncode,
                                  proc.stdout.decode(errors='replace')))


def run_cinder_python(args, cwd=paths.REPO, input=None, timeout=600):
    """Run .venv-cinder's python; returns the CompletedProcess."""
    return subprocess.run([CINDER_PYTHON] + list(args), cwd=cwd,
                          input=input, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout)


class CinderGlanceTest(base.GlanceFunctionalTest):
    """A real glance-api with our plugins, and Cinder's code to drive it."""

    plugins = ['accel_decompress', 'accel_compress']
    #: Cinder options for every request of the test class.
    cinder_options = {}

    def setUp(self):
        if not sys.platform.startswith('linux'):
            self.skipTest('Cinder runs on Linux only')
        self.useFixture(CinderVenv())
        super().setUp()
        self.cinder_workdir = os.path.join(self.glance.workdir, 'cinder')
        os.makedirs(self.cinder_workdir)
        self._calls = 0

    def store_compressed(self, payload, disk_format='raw'):
        """A 'compressed' image holding exactly ``payload``, uploaded as is
        (a plain upload runs no import plugin); returns its id.
        """
        image = self.client.images.create(name='compressed',
                                          disk_format=disk_format,
                                          container_format='compressed')
        path = os.path.join(self.cinder_workdir, 'payload')
        with open(path, 'wb') as f:
            f.write(payload)
        with open(path, 'rb') as f:
            self.client.images.upload(image['id'], f,
                                      image_size=len(payload))
        os.remove(path)
        return image['id']

    def cinder(self, action, **request):
        """Run one action of cinder_driver.py in .venv-cinder."""
        request.update(action=action, glance_url=self.glance.url,
                       headers=server.identity_headers(),
                       workdir=self.cinder_workdir,
                       options=dict(self.cinder_options,
                                    **request.pop('options', {})))
        proc = run_cinder_python([DRIVER],
                                 input=json.dumps(request).encode())
        self._calls += 1
        #: Cinder's log (DEBUG) of the last call, for tests to read.
        self.cinder_log = proc.stderr.decode(errors='replace')
        self.addDetail('cinder-%d-%s.log' % (self._calls, action),
                       content.text_content(self.cinder_log[-20000:]))
        if proc.returncode:
            self.fail('cinder_driver.py %s exited with %d'
                      % (action, proc.returncode))
        return json.loads(proc.stdout)
