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

"""Cinder's own unit tests for the modules the patch touches, patch applied.

They run in .venv-cinder from the patched source tree, with the standard
unittest runner, one process per module (Cinder's stestr discovery would
import every driver's tests and their optional dependencies).  The patch
adds tests of its own to two of these modules; that they ran is checked
too.
"""

import testtools

from tests.cinder import base
from tests import upstream

# The patches touch cinder/common/config.py, cinder/exception.py,
# cinder/image/glance.py, cinder/image/image_utils.py and (0003)
# cinder/image/accelerator.py and accelerators/; these are the
# tests of those modules and of the volume code that calls upload_volume.
IMAGE_TESTS = [
    'cinder.tests.unit.test_image_utils',
    'cinder.tests.unit.image.test_glance',
    'cinder.tests.unit.image.test_accelerator',
    'cinder.tests.unit.image.test_cache',
    'cinder.tests.unit.test_exception',
]
VOLUME_TESTS = [
    'cinder.tests.unit.volume.test_image',
    'cinder.tests.unit.test_volume_utils',
]
RBD_TESTS = ['cinder.tests.unit.volume.drivers.test_rbd']
RBD_PATCH_TESTS = ['test_uncloneable_compressed', 'test_cloneable_bare']
# 0004: a user message when an image is unacceptable.
MESSAGE_TESTS = [
    'cinder.tests.unit.message.test_message_field',
    'cinder.tests.unit.volume.flows.test_create_volume_flow',
]
MESSAGE_PATCH_TESTS = [
    'test_image_unacceptable_has_its_own_detail',
    'test_create_from_image_unacceptable_data_message',
]
#: Tests the patch adds; they must have run and passed.
PATCH_TESTS = [
    'test_compressed_offloaded_to_glance',
    'test_compressed_offloaded_import_fails',
    'test_offload_ignored_for_bare',
    'test_stage',
    'test_import_staged',
    'test_import_staged_not_found',
    'test_wait_for_import_active',
    'test_wait_for_import_failed',
    'test_wait_for_import_failed_waits_for_reason',
    'test_wait_for_import_task_failed_before_start',
    'test_wait_for_import_failed_without_tasks_api',
    'test_wait_for_import_timeout',
    # 0003: AccelImport (test_image_utils, image.test_accelerator).
    'test_compressed_accel_import',
    'test_compressed_accel_import_too_big',
    'test_compressed_accel_import_temporary_image',
    'test_compressed_accel_import_option_off',
    'test_get_decompressor_option_off',
    'test_get_decompressor_not_installed',
    'test_get_decompressor_bounded_by_volume',
    'test_not_in_preference_order',
    'test_compress_refused',
    'test_gzip',
    'test_gzip_multi_member',
    'test_zstd',
    'test_chunks',
    'test_larger_than_volume',
    'test_corrupt',
    'test_not_compressed',
]


class TestCinderUnitTests(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(base.CinderVenv())

    def run_cinder_tests(self, modules):
        """Run each module in its own process, as Cinder's stestr would.

        In one process some of Cinder's tests depend on the order of the
        modules (the key manager registers its options on import).
        """
        return upstream.run_unittest_modules(
            self, base.CINDER_PYTHON, modules, base.CINDER_SRC, 'Cinder')

    def assertRanNotSkipped(self, output, names):
        """Each test named ran and was not skipped.

        (run_cinder_tests checks that every module passed.) Warnings may
        come between "..." and "ok".
        """
        for name in names:
            self.assertRegex(output, r'\.%s \.\.\. ' % name)
            self.assertNotRegex(output, r'\.%s \.\.\. skipped' % name)

    def test_image_modules(self):
        output = self.run_cinder_tests(IMAGE_TESTS)
        self.assertRanNotSkipped(output, PATCH_TESTS)

    def test_volume_callers(self):
        self.run_cinder_tests(VOLUME_TESTS)

    def test_rbd_driver(self):
        # 0002: the RBD driver never clones a compressed image.
        # The module passed as a whole (run_cinder_tests checks the exit
        # status); warnings split "... ok" from the name, so check the names.
        output = self.run_cinder_tests(RBD_TESTS)
        for name in RBD_PATCH_TESTS:
            self.assertRegex(output,
                             r'test_rbd\.RBDTestCase\.%s \.\.\.' % name)

    def test_unacceptable_image_message(self):
        # 0004: creating a volume from an unacceptable image records a user
        # message (the flow), with a detail of its own (message_field).
        output = self.run_cinder_tests(MESSAGE_TESTS)
        self.assertRanNotSkipped(output, MESSAGE_PATCH_TESTS)
