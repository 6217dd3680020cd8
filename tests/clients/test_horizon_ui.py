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

"""A real browser drives the patched Horizon's Upload to Image form.

Runs horizon_ui/upload_to_image_ui.py (see its docstring) with
.venv-horizon's pytest in the patched Horizon tree. Needs Debian's
chromium and chromium-driver, which tools/setup-env.sh installs; skips,
saying so, where they are missing. Set UPLOAD_FORM_SCREENSHOT to a path to
keep a screenshot of the form with ``compressed`` chosen (doc/source/images has
one).
"""

import os
import shutil

import testtools

from tests.clients import base
from tests import paths

UI_TEST = os.path.join(paths.TESTS, 'clients', 'horizon_ui',
                       'upload_to_image_ui.py')


class TestHorizonUploadFormInBrowser(testtools.TestCase):

    def setUp(self):
        super().setUp()
        for tool, package in (('chromium', 'chromium'),
                              ('chromedriver', 'chromium-driver')):
            if not shutil.which(tool):
                self.skipTest('%s is not installed (Debian: %s)'
                              % (tool, package))
        self.useFixture(base.HorizonVenv())

    def test_choose_compressed(self):
        proc = base.run(self, 'pytest', [
            base.HORIZON_VENV + '/bin/python', '-m', 'pytest', '-v',
            '-p', 'no:cacheprovider', '-W', 'ignore',
            '--ds=openstack_dashboard.settings', UI_TEST],
            cwd=base.HORIZON_SRC)
        output = proc.stdout.decode(errors='replace')
        self.assertEqual(0, proc.returncode, 'browser test failed')
        base.assertTestsPassed(self, output,
                               ['test_upload_to_image_compressed'])
