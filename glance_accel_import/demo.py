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
check is printed; the exit status is 1 if any failed.
"""

import os
import shutil
import subprocess
import tempfile
import time

from glance_accel_import import demo_import
from glance_accel_import import digests
from glance_accel_import import diskimage
from glance_accel_import.embedded import client as glance_client
from glance_accel_import.embedded import server
from glance_accel_import.engines import fallback
from glance_accel_import.engines import manager
from glance_accel_import import exception
from glance_accel_import import formats
from glance_accel_import import inspection
from glance_accel_import import progress
from glance_accel_import import properties
from glance_accel_import import streams

MiB = 1024 * 1024

#: Seconds each step took on the 2-core development machine (December
#: 2026, load average about 9 from other jobs: a quiet machine is faster)
#: for the default 256 MiB image. Steps that depend on the size are
#: scaled to the image size asked for.
USUAL_SECONDS = {'build': 9, 'glance': 20, 'qcow2': 1, 'import_a': 12,
                 'check_a': 2, 'import_b': 10, 'check_b': 3}
_FIXED = {'glance'}
DEFAULT_IMAGE_MIB = 256


def plugin_order():
    """Our plugins around Glance's image_conversion, which needs qemu-img."""
    middle = ['image_conversion'] if shutil.which('qemu-img') else []
    return ['accel_decompress'] + middle + ['accel_compress']


def usual(step, image_mib):
    seconds = USUAL_SECONDS[step]
    if step not in _FIXED:
        seconds = seconds * image_mib / DEFAULT_IMAGE_MIB
    return max(1, round(seconds))


class Checks:
    """Named pass/fail results, printed as they are made."""

    def __init__(self):
        self.results = []

    def check(self, name, ok, detail=''):
        ok = bool(ok)
        self.results.append((name, ok))
        print('  check  %-52s %s' % (name, 'ok' if ok else
                                     'FAILED' + (': ' + detail if detail
                                                 else '')))
        return ok

    @property
    def failed(self):
        return [name for name, ok in self.results if not ok]


def _report(lines):
    width = max(len(k) for k, _ in lines)
    for key, value in lines:
        print('  %s  %s' % (key.ljust(width), value))


class _Steps:
    """Numbers the demo's steps: ``[3/7] what (usually ~N s)``."""

    total = 0
    done = 0


def _step(text, seconds):
    _Steps.done += 1
    print('\n[%d/%d] %s (usually ~%d s)'
          % (_Steps.done, _Steps.total, text, seconds), flush=True)


def _mib(n):
    return '%.1f MiB' % (n / MiB)


def _allocated(path):
    return os.stat(path).st_blocks * 512


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
    _step('Building a %d MiB ext4 disk image from the files of %s'
          % (args.image_size_mib, source),
          usual('build', args.image_size_mib))
    with progress.Elapsed('building') as waited:
        copied = diskimage.build_ext4_image(
            path, args.image_size_mib * MiB, args.source_tree)
        volume = _Volume(path, copied)
    print('  done in %.1f s: %s of files, %s allocated'
          % (waited.seconds, _mib(copied), _mib(_allocated(path))))
    return volume


def _start_glance(workdir, plugins):
    glance = server.EmbeddedGlance(os.path.join(workdir, 'glance'),
                                   plugins=plugins)
    _step('Starting glance-api on 127.0.0.1 (SQLite, file store) with '
          'import plugins %s' % ', '.join(plugins), usual('glance', 0))
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


def _gzip_qcow2(workdir, volume, image_mib):
    qcow2 = os.path.join(workdir, 'volume.qcow2')
    gz = qcow2 + '.gz'
    _step('Part A: making a gzip-compressed qcow2 (qemu-img convert, '
          'then gzip by our engine)', usual('qcow2', image_mib))
    with progress.Elapsed('converting and compressing') as waited:
        subprocess.run(['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2',
                        volume.path, qcow2], check=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        outcome = fallback.run(
            manager.COMPRESS, formats.GZIP, manager.load_engines(), gz,
            lambda engine, out: streams.compress_file(
                engine, formats.GZIP, 1, qcow2, out, MiB, digest=None))
    print('  done in %.1f s: qcow2 %s -> gzip %s (engine %s)'
          % (waited.seconds, _mib(os.path.getsize(qcow2)),
             _mib(os.path.getsize(gz)), outcome.result.engine))
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


def _part_a(glance, volume, workdir, plugins, args, checks):
    if not shutil.which('qemu-img'):
        print('\nPart A (accel_decompress): skipped, qemu-img not found '
              '(Debian package qemu-utils)')
        return
    qcow2, gz = _gzip_qcow2(workdir, volume, args.image_size_mib)
    # Glance's image_conversion (default output_format raw) converts what
    # accel_decompress has inspected; without it the qcow2 is kept.
    expected = 'raw' if 'image_conversion' in plugins else 'qcow2'
    _step('Part A: importing the gzip as disk_format=qcow2, '
          'container_format=bare', usual('import_a', args.image_size_mib))
    image, seconds = _import(
        checks, 'A', glance, gz, 'qcow2', 'bare', 'accel-demo-qcow2-gz',
        demo_import.decompress_steps(
            converted_to=expected if expected != 'qcow2' else None))
    if image is None:
        return
    _step('Part A: downloading and checking the stored image',
          usual('check_a', args.image_size_mib))
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
    _report(lines)


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
                                     formats.GZIP, path, _Discard(), MiB,
                                     digest=digests.SHA256)
    return result.digest, result.bytes_out


def _part_b(glance, volume, workdir, args, checks):
    _step('Part B: importing the raw disk image as disk_format=raw, '
          'container_format=compressed',
          usual('import_b', args.image_size_mib))
    image, seconds = _import(
        checks, 'B', glance, volume.path, 'raw', 'compressed',
        'accel-demo-compressed', demo_import.COMPRESS_STEPS)
    if image is None:
        return
    _step('Part B: downloading and checking the round trip',
          usual('check_b', args.image_size_mib))
    with progress.Elapsed('downloading and decompressing') as waited:
        stored = _Stored(glance, image['id'],
                         os.path.join(workdir, 'part-b-stored.gz'))
        stored.round_trip = _decompressed_sha256(stored.path)
    print('  done in %.1f s' % waited.seconds)
    _report_b(image, stored, volume, seconds)
    _check_b(image, stored, volume, checks)


def _report_b(image, stored, volume, seconds):
    _report([
        ('image', '%s, disk_format=%s, container_format=%s'
         % (image['id'], image['disk_format'], image['container_format'])),
        ('uploaded', '%d bytes (raw; %s of files, %d bytes allocated)'
         % (volume.size, _mib(volume.copied), _allocated(volume.path))),
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


INTRO = '''\
glance-accel-import demo: a real glance-api with both import plugins.
  Part A  accel_decompress: a gzip-compressed qcow2 upload is decompressed,
          inspected and stored plain, with what it did recorded.
  Part B  accel_compress: a raw disk image created with
          container_format=compressed is stored as gzip, with its accel_*
          properties, and comes back byte for byte.'''


def _run_in(workdir, args):
    checks = Checks()
    plugins = plugin_order()
    print(INTRO)
    _Steps.total = 7 if shutil.which('qemu-img') else 4
    _Steps.done = 0
    volume = _build_volume(workdir, args)
    glance = _start_glance(workdir, plugins)
    try:
        _part_a(glance, volume, workdir, plugins, args, checks)
        _part_b(glance, volume, workdir, args, checks)
    finally:
        glance.stop()
    return verdict(checks)


def verdict(checks):
    """Print the summary; return the exit status (1 if any check failed)."""
    if checks.failed or not checks.results:
        print('\n%d of %d checks FAILED: %s' % (
            len(checks.failed), len(checks.results),
            '; '.join(checks.failed) or 'no check ran'))
        return 1
    print('\nAll %d checks passed.' % len(checks.results))
    return 0


def run(args):
    if args.workdir:
        os.makedirs(args.workdir, exist_ok=True)
        return _run_in(args.workdir, args)
    with tempfile.TemporaryDirectory(prefix='accel-demo-') as workdir:
        return _run_in(workdir, args)
