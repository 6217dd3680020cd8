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

"""A glance-api killed mid-import, and an image deleted mid-import.

Issue 16, items 6 and 7. The import is held in the middle of
``accel_compress`` by the fake qzip in its ``hang`` mode (a QAT device that
stops answering), so the work file ``<id>.accel_compress`` is on disk when
the test acts. Then, against the real glance-api:

* the gunicorn worker is killed with SIGKILL: the image stays
  ``importing``; deleting it removes the upload, and our work file is gone
  after the next import on the node, without a restart;
* the image is deleted: the revert logs one line saying so, and no
  traceback.
"""

import io
import os
import signal
import time

from glanceclient import exc as glance_exc

from glance_accel_import.devtools.embedded import client as gclient
from tests.functional import test_qat_import
from tests.unit import data

MiB = 1024 * 1024


def children(pid):
    """PIDs of the direct children of ``pid`` (Linux /proc)."""
    pids = set()
    for task in os.listdir('/proc/%d/task' % pid):
        with open('/proc/%d/task/%s/children' % (pid, task)) as f:
            pids.update(int(p) for p in f.read().split())
    return pids


class HeldImportTestBase(test_qat_import.QatImportTestBase):
    """accel_compress's engine (fake QAT) hangs mid-image."""

    fail = 'hang'
    stall_timeout = 600

    def staged(self, name):
        return os.path.join(self.glance.staging_dir, name)

    def start_held_import(self):
        """Start an import; return its image ID once it is held."""
        path = self.write('volume.raw', data.real_bytes(8 * MiB))
        image = self.client.images.create(name='held', disk_format='raw',
                                          container_format='compressed')
        with open(path, 'rb') as f:
            self.client.images.stage(image['id'], f,
                                     image_size=os.path.getsize(path))
        self.client.images.image_import(image['id'], method='glance-direct')
        work = self.staged(image['id'] + '.accel_compress')
        deadline = time.monotonic() + 120
        while not (os.path.exists(work) and os.path.getsize(work)):
            self.assertLess(time.monotonic(), deadline,
                            'no work file %s' % work)
            time.sleep(0.1)
        return image['id']

    def import_plain(self):
        """A plain import through both plugins (no engine runs)."""
        path = self.write('plain.raw', data.real_bytes(MiB))
        return gclient.create_and_import(self.client, path, 'raw', 'bare')


class TestWorkerKilledMidImport(HeldImportTestBase):

    def kill_worker(self):
        master = self.glance._process.pid
        (worker,) = children(master)
        os.kill(worker, signal.SIGKILL)
        # gunicorn starts a new worker, which must answer before we go on.
        deadline = time.monotonic() + 120
        while True:
            new = children(master) - {worker}
            if new:
                try:
                    self.client.images.get(self.image_id)
                    return
                except Exception:
                    pass
            self.assertLess(time.monotonic(), deadline, 'no new worker')
            time.sleep(0.2)

    def test_deleted_image_leaves_nothing_without_restart(self):
        self.image_id = self.start_held_import()
        work = self.image_id + '.accel_compress'
        self.kill_worker()

        image = dict(self.client.images.get(self.image_id))
        self.assertEqual('importing', image['status'])
        self.assertIn(self.image_id, os.listdir(self.glance.staging_dir))
        # What doc/source/security.rst tells operators: the image can be
        # neither
        # imported nor staged again (it is not uploading, not queued);
        # delete it.
        self.assertRaises(glance_exc.HTTPConflict,
                          self.client.images.image_import, self.image_id,
                          method='glance-direct')
        self.assertRaises(glance_exc.HTTPConflict,
                          self.client.images.stage, self.image_id,
                          io.BytesIO(b'x' * 512), image_size=512)
        self.client.images.delete(self.image_id)
        self.assertEqual([work], os.listdir(self.glance.staging_dir))

        self.import_plain()
        self.assertStagingEmpty()
        self.assertIn('Removed %s from staging: no import is using it'
                      % work, self.glance.log_tail(400))

    def test_next_import_reaps_the_work_file_keeps_the_upload(self):
        self.image_id = self.start_held_import()
        self.kill_worker()

        self.import_plain()
        # The upload stays with its image, which the operator deletes.
        self.assertEqual([self.image_id],
                         os.listdir(self.glance.staging_dir))
        self.client.images.delete(self.image_id)
        self.assertStagingEmpty()


class TestDeletedMidImport(HeldImportTestBase):
    """The engine gives up (stall timeout) after the image was deleted."""

    stall_timeout = 5
    policy = 'hardware_only'

    def test_revert_logs_one_line(self):
        image_id = self.start_held_import()
        self.client.images.delete(image_id)
        gone = 'Image %s is gone (deleted during its import)' % image_id
        deadline = time.monotonic() + 120
        while 'status changing from processing to failure' not in \
                self.glance.log_tail(400):
            self.assertLess(time.monotonic(), deadline, 'task not over')
            time.sleep(0.2)
        lines = self.glance.log_tail(400).splitlines()
        # One line from each of our reverts (both plugins ran).
        self.assertEqual(2, len([line for line in lines if gone in line]))
        # Glance's own lock revert says it in one line too; nothing else
        # (no traceback) mentions the missing image.
        self.assertEqual([], [line for line in lines
                              if 'ImageNotFound' in line
                              and 'lost its lock' not in line])
        self.assertStagingEmpty()
        # The node still imports.
        self.assertEqual('active', self.import_plain()['status'])
