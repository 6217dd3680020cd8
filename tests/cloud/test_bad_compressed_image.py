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

"""Scenario c: a ``compressed`` image Cinder cannot use fails gracefully.

The blueprint's own case: creating a volume from a ``compressed`` image
whose data is not gzip must put the volume in ``error`` with a user message
(contrib/cinder 0004: Cinder 29 recorded none), leave nothing in the volume
host's conversion directory, and cinder-volume must go on serving.
"""

import os

from tests.cloud import base


class TestBadCompressedImage(base.CloudTestCase):

    def test_not_gzip_fails_cleanly(self):
        before = set(os.listdir(base.CINDER_CONVERSION_DIR))
        image = self.plain_upload('scenario-c', b'not gzip at all ' * 4096)

        volume = self.alpha.block_storage.create_volume(
            size=1, image_id=image.id, name='scenario-c')
        self.delete_volume_later(volume)
        volume = self.alpha.block_storage.wait_for_status(
            volume, status='error', failures=['available'], interval=3,
            wait=600)
        self.assertEqual('error', volume.status)

        # User messages need API microversion 3.3. contrib/cinder 0004
        # records one (Cinder 29 recorded none for ImageUnacceptable); its
        # text names the step and says why, without the log's detail.
        listed = self.alpha.block_storage.get(
            '/messages', microversion='3.3').json()['messages']
        messages = [m for m in listed if m['resource_uuid'] == volume.id]
        self.assertEqual(1, len(messages), listed)
        # VOLUME_<resource type>_<action 005: copy image to volume>_<detail>
        self.assertEqual('VOLUME_VOLUME_005_031', messages[0]['event_id'])
        self.assertIn('copy image to volume', messages[0]['user_message'])
        self.assertIn('cannot be used', messages[0]['user_message'])
        self.assertEqual(before, set(os.listdir(base.CINDER_CONVERSION_DIR)))

        # cinder-volume goes on serving: an empty volume still works.
        fine = self.alpha.block_storage.create_volume(size=1,
                                                      name='scenario-c-ok')
        self.delete_volume_later(fine)
        self.assertEqual('available', self.wait_volume(fine).status)
