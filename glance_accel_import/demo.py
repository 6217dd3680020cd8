"""The main job, end to end, on one machine: ``glance-accel-import demo``.

Starts a real glance-api (SQLite, file store) with both plugins, imports a
real ext4 disk image as ``container_format=compressed``, downloads it, checks
that it decompresses to the original byte for byte, and reports.
"""

import os
import shutil
import tempfile
import time

from glance_accel_import import digests
from glance_accel_import import diskimage
from glance_accel_import.embedded import client as glance_client
from glance_accel_import.embedded import server
from glance_accel_import.engines import manager
from glance_accel_import import formats
from glance_accel_import import properties
from glance_accel_import import streams

MiB = 1024 * 1024


def plugin_order():
    """Our plugins around Glance's image_conversion, which needs qemu-img."""
    middle = ['image_conversion'] if shutil.which('qemu-img') else []
    return ['accel_decompress'] + middle + ['accel_compress']


class _Discard:
    def write(self, data):
        pass


def _decompressed_sha256(path):
    """SHA-256 and size of what ``path`` decompresses to (reference engine)."""
    result = streams.decompress_file(manager.load_engines()['stdlib'],
                                     formats.GZIP, path, _Discard(), MiB,
                                     digest=digests.SHA256)
    return result.digest, result.bytes_out


def _allocated(path):
    return os.stat(path).st_blocks * 512


def _report(lines):
    width = max(len(k) for k, _ in lines)
    for key, value in lines:
        print('%s  %s' % (key.ljust(width), value))


def _run_in(workdir, args):
    image_path = os.path.join(workdir, 'volume.img')
    size = args.image_size_mib * MiB
    print('Building a %d MiB ext4 disk image from %s ...'
          % (args.image_size_mib,
             args.source_tree or diskimage.default_source_tree()))
    copied = diskimage.build_ext4_image(image_path, size, args.source_tree)
    original_sha = streams.digest_file(image_path, digests.SHA256)
    original_block_sha = streams.digest_file(image_path)

    plugins = plugin_order()
    print('Starting glance-api on 127.0.0.1 with plugins: %s'
          % ', '.join(plugins))
    with server.EmbeddedGlance(os.path.join(workdir, 'glance'),
                               plugins=plugins) as glance:
        client = glance.client()
        start = time.monotonic()
        image = glance_client.create_and_import(
            client, image_path, disk_format='raw',
            container_format='compressed', name='accel-import-demo')
        import_seconds = time.monotonic() - start
        download_path = os.path.join(workdir, 'downloaded.gz')
        start = time.monotonic()
        glance_client.download(client, image['id'], download_path)
        download_seconds = time.monotonic() - start

    stored = os.path.getsize(download_path)
    with open(download_path, 'rb') as f:
        stored_format = formats.detect_compression(f.read(16))
    round_trip_sha, round_trip_size = _decompressed_sha256(download_path)
    ok = (stored_format == formats.GZIP and round_trip_sha == original_sha
          and round_trip_size == size
          and image.get(properties.UNCOMPRESSED_BLOCK_SHA256)
          == original_block_sha)
    _report([
        ('image', '%s (%s, %s)' % (image['id'], image['disk_format'],
                                   image['container_format'])),
        ('engine', image.get(properties.COMPRESSION_ENGINE)),
        ('volume size', '%d bytes (%d MiB of files, %d bytes allocated)'
         % (size, copied // MiB, _allocated(image_path))),
        ('stored size', '%d bytes (%s), Glance size %s'
         % (stored, stored_format, image['size'])),
        ('ratio', '%.2f x smaller' % (size / stored)),
        ('virtual_size', image.get('virtual_size')),
        ('import time', '%.2f s (stage + import + compress)'
         % import_seconds),
        ('download time', '%.2f s' % download_seconds),
        ('round trip', 'byte-identical' if ok else 'MISMATCH'),
    ])
    return 0 if ok else 1


def run(args):
    if args.workdir:
        os.makedirs(args.workdir, exist_ok=True)
        return _run_in(args.workdir, args)
    with tempfile.TemporaryDirectory(prefix='accel-demo-') as workdir:
        return _run_in(workdir, args)
