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

"""The demo's two imports: Part A (accel_decompress), Part B (accel_compress).

Each part imports through the running glance-api, downloads what Glance
stored, reports it and checks it. A failed import is a failed check, not
a traceback, so the other part still runs.
"""

import os
import shutil
import subprocess
import time

from oslo_utils import units

from glance_accel_import.devtools import demo_import
from glance_accel_import.devtools import demo_output as out
from glance_accel_import.devtools.embedded import client as glance_client
from glance_accel_import.devtools import progress
from glance_accel_import import digests
from glance_accel_import.engines import fallback
from glance_accel_import.engines import manager
from glance_accel_import import exception
from glance_accel_import import formats
from glance_accel_import import inspection
from glance_accel_import import properties
from glance_accel_import import streams


def _gzip_qcow2(workdir, volume, image_mib):
    qcow2 = os.path.join(workdir, 'volume.qcow2')
    gz = qcow2 + '.gz'
    out.step('Part A: making a gzip-compressed qcow2 (qemu-img convert, '
             'then gzip by our engine)', out.usual('qcow2', image_mib))
    with progress.Elapsed('converting and compressing') as waited:
        subprocess.run(['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2',
                        volume.path, qcow2], check=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        outcome = fallback.run(
            manager.COMPRESS, formats.GZIP, manager.load_engines(), gz,
            lambda engine, out: streams.compress_file(
                engine, formats.GZIP, 1, qcow2, out, units.Mi, digest=None))
    print('  done in %.1f s: qcow2 %s -> gzip %s (engine %s)'
          % (waited.seconds, out.mib(os.path.getsize(qcow2)),
             out.mib(os.path.getsize(gz)), outcome.result.engine))
    return qcow2, gz


def _import(checks, part, glance, path, *args):
    """``demo_import.run``; a failed import is a failed check (None)."""
    try:
        return demo_import.run(glance.client(), path, *args)
    except (glance_client.ImportFailed, TimeoutError) as exc:
        checks.check('%s: import succeeded' % part, False, str(exc))
        return None, None


def _plain_sha256(path, fmt, workdir):
    """SHA-256 of the raw disk inside ``path`` (raw, or converted)."""
    if fmt == 'raw':
        return streams.digest_file(path, digests.SHA256)
    raw = os.path.join(workdir, 'stored-as-raw.img')
    subprocess.run(['qemu-img', 'convert', '-f', fmt, '-O', 'raw', path,
                    raw], check=True, stdout=subprocess.PIPE,
                   stderr=subprocess.STDOUT)
    try:
        return streams.digest_file(raw, digests.SHA256)
    finally:
        os.remove(raw)


def _head_compression(path):
    with open(path, 'rb') as f:
        return formats.detect_compression(f.read(16))


class _Stored:
    """What Glance stored for an image, read back from a download."""

    def __init__(self, glance, image_id, path):
        start = time.monotonic()
        demo_import.download(glance.client(), image_id, path)
        self.download_seconds = time.monotonic() - start
        self.path = path
        self.size = os.path.getsize(path)
        self.compression = _head_compression(path)


def _fetch_plain(glance, image, workdir):
    """Download part A's image; inspect it and hash the disk inside."""
    stored = _Stored(glance, image['id'],
                     os.path.join(workdir, 'part-a-stored'))
    try:
        stored.inspected = inspection.inspect_image(stored.path,
                                                    image['disk_format'])
        stored.why = ''
        stored.disk_sha256 = _plain_sha256(
            stored.path, stored.inspected.fmt, workdir)
    except exception.ImageRejected as exc:
        stored.inspected, stored.why, stored.disk_sha256 = None, str(exc), None
    return stored


def part_a(glance, volume, workdir, plugins, args, checks):
    if not shutil.which('qemu-img'):
        print('\nPart A (accel_decompress): skipped, qemu-img not found '
              '(Debian package qemu-utils)')
        return
    qcow2, gz = _gzip_qcow2(workdir, volume, args.image_size_mib)
    # Glance's image_conversion (default output_format raw) converts what
    # accel_decompress has inspected; without it the qcow2 is kept.
    expected = 'raw' if 'image_conversion' in plugins else 'qcow2'
    out.step('Part A: importing the gzip as disk_format=qcow2, '
             'container_format=bare',
             out.usual('import_a', args.image_size_mib))
    image, seconds = _import(
        checks, 'A', glance, gz, 'qcow2', 'bare', 'accel-demo-qcow2-gz',
        demo_import.decompress_steps(
            converted_to=expected if expected != 'qcow2' else None))
    if image is None:
        return
    out.step('Part A: downloading and checking the stored image',
             out.usual('check_a', args.image_size_mib))
    with progress.Elapsed('downloading and checking') as waited:
        stored = _fetch_plain(glance, image, workdir)
    print('  done in %.1f s' % waited.seconds)
    _report_a(image, stored, qcow2, gz, expected, seconds)
    _check_a(image, stored, volume, expected, checks)


def _report_a(image, stored, qcow2, gz, expected, seconds):
    fmt = stored.inspected.fmt if stored.inspected else 'unreadable'
    lines = [
        ('image', '%s, now disk_format=%s, container_format=%s'
         % (image['id'], image['disk_format'], image['container_format'])),
        ('uploaded', '%d bytes (gzip of a %d-byte qcow2)'
         % (os.path.getsize(gz), os.path.getsize(qcow2))),
        ('stored', '%s bytes (Glance size), %s, %s' % (
            image['size'], fmt, stored.compression or 'not compressed')),
    ]
    if expected == 'raw':
        lines.append(('', 'raw: image_conversion, listed after '
                      'accel_decompress, converted the inspected qcow2'))
    lines += [
        ('virtual_size', image.get('virtual_size')),
        (properties.UPLOAD_COMPRESSION,
         image.get(properties.UPLOAD_COMPRESSION)),
        (properties.DECOMPRESSION_ENGINE,
         image.get(properties.DECOMPRESSION_ENGINE)),
        ('import time', '%.2f s (stage + import)' % seconds),
    ]
    out.report(lines)


def _check_a(image, stored, volume, expected, checks):
    checks.check('A: upload recorded as gzip',
                 image.get(properties.UPLOAD_COMPRESSION) == formats.GZIP)
    checks.check('A: stored plain (not compressed, container bare)',
                 stored.compression is None
                 and image['container_format'] == 'bare')
    checks.check('A: stored data is %s, as its disk_format says' % expected,
                 stored.inspected and stored.inspected.fmt == expected
                 and expected == image['disk_format'], stored.why)
    checks.check('A: virtual_size is the disk size',
                 image.get('virtual_size') == volume.size)
    checks.check('A: Glance size is the stored bytes',
                 image['size'] == stored.size)
    checks.check('A: stored disk identical to the original',
                 stored.disk_sha256 == volume.sha256)


class _Discard:
    def write(self, data):
        pass


def _decompressed_sha256(path):
    """SHA-256 and size of what ``path`` decompresses to (reference engine)."""
    result = streams.decompress_file(manager.load_engines()['stdlib'],
                                     formats.GZIP, path, _Discard(), units.Mi,
                                     digest=digests.SHA256)
    return result.digest, result.bytes_out


def part_b(glance, volume, workdir, args, checks):
    out.step('Part B: importing the raw disk image as disk_format=raw, '
             'container_format=compressed',
             out.usual('import_b', args.image_size_mib))
    image, seconds = _import(
        checks, 'B', glance, volume.path, 'raw', 'compressed',
        'accel-demo-compressed', demo_import.COMPRESS_STEPS)
    if image is None:
        return
    out.step('Part B: downloading and checking the round trip',
             out.usual('check_b', args.image_size_mib))
    with progress.Elapsed('downloading and decompressing') as waited:
        stored = _Stored(glance, image['id'],
                         os.path.join(workdir, 'part-b-stored.gz'))
        stored.round_trip = _decompressed_sha256(stored.path)
    print('  done in %.1f s' % waited.seconds)
    _report_b(image, stored, volume, seconds)
    _check_b(image, stored, volume, checks)


def _report_b(image, stored, volume, seconds):
    out.report([
        ('image', '%s, disk_format=%s, container_format=%s'
         % (image['id'], image['disk_format'], image['container_format'])),
        ('uploaded', '%d bytes (raw; %s of files, %d bytes allocated)'
         % (volume.size, out.mib(volume.copied), out.allocated(volume.path))),
        ('stored', '%d bytes (%s), %.2f x smaller' % (
            stored.size, stored.compression,
            volume.size / max(stored.size, 1))),
        ('virtual_size', image.get('virtual_size')),
    ] + [(name, image.get(name)) for name in (
        properties.COMPRESSION_FORMAT, properties.COMPRESSION_ENGINE,
        properties.UNCOMPRESSED_SIZE, properties.UNCOMPRESSED_BLOCK_SHA256)
    ] + [
        ('import time', '%.2f s (stage + import + compress)' % seconds),
        ('download time', '%.2f s' % stored.download_seconds),
    ])


def _check_b(image, stored, volume, checks):
    checks.check('B: stored as gzip, container compressed',
                 stored.compression == formats.GZIP
                 and image['container_format'] == 'compressed')
    checks.check('B: %s is gzip' % properties.COMPRESSION_FORMAT,
                 image.get(properties.COMPRESSION_FORMAT) == formats.GZIP)
    checks.check('B: %s is the disk size' % properties.UNCOMPRESSED_SIZE,
                 image.get(properties.UNCOMPRESSED_SIZE) == str(volume.size))
    checks.check('B: %s matches' % properties.UNCOMPRESSED_BLOCK_SHA256,
                 image.get(properties.UNCOMPRESSED_BLOCK_SHA256)
                 == volume.block_sha256)
    checks.check('B: Glance size is the stored bytes',
                 image['size'] == stored.size)
    checks.check('B: round trip byte-identical',
                 stored.round_trip == (volume.sha256, volume.size))
