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

"""OSC's own unit tests for the modules the patch touches, patch applied.

The patch (contrib/python-openstackclient) changes
openstackclient/image/v2/image.py and adds tests to
openstackclient/tests/unit/image/v2/test_image.py; that module runs here
with the standard unittest runner in .venv-osc, and the tests the patch
adds must have run and passed.
"""

import testtools

from tests.clients import base
from tests import upstream

#: Tests the patch adds.
PATCH_TESTS = [
    'test_image_create_file_compressed',
    'test_image_create_import_compressed',
    'test_image_create_from_volume_compressed',
    'test_image_create_invalid_container_format',
    'test_image_set_container_format_compressed',
]


class TestOscUnitTests(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(base.OscVenv())

    def test_image_v2(self):
        module = 'openstackclient.tests.unit.image.v2.test_image'
        output = upstream.run_unittest_modules(
            self, base.OSC_VENV + '/bin/python', [module], base.OSC_SRC,
            'OSC', min_tests=91)
        base.assertTestsPassed(self, output, PATCH_TESTS)
