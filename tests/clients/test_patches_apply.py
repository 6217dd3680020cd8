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

"""Each patch in contrib/ applies cleanly to the release it names.

``patch --fuzz=0`` on a fresh extraction of the released sdist (the one
tools/osc-env.sh, tools/horizon-env.sh or tools/glance-env.sh downloaded):
every hunk must apply where the patch says, without offset or fuzz.
"""

import glob
import os
import subprocess
import tarfile

import fixtures
import testtools

from tests.clients import base
from tests import paths


class TestPatchesApply(testtools.TestCase):

    def check(self, venv_fixture, venv, sdist_name, contrib):
        self.useFixture(venv_fixture)
        workdir = self.useFixture(fixtures.TempDir()).path
        sdist = os.path.join(venv, 'dist', sdist_name + '.tar.gz')
        with tarfile.open(sdist) as tar:
            tar.extractall(workdir, filter='data')
        tree = os.path.join(workdir, sdist_name)
        patches = sorted(glob.glob(os.path.join(paths.REPO, 'contrib',
                                                contrib, '*.patch')))
        self.assertNotEqual([], patches)
        for patch in patches:
            with open(patch, 'rb') as f:
                proc = subprocess.run(
                    ['patch', '-p1', '--fuzz=0', '--batch', '--forward'],
                    cwd=tree, stdin=f, stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT)
            out = proc.stdout.decode()
            self.assertEqual(0, proc.returncode, out)
            self.assertNotRegex(out, r'(?i)offset|fuzz|reject')

    def test_python_openstackclient(self):
        self.check(base.OscVenv(), base.OSC_VENV,
                   'python_openstackclient-%s' % base.OSC_VERSION,
                   'python-openstackclient')

    def test_horizon(self):
        self.check(base.HorizonVenv(), base.HORIZON_VENV,
                   'horizon-%s' % base.HORIZON_VERSION, 'horizon')

    def test_glance(self):
        self.check(base.GlanceVenv(), base.GLANCE_VENV,
                   'glance-%s' % base.GLANCE_VERSION, 'glance')
