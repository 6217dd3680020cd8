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

"""Every Python source file carries the Apache License header."""

import os

import testtools

from tests import paths

HEADER = '# Licensed under the Apache License, Version 2.0'


def python_sources():
    for top in ('glance_accel_import', 'tests', 'tools'):
        for directory, dirs, files in os.walk(os.path.join(paths.REPO, top)):
            dirs[:] = [d for d in dirs if d != '__pycache__']
            for name in files:
                if name.endswith('.py'):
                    yield os.path.join(directory, name)


class LicenseHeaderTest(testtools.TestCase):

    def test_every_source_file_has_the_header(self):
        missing = []
        for path in python_sources():
            with open(path) as f:
                head = f.read(2000)
            if head.strip() and HEADER not in head:
                missing.append(os.path.relpath(path, paths.REPO))
        self.assertEqual([], missing)
