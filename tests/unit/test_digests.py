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

"""Digests of the plain data: exact, zero-aware, and checkable by anyone."""

import hashlib
import os
import shutil
import subprocess
import sys

import fixtures
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import testtools

from glance_accel_import.cmd import cli
from glance_accel_import import digests
from glance_accel_import import streams
from glance_accel_import import zeros
from tests.unit import data

MiB = 1024 * 1024
BLOCK = digests.DIGEST_BLOCK_SIZE

# A stream as pieces: real bytes, or a run of zeros given as a count.
PIECES = st.lists(st.one_of(
    st.integers(0, 3 * BLOCK + 7),
    st.integers(1, 2 * MiB).map(lambda n: data.real_bytes(3 * MiB)[-n:])),
    max_size=5)

# The documented way to check the block digest with coreutils only.
COREUTILS_BLOCK_SHA256 = (
    "split -b 4M --filter='sha256sum | head -c 64 | tr a-f A-F | "
    "basenc --base16 -d' \"$1\" | sha256sum | head -c 64")


def _plain(pieces):
    return b''.join(bytes(p) if isinstance(p, int) else p for p in pieces)


def _feed(digest, pieces):
    for piece in pieces:
        if isinstance(piece, int):
            digest.update_zeros(piece)
        else:
            digest.update(piece)
    return digest.hexdigest()


class DigestTest(testtools.TestCase):

    @settings(max_examples=40, deadline=None)
    @given(PIECES)
    def test_zero_runs_hash_like_their_bytes(self, pieces):
        plain = _plain(pieces)
        self.assertEqual(data.block_sha256(plain),
                         _feed(digests.new(digests.BLOCK_SHA256), pieces))
        self.assertEqual(hashlib.sha256(plain).hexdigest(),
                         _feed(digests.new(digests.SHA256), pieces))

    def test_block_digest_of_zeros_in_several_runs(self):
        # A hole next to written zeros comes as two runs: still the digest
        # of one block of zeros, and of a short one when it is short.
        runs = [zeros.ZeroRun(12345), zeros.ZeroRun(BLOCK - 12345)]
        self.assertEqual(hashlib.sha256(bytes(BLOCK)).digest(),
                         digests.block_digest(runs))
        self.assertEqual(hashlib.sha256(bytes(BLOCK - 1)).digest(),
                         digests.block_digest([zeros.ZeroRun(1),
                                               zeros.ZeroRun(BLOCK - 2)]))

    def test_known_values(self):
        # An empty input hashes no block at all; one zero block is the
        # SHA-256 of its digest.
        self.assertEqual(hashlib.sha256(b'').hexdigest(),
                         _feed(digests.BlockSha256(), []))
        zero_block = hashlib.sha256(bytes(BLOCK)).digest()
        self.assertEqual(hashlib.sha256(zero_block * 3).hexdigest(),
                         _feed(digests.BlockSha256(), [3 * BLOCK]))

    def test_hexdigest_does_not_end_the_stream(self):
        digest = digests.BlockSha256()
        digest.update(b'abc')
        first = digest.hexdigest()
        self.assertEqual(first, digest.hexdigest())
        digest.update(b'def')
        self.assertEqual(data.block_sha256(b'abcdef'), digest.hexdigest())

    def test_none_and_unknown_kinds(self):
        self.assertEqual('', _feed(digests.new(digests.NONE), [b'x', 5]))
        self.assertFalse(digests.wanted(None))
        self.assertFalse(digests.wanted(digests.NONE))
        self.assertRaisesRegex(ValueError, 'unknown digest .md5',
                               digests.new, 'md5')


class FileDigestTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir())
        self.path = os.path.join(self.tmp.path, 'volume.raw')
        real = data.real_bytes(3 * MiB)
        with open(self.path, 'wb') as f:
            f.truncate(512 * MiB + 12345)  # not a whole number of blocks
            for offset in (0, 5 * BLOCK - 1000, 300 * MiB + 7):
                f.seek(offset)
                f.write(real)

    def test_sparse_file(self):
        reads = []
        real_pread = os.pread
        self.useFixture(fixtures.MonkeyPatch(
            'os.pread', lambda fd, n, pos: reads.append(n) or real_pread(
                fd, n, pos)))
        self.assertEqual(data.block_sha256_of_file(self.path),
                         streams.digest_file(self.path))
        # Holes are not read; only the allocated data is.
        self.assertLessEqual(sum(reads), os.stat(self.path).st_blocks * 512)

    def test_coreutils_agree(self):
        missing = [t for t in ('split', 'sha256sum', 'basenc')
                   if shutil.which(t) is None]
        if missing:
            self.skipTest('coreutils tool(s) missing: %s' % ', '.join(missing))
        out = subprocess.run(['sh', '-c', COREUTILS_BLOCK_SHA256, 'sh',
                              self.path], stdout=subprocess.PIPE,
                             check=True, text=True).stdout
        self.assertEqual(streams.digest_file(self.path), out)

    def test_cli_digest(self):
        out = self.useFixture(fixtures.StringStream('stdout'))
        self.useFixture(fixtures.MonkeyPatch('sys.stdout', out.stream))
        self.assertEqual(0, cli.main(['--config-file', os.devnull,
                                      'digest', self.path]))
        self.assertEqual(data.block_sha256_of_file(self.path),
                         out.getDetails()['stdout'].as_text().strip())

    def test_cli_digest_of_a_download_through_a_pipe(self):
        # How a consumer checks a downloaded image: gunzip into the command.
        packed = self.path + '.gz'
        with open(self.path, 'rb') as src, open(packed, 'wb') as dst:
            subprocess.run(['gzip', '-1', '-c'], stdin=src, stdout=dst,
                           check=True)
        pipeline = ('gzip -dc "$1" | "$2" -m glance_accel_import.cmd.cli '
                    '--config-file /dev/null digest /dev/stdin')
        out = subprocess.run(['sh', '-c', pipeline, 'sh', packed,
                              sys.executable], check=True, text=True,
                             stdout=subprocess.PIPE).stdout
        self.assertEqual(data.block_sha256_of_file(self.path), out.strip())
