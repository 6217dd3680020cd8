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

"""Run a neighbour project's own unit tests in its patched venv.

Glance, Cinder and python-openstackclient each have test modules that our
patches in ``contrib/`` touch or extend; they run with that project's
released source and the standard unittest runner, one process per module
(in one process some projects' tests depend on the order of the modules,
and their stestr discovery imports optional dependencies the venvs leave
out).
"""

import re
import subprocess

from testtools import content


def run_unittest_modules(test, python, modules, cwd, project, min_tests=1):
    """Run each module verbosely; return their outputs, joined.

    Each module must exit 0 and have run at least ``min_tests`` tests; its
    output is attached to ``test``.
    """
    outputs = []
    for module in modules:
        proc = subprocess.run([python, '-m', 'unittest', '-v', module],
                              cwd=cwd, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=900)
        output = proc.stdout.decode(errors='replace')
        test.addDetail(module, content.text_content(output[-60000:]))
        test.assertEqual(0, proc.returncode,
                         '%s unit tests failed: %s' % (project, module))
        ran = re.search(r'^Ran (\d+) tests? in', output, re.MULTILINE)
        test.assertIsNotNone(ran, 'no unittest summary: %s' % module)
        test.assertGreaterEqual(int(ran.group(1)), min_tests)
        outputs.append(output)
    return '\n'.join(outputs)
