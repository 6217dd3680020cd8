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

"""One glance-direct import for the demo, with its progress shown.

Staging is measured in bytes sent. The import itself is shown as the steps
Glance has finished, read from the image record on every poll: its status,
its size, and the properties each plugin records when it is done (the
plugins report nothing else while they work). Progress never moves back.
"""

import os
import time

from glance_accel_import.devtools.embedded import client as glance_client
from glance_accel_import.devtools import progress
from glance_accel_import import properties


def _importing(image):
    return image.get('status') in ('importing', 'active')


def _stored(image):
    return image.get('status') == 'active'


def _done(image):
    return _stored(image) and not image.get('os_glance_import_task')


def decompress_steps(converted_to=None):
    """What an import through accel_decompress goes through, in order."""
    steps = [('importing', _importing),
             ('decompressed', lambda i: properties.UPLOAD_COMPRESSION in i)]
    if converted_to:
        steps.append(('converted', lambda i: i.get('disk_format')
                      == converted_to and properties.UPLOAD_COMPRESSION in i))
    return steps + [('stored', _stored), ('done', _done)]


COMPRESS_STEPS = [('importing', _importing),
                  ('compressed',
                   lambda i: properties.COMPRESSION_FORMAT in i),
                  ('stored', _stored), ('done', _done)]


class _Watch:
    """Turns polls of the image into the staging and import bars."""

    def __init__(self, path, steps):
        self.size = os.path.getsize(path)
        self.steps = steps
        self.staging = None
        self.importing = None
        self.reached = 0
        self.start = time.monotonic()
        #: ``(step, seconds since the start)`` as each step was seen.
        self.times = []

    def sent(self, n):
        if self.staging is None:
            self.staging = progress.Bar('staging', self.size)
        self.staging.update_to(n, 'sent to Glance')

    def poll(self, image):
        if self.importing is None:
            if self.staging is not None:
                self.staging.close()
            self.importing = progress.Bar('import', len(self.steps),
                                          unit='steps')
        for index, (name, reached) in enumerate(self.steps):
            if index >= self.reached and reached(image):
                self.reached = index + 1
                self.times.append((name, time.monotonic() - self.start))
        name = self.steps[self.reached - 1][0] if self.reached else 'waiting'
        self.importing.update_to(self.reached, '%s: status %s, size %s' % (
            name, image.get('status'), image.get('size')))

    def close(self):
        for bar in (self.staging, self.importing):
            if bar is not None:
                bar.close()


def run(client, path, disk_format, container_format, name, steps):
    """Import ``path``; return ``(image dict, seconds)``.

    Prints when each step was reached, so the record stays on screen after
    the bars are gone.
    """
    watch = _Watch(path, steps)
    try:
        image = glance_client.create_and_import(
            client, path, disk_format, container_format, name=name,
            on_sent=watch.sent, on_poll=watch.poll)
    finally:
        watch.close()
    seconds = time.monotonic() - watch.start
    print('  imported in %.1f s: %s' % (seconds, ', '.join(
        '%s at %.1f s' % step for step in watch.times)))
    return image, seconds


download = glance_client.download
