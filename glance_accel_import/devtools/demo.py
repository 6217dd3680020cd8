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

"""The product end to end, on one machine: ``glance-accel-import demo``.

Starts a real glance-api (SQLite, file store, one user) with both plugins
and imports two images through it:

* Part A, ``accel_decompress``: the disk image as a gzip-compressed qcow2,
  created ``disk_format=qcow2, container_format=bare``. Glance must store it
  plain (decompressed and inspected; then converted to raw if Glance's
  ``image_conversion`` is listed, as the README lists it), record how it was
  uploaded, and give back a disk identical to the original.
* Part B, ``accel_compress``: the raw disk image created
  ``container_format=compressed``. Glance must store it as gzip, record the
  ``accel_*`` properties, and the download must decompress to the original
  byte for byte.

Every step says what it does and how long it usually takes before it starts;
waits show a live elapsed counter or progress bar (see ``progress``). Every
check is printed; the exit status is 1 if any failed. This module runs the
steps; ``demo_parts`` holds the two imports and their checks,
``demo_import`` one import and its progress, ``demo_output`` the wording.
"""

import os
import shutil
import tempfile
import time

from oslo_utils import units

from glance_accel_import.devtools import demo_output as out
from glance_accel_import.devtools import demo_parts
from glance_accel_import.devtools import diskimage
from glance_accel_import.devtools.embedded import server
from glance_accel_import.devtools import progress
from glance_accel_import import digests
from glance_accel_import import streams


def plugin_order():
    """Our plugins around Glance's image_conversion, which needs qemu-img."""
    middle = ['image_conversion'] if shutil.which('qemu-img') else []
    return ['accel_decompress'] + middle + ['accel_compress']


class _Volume:
    """The original disk image and its digests."""

    def __init__(self, path, copied):
        self.path = path
        self.size = os.path.getsize(path)
        self.copied = copied
        self.sha256 = streams.digest_file(path, digests.SHA256)
        self.block_sha256 = streams.digest_file(path)


def _build_volume(workdir, args):
    path = os.path.join(workdir, 'volume.img')
    source = args.source_tree or diskimage.default_source_tree()
    out.step('Building a %d MiB ext4 disk image from the files of %s'
             % (args.image_size_mib, source),
             out.usual('build', args.image_size_mib))
    with progress.Elapsed('building') as waited:
        copied = diskimage.build_ext4_image(
            path, args.image_size_mib * units.Mi, args.source_tree)
        volume = _Volume(path, copied)
    print('  done in %.1f s: %s of files, %s allocated'
          % (waited.seconds, out.mib(copied), out.mib(out.allocated(path))))
    return volume


def _start_glance(workdir, plugins):
    glance = server.EmbeddedGlance(os.path.join(workdir, 'glance'),
                                   plugins=plugins)
    out.step('Starting glance-api on 127.0.0.1 (SQLite, file store) with '
             'import plugins %s' % ', '.join(plugins), out.usual('glance', 0))
    marks = []
    with progress.Elapsed('starting') as waited:
        def phase(text):
            marks.append((text, time.monotonic()))
            waited.label = text
        glance.start(on_phase=phase)
    ends = [t for _, t in marks[1:]] + [time.monotonic()]
    print('  ready in %.1f s (%s); log: %s' % (
        waited.seconds, ', '.join('%s %.1f s' % (text.split(' (')[0], end - t)
                                  for (text, t), end in zip(marks, ends)),
        glance.log_path))
    return glance


INTRO = '''\
glance-accel-import demo: a real glance-api with both import plugins.
  Part A  accel_decompress: a gzip-compressed qcow2 upload is decompressed,
          inspected and stored plain, with what it did recorded.
  Part B  accel_compress: a raw disk image created with
          container_format=compressed is stored as gzip, with its accel_*
          properties, and comes back byte for byte.'''


def _run_in(workdir, args):
    checks = out.Checks()
    plugins = plugin_order()
    print(INTRO)
    out.start_steps(7 if shutil.which('qemu-img') else 4)
    volume = _build_volume(workdir, args)
    glance = _start_glance(workdir, plugins)
    try:
        demo_parts.part_a(glance, volume, workdir, plugins, args, checks)
        demo_parts.part_b(glance, volume, workdir, args, checks)
    finally:
        glance.stop()
    return out.verdict(checks)


def run(args):
    if args.workdir:
        os.makedirs(args.workdir, exist_ok=True)
        return _run_in(args.workdir, args)
    with tempfile.TemporaryDirectory(prefix='accel-demo-') as workdir:
        return _run_in(workdir, args)
