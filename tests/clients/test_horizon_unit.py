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

"""Horizon's own tests for what the patch touches, patch applied.

The patch (contrib/horizon) changes the volume "Upload to Image" form
(openstack_dashboard/dashboards/project/volumes/forms.py, its template)
and adds api.glance.get_image_container_formats. Horizon's tests of that
form (the volumes panel's ``upload_to_image`` tests) and all its tests of
api.glance run here with pytest and Horizon's test settings in
.venv-horizon, as Horizon's tox does; the tests the patch adds must have
run and passed. The volumes panel's other tests (its other forms, which
the patch leaves alone) also pass, but take minutes, so they are not run
here (see contrib/horizon/README.rst).
"""

import testtools

from tests.clients import base

#: Tests the patch adds.
PATCH_TESTS = [
    'test_upload_to_image_compressed',
    'test_upload_to_image_container_format_choices',
    'test_upload_to_image_compressed_not_offered',
    'test_get_image_container_formats',
    'test_get_image_container_formats_unavailable',
    # Upstream's own test of the form, which the patch leaves as it is.
    'test_upload_to_image',
]


class TestHorizonUnitTests(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(base.HorizonVenv())

    def test_upload_form_and_glance_api(self):
        args = [base.HORIZON_VENV + '/bin/python', '-m', 'pytest', '-v',
                '-p', 'no:cacheprovider', '-W', 'ignore',
                '--ds=openstack_dashboard.test.settings',
                '-k', 'upload_to_image or GlanceApiTests',
                'openstack_dashboard/dashboards/project/volumes/tests.py',
                'openstack_dashboard/test/unit/api/test_glance.py']
        proc = base.run(self, 'pytest', args, cwd=base.HORIZON_SRC)
        output = proc.stdout.decode(errors='replace')
        self.assertEqual(0, proc.returncode, 'Horizon unit tests failed')
        self.assertRegex(output, r'\b\d{2,} passed\b')
        base.assertTestsPassed(self, output, PATCH_TESTS)
