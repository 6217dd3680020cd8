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

"""Glance's own unit tests for the modules contrib/glance touches.

Run in .venv-glance (Glance 33.0.0 with the patch), one process per module
with the standard unittest runner: Glance's stestr discovery imports every
test module, some of which need packages (os-brick) this venv leaves out.
"""

import os

import testtools

from tests.clients import base
from tests import upstream

MODULES = [
    'glance.tests.unit.async_.flows.test_api_image_import',
    'glance.tests.unit.async_.flows.test_base_download',
    'glance.tests.unit.async_.flows.plugins.test_image_conversion',
]
#: Tests the patch adds; they must have run and passed.
PATCH_TESTS = [
    'test_set_image_attribute_status_unchanged',
    'test_set_image_attribute_status_transition_checked',
    'test_revert_after_download_task_requeued',
    'test_base_download_revert_image_already_queued',
    'test_image_convert_revert_image_already_queued',
]


class TestGlanceUnitTests(testtools.TestCase):

    def test_patched_modules(self):
        self.useFixture(base.GlanceVenv())
        src = os.path.join(base.GLANCE_VENV, 'src',
                           'glance-%s' % base.GLANCE_VERSION)
        output = upstream.run_unittest_modules(
            self, os.path.join(base.GLANCE_VENV, 'bin', 'python'), MODULES,
            src, 'Glance')
        for name in PATCH_TESTS:
            # testtools tests print their id: module.Class.test_name
            self.assertRegex(output, r'(?m)\.%s \.\.\. ok$' % name)
