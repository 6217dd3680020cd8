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

"""contrib/glance's patch in a real glance-api (issue 16, item 5).

With ``web-download`` and ``image_conversion`` listed before all of our
plugins, a refused import is reverted by our plugins first, then by
``image_conversion`` and by the download task, and both of these set the
image ``queued``. Released Glance refuses the second (queued -> queued):
the task reads "Task failed due to Internal Error" and the image keeps its
import lock, so a retry gets 409. No plugin can fix that, as none reverts
between the two; contrib/glance/0001 makes the second requeue a no-op.

The patched glance-api runs from .venv-glance (tools/glance-env.sh builds
it on first use: Glance 33.0.0 from its sdist plus the patch, and this
project); the stock one from this project's own venv shows the fault.
"""

import gzip
import os

from glanceclient import exc as glance_exc

from glance_accel_import.devtools.embedded import client as gclient
from tests.clients import base as clients_base
from tests.functional import test_web_download
from tests.unit import data

MiB = 1024 * 1024

#: image_conversion first: no plugin of ours reverts after it.
CONVERSION_FIRST = ['image_conversion', 'accel_decompress', 'accel_compress']


class PatchedGlanceTest(test_web_download.WebDownloadTestBase):

    plugins = CONVERSION_FIRST

    def setUp(self):
        self.useFixture(clients_base.GlanceVenv())
        self.glance_python = os.path.join(clients_base.GLANCE_VENV, 'bin',
                                          'python')
        super().setUp()


class TestConversionFirstPatched(PatchedGlanceTest):

    def test_our_refusal_reason_shown_and_retry_accepted(self):
        payload = gzip.compress(data.real_bytes(MiB))[:-30]
        self.assertRefusedThenRetried(
            payload, 'corrupt compressed data (gzip): truncated')

    def test_conversion_refusal_leaves_image_usable(self):
        # image_conversion's own errors are RuntimeErrors, which Glance
        # reports as "Internal Error"; the image is usable all the same.
        image = self.assertRefusedThenRetried(
            data.real_bytes(2 * MiB), 'Task failed due to Internal Error',
            disk_format='qcow2', good=self.qcow2(size='8M'))
        self.assertEqual('raw', image['disk_format'])  # converted


class TestConversionFirstStock(test_web_download.WebDownloadTestBase):
    """Released Glance: what the patch fixes (fails once Glance does)."""

    plugins = CONVERSION_FIRST

    def test_refusal_hides_reason_and_keeps_lock(self):
        self.write('refused', gzip.compress(data.real_bytes(MiB))[:-30])
        image = self.client.images.create(name='web', disk_format='raw',
                                          container_format='bare')
        exc = self.assertRaises(gclient.ImportFailed, self.web_import,
                                image['id'], 'refused')
        self.assertEqual('Task failed due to Internal Error', exc.message)
        image = dict(self.client.images.get(image['id']))
        self.assertEqual('queued', image['status'])
        self.assertIn('os_glance_import_task', image)
        self.assertRaises(glance_exc.HTTPConflict,
                          self.client.images.image_import, image['id'],
                          method='web-download', uri=self.url('refused'))
