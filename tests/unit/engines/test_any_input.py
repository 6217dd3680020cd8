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

"""Property tests: every engine, any data, any split, any read size.

Hypothesis generates plain data (with zero runs, as disks have), member
splits, chunk and read sizes, and corruptions; every engine must give the
reference engine's verdict: the same bytes, or the same error.
"""

import gzip
import hashlib

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import testtools

from glance_accel_import.engines import manager
from glance_accel_import import formats
from tests.unit import verdict

ENGINES = {name: engine for name, engine in manager.load_engines().items()
           if engine.probe().available and formats.GZIP in engine.reads}
REFERENCE = ENGINES['stdlib']

disk_like = st.lists(
    st.one_of(st.binary(min_size=1, max_size=3000),
              st.integers(1, 20000).map(bytes)),
    max_size=12).map(b''.join)
chunk_sizes = st.sampled_from([1, 7, 512, 4096, 65536])
read_sizes = st.sampled_from([None, 1, 3, 1000, 65536])


def _split_gzip(plain, cuts):
    points = sorted({0, len(plain)} | {c % (len(plain) + 1) for c in cuts})
    return b''.join(gzip.compress(plain[a:b], mtime=0)
                    for a, b in zip(points, points[1:])) or \
        gzip.compress(b'')


def _verdicts(payload, chunk, read):
    return {name: verdict.decompress_verdict(engine, formats.GZIP, payload,
                                             chunk, read_size=read)
            for name, engine in ENGINES.items()}


class PropertyTest(testtools.TestCase):

    @settings(max_examples=60, deadline=None)
    @given(disk_like, st.lists(st.integers(0, 10 ** 6), max_size=5),
           chunk_sizes, read_sizes)
    def test_multi_member_round_trip(self, plain, cuts, chunk, read):
        payload = _split_gzip(plain, cuts)
        expected = ('ok', hashlib.sha256(plain).hexdigest(), len(plain))
        for name, result in _verdicts(payload, chunk, read).items():
            self.assertEqual(expected, result, name)

    @settings(max_examples=80, deadline=None)
    @given(disk_like, st.integers(0, 10 ** 6), st.integers(1, 255),
           st.sampled_from(['flip', 'cut', 'append', 'zeros']),
           st.binary(min_size=1, max_size=40), chunk_sizes, read_sizes)
    def test_same_verdict_on_damaged_input(self, plain, where, xor, how,
                                           extra, chunk, read):
        payload = bytearray(gzip.compress(plain, mtime=0))
        at = where % len(payload)
        if how == 'flip':
            payload[at] ^= xor
        elif how == 'cut':
            del payload[at:]
        elif how == 'append':
            payload += extra
        else:
            payload += bytes(len(extra))
        payload = bytes(payload)
        reference = verdict.decompress_verdict(REFERENCE, formats.GZIP,
                                               payload, 65536)
        for name, result in _verdicts(payload, chunk, read).items():
            self.assertEqual(reference, result, name)

    @settings(max_examples=200, deadline=None)
    @given(st.binary(max_size=64))
    def test_detection_never_fails(self, head):
        fmt = formats.detect_compression(head)
        self.assertIn(fmt, (None, formats.GZIP, formats.ZSTD, formats.XZ,
                            formats.BZIP2, formats.ZIP, formats.LZ4))
