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

"""Hostile and broken uploads (doc/source/security.rst's table), by row.

Each test names its row. The plugins run for real on real files; only
Glance's action wrapper is replaced (see fakes.py). Rows 5, 6 and 18 are
covered in engines/test_contract.py (every engine, and a differential test
against the stdlib engine) and test_accel_plugins.py.
"""

import gzip
import io
import os
import subprocess
import sys
import textwrap
import zipfile

import fixtures

from glance_accel_import import exception
from glance_accel_import import opts
from glance_accel_import.plugins import accel_compress
from glance_accel_import.plugins import accel_decompress
from tests import paths
from tests.unit import data
from tests.unit import fakes
from tests.unit import hostile
from tests.unit.plugins import test_accel_plugins as test_plugins

MiB = 1024 * 1024


class SafetyTest(test_plugins.PluginTestBase):

    def refuse(self, payload, error, module=accel_decompress, **image):
        """Run the plugin on ``payload``; it must refuse and lose nothing."""
        self.stage(payload)
        task = self.flow_task(module, fakes.FakeImage(test_plugins.IMAGE_ID,
                                                      **image))
        exc = self.assertRaises(error, task.execute, self.file_uri)
        self.assertEqual(payload, self.staged_bytes())
        self.assertEqual([test_plugins.IMAGE_ID], self.staging_files())
        # accel_compress is listed after image_conversion, whose revert
        # requeues the image after ours (see test_plugins).
        self.assertReverted(task, status='importing' if module is
                            accel_compress else 'queued')
        return str(exc)

    def accept(self, payload, module=accel_decompress, **image):
        self.stage(payload)
        task = self.flow_task(module, fakes.FakeImage(test_plugins.IMAGE_ID,
                                                      **image))
        task.execute(self.file_uri)
        return self.staged_bytes()

    def test_row01_bomb_stopped_by_expansion_ratio(self):
        bomb = gzip.compress(bytes(256 * MiB), compresslevel=9)
        self.conf.set_override('max_expansion_ratio', 50,
                               group=opts.DECOMPRESS_GROUP)
        message = self.refuse(bomb, exception.OutputLimitExceeded)
        self.assertIn('%d bytes' % (len(bomb) * 50), message)
        self.assertIn('max_expansion_ratio', message)

    def test_row01_bomb_memory_stays_bounded(self):
        # 8 GiB of zeros in a few MB: the CLI stops at --max-size, and the
        # child's peak RSS stays far below the output it was asked for.
        bomb = os.path.join(self.staging, 'bomb.gz')
        with open(bomb, 'wb') as f:
            f.write(gzip.compress(bytes(64 * MiB), compresslevel=1) * 128)
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so it
        # would report the (large) test worker that forked this child.
        script = textwrap.dedent('''
            import sys
            from glance_accel_import.cmd import cli
            code = cli.main(['decompress', sys.argv[1], sys.argv[2],
                             '--max-size', str(2 * 1024 ** 3)])
            with open('/proc/self/status') as f:
                print([line.split()[1] for line in f
                       if line.startswith('VmHWM:')][0])
            sys.exit(code)
        ''')
        result = subprocess.run(
            [sys.executable, '-c', script, bomb, bomb + '.out'],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            cwd=paths.REPO)
        self.assertEqual(1, result.returncode, result.stderr)
        self.assertIn('exceeds the limit of 2147483648 bytes', result.stderr)
        peak_kib = int(result.stdout.split()[-1])
        self.assertLess(peak_kib, 256 * 1024)
        self.assertFalse(os.path.exists(bomb + '.out'))

    def test_xz_dictionary_over_max_decoder_memory(self):
        payload = hostile.xz_declaring(data.real_bytes(MiB), 1536 * MiB)
        message = self.refuse(payload, exception.DecoderMemoryExceeded)
        self.assertEqual('xz data needs more memory for its dictionary than '
                         'the limit of 134217728 bytes set by '
                         '[accel_decompress] max_decoder_memory', message)

    def test_zstd_window_over_max_decoder_memory(self):
        self.conf.set_override('max_decoder_memory', 64 * MiB,
                               group=opts.DECOMPRESS_GROUP)
        payload = hostile.zstd_declaring(data.real_bytes(MiB), 27)
        message = self.refuse(payload, exception.DecoderMemoryExceeded)
        self.assertEqual('zstd data needs a 134217728-byte window, larger '
                         'than the limit of 67108864 bytes set by '
                         '[accel_decompress] max_decoder_memory', message)

    def test_empty_gzip_members_refused_early(self):
        message = self.refuse(hostile.empty_gzip_members(10 ** 6),
                              exception.TooManyMembers)
        self.assertIn('65 of them hold only 0 bytes', message)

    def test_row02_lying_isize_is_not_trusted(self):
        plain = data.real_bytes(4 * MiB)
        payload = bytearray(gzip.compress(plain))
        payload[-4:] = (16).to_bytes(4, 'little')  # claims 16 bytes
        self.conf.set_override('max_output_size', MiB,
                               group=opts.DECOMPRESS_GROUP)
        # The budget counts bytes written: stopped at 1 MiB, long before
        # the end where the lie could be noticed.
        self.refuse(bytes(payload), exception.OutputLimitExceeded)
        self.conf.set_override('max_output_size', 0,
                               group=opts.DECOMPRESS_GROUP)
        self.refuse(bytes(payload), exception.CorruptCompressedData)

    def test_row04_virtual_size_over_the_limit(self):
        self.conf.set_override('max_virtual_size', 512 * MiB,
                               group=opts.ENGINE_GROUP)
        qcow2 = gzip.compress(self.qcow2(size='1G'))
        message = self.refuse(qcow2, exception.ImageRejected,
                              disk_format='qcow2')
        self.assertIn('virtual size 1073741824 bytes exceeds the limit',
                      message)

    def test_row04_virtual_size_defaults_to_image_size_cap(self):
        self.conf.set_override('image_size_cap', 256 * MiB)
        self.refuse(gzip.compress(self.qcow2(size='300M')),
                    exception.ImageRejected, disk_format='qcow2')

    def test_row04_compress_checks_virtual_size_too(self):
        self.conf.set_override('max_virtual_size', 64 * MiB,
                               group=opts.ENGINE_GROUP)
        self.refuse(self.qcow2(size='100M'), exception.ImageRejected,
                    module=accel_compress, disk_format='qcow2',
                    container_format='compressed')

    def test_row07_nested_compression_refused(self):
        # One layer is removed, never a second: data still compressed after
        # it is refused, so a few KB cannot hide any size.
        inner = gzip.compress(data.real_bytes(MiB))
        message = self.refuse(gzip.compress(inner), exception.ImageRejected)
        self.assertIn('nested compression: the data inside the gzip layer '
                      'is itself compressed (gzip)', message)

    def test_row07_nested_refused_by_accel_compress_alone(self):
        self.conf.set_override('image_import_plugins', ['accel_compress'],
                               group='image_import_opts')
        inner = gzip.compress(data.real_bytes(MiB))
        self.stage(gzip.compress(inner))
        task = self.flow_task(accel_compress, fakes.FakeImage(
            test_plugins.IMAGE_ID, 'raw', 'compressed'))
        exc = self.assertRaises(exception.ImageRejected, task.execute,
                                self.file_uri)
        self.assertIn('nested compression', str(exc))
        self.assertEqual([test_plugins.IMAGE_ID], self.staging_files())
        self.assertReverted(task)

    def test_row10_vmdk_monolithic_flat(self):
        if not data.have_qemu_img():
            self.skipTest('qemu-img is not installed (Debian: qemu-utils)')
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'd.vmdk')
        data.qemu_img('create', '-f', 'vmdk', '-o',
                      'subformat=monolithicFlat', path, '10M')
        with open(path, 'rb') as f:
            descriptor = f.read()
        self.assertIn(b'FLAT', descriptor)
        message = self.refuse(gzip.compress(descriptor),
                              exception.ImageRejected, disk_format='vmdk')
        self.assertIn('safety checks', message)

    def test_row10_vmdk_extent_naming_a_host_path(self):
        descriptor = textwrap.dedent('''\
            # Disk DescriptorFile
            version=1
            CID=fffffffe
            parentCID=ffffffff
            createType="monolithicSparse"

            # Extent description
            RW 20480 FLAT "/etc/shadow" 0
            ''').encode()
        self.refuse(gzip.compress(descriptor), exception.ImageRejected,
                    disk_format='vmdk')

    def test_row11_polyglot_qcow2_inside_iso(self):
        polyglot = bytearray(self.qcow2(size='10M'))
        polyglot += bytes(max(0, 0x9000 - len(polyglot)))
        polyglot[0x8000:0x8007] = b'\x01CD001\x01'
        for disk_format in ('qcow2', 'iso', 'raw'):
            message = self.refuse(gzip.compress(bytes(polyglot)),
                                  exception.ImageRejected,
                                  disk_format=disk_format)
            self.assertIn('Multiple formats detected', message)

    def test_row12_raw_claimed_as_qcow2(self):
        message = self.refuse(gzip.compress(data.real_bytes(MiB)),
                              exception.ImageRejected, disk_format='qcow2')
        self.assertIn('image data is raw but its disk_format is qcow2',
                      message)

    def test_row12_compress_checks_the_format_too(self):
        self.refuse(self.qcow2(), exception.ImageRejected,
                    module=accel_compress, disk_format='raw',
                    container_format='compressed')

    def test_row13_zip_is_not_accepted(self):
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, 'w') as z:
            z.writestr('../../etc/passwd', b'x')
            z.writestr('disk.raw', data.real_bytes(1000))
        message = self.refuse(archive.getvalue(),
                              exception.NoEngineAvailable)
        self.assertIn('decompress zip', message)

    def test_row15_preflight_refuses_before_writing(self):
        self.conf.set_override('free_space_reserve', 2 ** 62,
                               group=opts.ENGINE_GROUP)
        message = self.refuse(gzip.compress(data.real_bytes(MiB)),
                              exception.StagingFull)
        self.assertIn('needs at least', message)
        self.refuse(data.real_bytes(MiB), exception.StagingFull,
                    module=accel_compress, container_format='compressed')


class StagingFullTest(test_plugins.PluginTestBase):
    """Row 14: a real filesystem that fills up mid-write (a small tmpfs)."""

    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest('mounting a small tmpfs needs root')
        mountpoint = self.useFixture(fixtures.TempDir()).path
        subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=6m', 'tmpfs',
                        mountpoint], check=True)
        self.addCleanup(subprocess.run, ['umount', '-l', mountpoint])
        self.staging = mountpoint
        self.staged = os.path.join(mountpoint, test_plugins.IMAGE_ID)
        self.file_uri = 'file://' + self.staged
        self.conf.set_override('free_space_reserve', 0,
                               group=opts.ENGINE_GROUP)

    def test_row14_disk_full_while_decompressing(self):
        payload = gzip.compress(data.real_bytes(8 * MiB))
        self.stage(payload)
        task = self.flow_task(accel_decompress, fakes.FakeImage(
            test_plugins.IMAGE_ID))
        exc = self.assertRaises(exception.StagingFull, task.execute,
                                self.file_uri)
        self.assertIn('filled up', str(exc))
        self.assertEqual(payload, self.staged_bytes())
        self.assertEqual([test_plugins.IMAGE_ID], self.staging_files())
        self.assertReverted(task)


class CrashBeforeRenameTest(test_plugins.PluginTestBase):
    """Row 17: the process dies after fsync, before the rename."""

    def test_row17_original_kept_and_leftover_reaped(self):
        plain = data.real_bytes(2 * MiB)
        payload = gzip.compress(plain)
        self.stage(payload)
        script = textwrap.dedent('''
            import os, sys
            from glance.async_.flows import api_image_import  # noqa
            from glance_accel_import import staging
            from glance_accel_import.plugins import accel_decompress
            from tests.unit import fakes
            staging.os.replace = lambda *a: os._exit(17)  # crash here
            image = fakes.FakeImage(sys.argv[1])
            flow = accel_decompress.get_flow(
                task_id='t', task_type='api_image_import',
                action_wrapper=fakes.FakeActionWrapper(image),
                backend=['fast'])
            list(flow)[0].execute('file://' + sys.argv[2])
        ''')
        result = subprocess.run(
            [sys.executable, '-c', script, test_plugins.IMAGE_ID,
             self.staged], cwd=paths.REPO, stderr=subprocess.PIPE, text=True)
        self.assertEqual(17, result.returncode, result.stderr)
        self.assertEqual(payload, self.staged_bytes())
        leftover = test_plugins.IMAGE_ID + '.accel_decompress'
        self.assertEqual(sorted([test_plugins.IMAGE_ID, leftover]),
                         self.staging_files())
        # The next attempt starts from scratch and reaps the leftover.
        task = self.flow_task(accel_decompress, fakes.FakeImage(
            test_plugins.IMAGE_ID))
        task.execute(self.file_uri)
        self.assertEqual(plain, self.staged_bytes())
        self.assertEqual([test_plugins.IMAGE_ID], self.staging_files())
