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

"""The runtime never loads the tools: plugins and engines import no devtools.

Each check imports the runtime modules in a fresh interpreter (this test
process has long since imported everything) and reads ``sys.modules``.
"""

import json
import subprocess
import sys

import testtools

#: What a Glance node loads: both import plugins, every engine, the options.
RUNTIME = (
    'glance_accel_import.plugins.accel_decompress',
    'glance_accel_import.plugins.accel_compress',
    'glance_accel_import.engines.manager',
    'glance_accel_import.engines.isal',
    'glance_accel_import.engines.qat',
    'glance_accel_import.engines.stdlib',
    'glance_accel_import.engines.zstd',
    'glance_accel_import.opts',
)

#: Modules that only the tools need (the demo and bench extras).
TOOL_ONLY = ('glanceclient', 'keystoneauth1', 'gunicorn', 'matplotlib')


def loaded_after_importing(modules):
    """The names in ``sys.modules`` of a new interpreter after ``modules``."""
    code = ('import importlib, json, sys\n'
            'for name in sys.argv[1:]:\n'
            '    importlib.import_module(name)\n'
            'print(json.dumps(sorted(sys.modules)))\n')
    out = subprocess.run([sys.executable, '-c', code, *modules], check=True,
                         capture_output=True, text=True).stdout
    return set(json.loads(out))


class RuntimeIsolationTest(testtools.TestCase):

    def test_plugins_and_engines_import_no_devtools(self):
        loaded = loaded_after_importing(RUNTIME)
        self.assertIn('glance_accel_import.engines.qat', loaded)
        self.assertEqual(
            [], sorted(m for m in loaded
                       if m.startswith('glance_accel_import.devtools')))

    def test_plugins_and_engines_import_no_tool_extras(self):
        loaded = loaded_after_importing(RUNTIME)
        self.assertEqual([], sorted(m for m in TOOL_ONLY if m in loaded))

    def test_cli_module_imports_no_devtools_until_a_tool_runs(self):
        loaded = loaded_after_importing(['glance_accel_import.cmd.cli'])
        self.assertEqual(
            [], sorted(m for m in loaded
                       if m.startswith('glance_accel_import.devtools')))

    def test_the_check_sees_a_devtools_import(self):
        # The check itself can fail: importing a tool shows up.
        loaded = loaded_after_importing(
            ['glance_accel_import.devtools.embedded.server'])
        self.assertIn('glance_accel_import.devtools', loaded)
