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

import bz2
import gzip
import io
import lzma
import zipfile

import testtools
import zstandard

from glance_accel_import import formats
from tests.unit import data


class DetectCompressionTest(testtools.TestCase):

    def test_real_payloads(self):
        plain = data.real_bytes(100000)
        zipped = io.BytesIO()
        with zipfile.ZipFile(zipped, 'w') as z:
            z.writestr('disk.img', plain)
        cases = {
            formats.GZIP: gzip.compress(plain),
            formats.BZIP2: bz2.compress(plain),
            formats.XZ: lzma.compress(plain),
            formats.ZSTD: zstandard.ZstdCompressor().compress(plain),
            formats.ZIP: zipped.getvalue(),
        }
        for fmt, payload in cases.items():
            self.assertEqual(fmt, formats.detect_compression(payload[:16]))

    def test_empty_streams_are_recognised(self):
        self.assertEqual(formats.BZIP2,
                         formats.detect_compression(bz2.compress(b'')))
        self.assertEqual(formats.GZIP,
                         formats.detect_compression(gzip.compress(b'')))

    def test_plain_data_is_not_compressed(self):
        for head in (b'', b'\0' * 16, b'QFI\xfb\x00\x00\x00\x03',
                     b'KDMV\x01\x00\x00\x00', data.real_bytes(16),
                     b'BZh9 not really', b'\x1f\x8b\x07'):
            self.assertIsNone(formats.detect_compression(head), head)

    def test_detect_file_reads_content_not_name(self):
        path = self.useFixture(__import__('fixtures').TempDir()).join('x.gz')
        with open(path, 'wb') as f:
            f.write(b'plain text that merely has a .gz name')
        self.assertIsNone(formats.detect_file_compression(path))
        with open(path, 'wb') as f:
            f.write(gzip.compress(b'data'))
        self.assertEqual(formats.GZIP, formats.detect_file_compression(path))

    def test_leading_skippable_frames(self):
        def skippable(content):
            return (b'\x5a\x2a\x4d\x18' + len(content).to_bytes(4, 'little')
                    + content)

        zstd = zstandard.ZstdCompressor().compress(b'data')
        lz4_magic = b'\x04\x22\x4d\x18\x64\x40\xa7'
        self.assertEqual(formats.ZSTD, formats.detect_compression(
            skippable(b'1234') + zstd))
        self.assertEqual(formats.LZ4, formats.detect_compression(
            skippable(b'') + lz4_magic))
        # Only zstd and lz4 streams may start with skippable frames.
        for after in (gzip.compress(b'data'), b'plain data here!', b''):
            self.assertIsNone(formats.detect_compression(
                skippable(b'xy') + after), after)
        self.assertIsNone(formats.detect_compression(
            skippable(b'') * 17 + zstd))

    def test_detect_file_looks_past_large_skippable_frames(self):
        path = self.useFixture(__import__('fixtures').TempDir()).join('x')
        with open(path, 'wb') as f:
            f.write(b'\x50\x2a\x4d\x18' + (100000).to_bytes(4, 'little'))
            f.write(bytes(100000))
            f.write(zstandard.ZstdCompressor().compress(b'data'))
        self.assertEqual(formats.ZSTD, formats.detect_file_compression(path))
