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

"""Run the patched clients (python-openstackclient, Horizon) in their venvs.

Each client is the released source with the patch from contrib/ applied,
installed by tools/osc-env.sh into .venv-osc and by tools/horizon-env.sh
into .venv-horizon. Those scripts do nothing when the venv is current and
hold a lock, so parallel test workers can all use the fixtures below.
"""

import os
import re
import subprocess

import fixtures
from testtools import content

from tests import paths


OSC_VERSION = '10.5.0'
OSC_VENV = os.path.join(paths.REPO, '.venv-osc')
OSC_SRC = os.path.join(OSC_VENV, 'src',
                       'python_openstackclient-%s' % OSC_VERSION)
OPENSTACK = os.path.join(OSC_VENV, 'bin', 'openstack')

HORIZON_VERSION = '27.0.0'
HORIZON_VENV = os.path.join(paths.REPO, '.venv-horizon')
HORIZON_SRC = os.path.join(HORIZON_VENV, 'src',
                           'horizon-%s' % HORIZON_VERSION)

GLANCE_VERSION = '33.0.0'
GLANCE_VENV = os.path.join(paths.REPO, '.venv-glance')


class _ClientVenv(fixtures.Fixture):
    script = None
    env = {}

    def _setUp(self):
        proc = subprocess.run(
            ['bash', os.path.join(paths.REPO, 'tools', self.script)],
            cwd=paths.REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, timeout=1800,
            env=dict(os.environ, **self.env))
        if proc.returncode:
            raise RuntimeError('tools/%s failed (%d):\n%s'
                               % (self.script, proc.returncode,
                                  proc.stdout.decode(errors='replace')))


class OscVenv(_ClientVenv):
    """.venv-osc holds python-openstackclient with the current patch."""

    script = 'osc-env.sh'
    env = {'OSC_VERSION': OSC_VERSION}


class HorizonVenv(_ClientVenv):
    """.venv-horizon holds Horizon with the current patch."""

    script = 'horizon-env.sh'
    env = {'HORIZON_VERSION': HORIZON_VERSION}


class GlanceVenv(_ClientVenv):
    """.venv-glance holds Glance with contrib/glance's patches."""

    script = 'glance-env.sh'
    env = {'GLANCE_VERSION': GLANCE_VERSION}


def run(test, name, args, cwd=paths.REPO, env=None, timeout=900):
    """Run ``args``; attach its output to ``test``; return the process."""
    proc = subprocess.run(list(args), cwd=cwd, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout,
                          env=dict(os.environ, **(env or {})))
    test.addDetail('%s-stdout' % name, content.text_content(
        proc.stdout.decode(errors='replace')[-60000:]))
    test.addDetail('%s-stderr' % name, content.text_content(
        proc.stderr.decode(errors='replace')[-60000:]))
    return proc


def assertTestsPassed(test, output, names):
    """Each of ``names`` ran and passed, by a verbose runner's ``output``.

    unittest prints ``name (module.Class.name) ... ok``, pytest prints
    ``path::Class::name PASSED``.
    """
    for name in names:
        test.assertRegex(output, r'\b%s\b.*(\.\.\. ok|PASSED)'
                         % re.escape(name))
