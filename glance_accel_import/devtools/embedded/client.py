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

"""The glance-direct import sequence on top of a glanceclient v2 Client.

Glance answers the import call at once and runs the plugins in the
background, so success and failure have to be read back by polling.
"""

import os
import time

CHUNK = 1024 * 1024
#: Seconds an image may stay ``uploading`` after the import call before
#: its task is read, and then between reads (see ``wait_for_import``).
STUCK_UPLOADING = 3.0


class ImportFailed(Exception):
    """Glance gave up on an import; ``message`` is what its task said."""

    def __init__(self, image, message):
        self.image = image
        self.message = message
        super().__init__('import of image %s failed: %s'
                         % (image.get('id'), message))


class _CountingReader:
    """A file whose reads report the running byte count to ``sent(n)``."""

    def __init__(self, f, sent):
        self._f = f
        self._sent = sent
        self._n = 0

    def read(self, size=-1):
        data = self._f.read(size)
        self._n += len(data)
        self._sent(self._n)
        return data


def create_and_import(client, path, disk_format, container_format,
                      name=None, properties=None, timeout=300,
                      on_create=None, on_sent=None, on_poll=None):
    """Create an image, stage ``path``, import it; return the image dict.

    Progress hooks (all optional): ``on_create(image)`` once the image
    exists, ``on_sent(bytes_so_far)`` while staging, ``on_poll(image)``
    on every poll of the import (see ``wait_for_import``).
    """
    image = client.images.create(name=name or os.path.basename(path),
                                 disk_format=disk_format,
                                 container_format=container_format,
                                 **(properties or {}))
    if on_create:
        on_create(dict(image))
    with open(path, 'rb') as data:
        client.images.stage(image['id'],
                            _CountingReader(data, on_sent) if on_sent
                            else data,
                            image_size=os.path.getsize(path))
    client.images.image_import(image['id'], method='glance-direct')
    return wait_for_import(client, image['id'], timeout, on_poll=on_poll)


def latest_task(client, image_id):
    """The newest import task of the image, or None.

    ``images.get_import_info()`` is the import discovery document, not the
    per-image state; the task messages are only at /v2/images/{id}/tasks.
    """
    tasks = client.images.get_associated_image_tasks(image_id)['tasks']
    if not tasks:
        return None
    return max(tasks, key=lambda t: t.get('created_at') or '')


def wait_for_import(client, image_id, timeout=300, interval=0.25,
                    on_poll=None):
    """Wait until the import is over; return the image as a dict.

    ``on_poll(image)``, if given, sees the image as every poll read it.

    The image turns active before Glance deletes the staged file and drops
    its import lock, so success waits for the lock to go too.  On failure
    the image is back to queued a moment before the task records why, so
    failure waits for the task's message.  A failed task whose image stays
    ``importing`` is reported at the timeout; one whose image stays
    ``uploading`` within a few seconds.
    """
    start = time.monotonic()
    deadline = start + timeout
    next_task_read = start + STUCK_UPLOADING
    while True:
        image = dict(client.images.get(image_id))
        if on_poll:
            on_poll(image)
        status = image.get('status')
        if status == 'active' and not image.get('os_glance_import_task'):
            return image
        if status in ('killed', 'deleted', 'deactivated'):
            raise ImportFailed(image, 'image is %s' % status)
        now = time.monotonic()
        timed_out = now > deadline
        # Listing tasks is a write in Glance (it soft-deletes expired ones):
        # on SQLite, that write racing the running import's own task
        # updates fails the import with "database is locked". So the task
        # is read once the import has given up (queued) or timed out, and
        # now and then while the image stays uploading: a task that fails
        # before it starts leaves it there. Never while importing.
        stuck = status == 'uploading' and now >= next_task_read
        if stuck:
            next_task_read = now + STUCK_UPLOADING
        if status == 'queued' or stuck or timed_out:
            task = latest_task(client, image_id) or {}
            task_done = task.get('status') in ('failure', 'success')
            if task.get('status') == 'failure' or (
                    status == 'queued' and image.get('os_glance_failed_import')
                    and (task_done or not task or timed_out)):
                raise ImportFailed(image, task.get('message') or '')
        if timed_out:
            raise TimeoutError('import of image %s not done after %ss: '
                               'status %s' % (image_id, timeout, status))
        time.sleep(interval)


def download(client, image_id, dest_path):
    """Write the image data to dest_path, checking Glance's hash."""
    chunks = client.images.data(image_id)
    if getattr(chunks, 'wrapped', chunks) is None:  # 204: no data
        raise ValueError('image %s has no data' % image_id)
    with open(dest_path, 'wb') as f:
        for chunk in chunks:
            f.write(chunk)
    return dest_path
