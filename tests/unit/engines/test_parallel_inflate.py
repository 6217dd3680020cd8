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

"""Parallel inflation of sized members: the serial pump's verdicts, always.

Differential: every payload (good, hostile, from the fuzz corpus, or drawn
by hypothesis) decoded by the engines' ``decompress`` (parallel where the
input allows it) and by ``streams.decode`` alone (today's serial path)
must give the same bytes, or the same error class and message.
"""

import gzip
import hashlib
import io
import logging
import os

import fixtures

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import testscenarios
import testtools

from glance_accel_import.engines import gzip_members
from glance_accel_import.engines import manager
from glance_accel_import.engines import parallel_inflate
from glance_accel_import import exception
from glance_accel_import import formats
from glance_accel_import import streams
from tests import paths
from tests.unit import data
from tests.unit.engines import test_gzip_members
from tests.unit import verdict

KiB = 1024
MiB = 1024 * KiB
ENGINES = {name: e for name, e in manager.load_engines().items()
           if name in ('isal', 'stdlib') and e.probe().available}


def _run(decode, payload, chunk, limit, read_size):
    src = io.BytesIO(payload)
    if read_size:
        src = verdict.ShortReads(src, read_size)
    sink = streams.Sink(io.BytesIO(), limit=limit, digest='sha256')
    try:
        decode(streams.Reader(src), sink, chunk)
    except exception.AccelImportError as exc:
        return ('error', type(exc).__name__, str(exc))
    return ('ok', sink.hexdigest(), sink.bytes_written)


def parallel_verdict(engine, payload, chunk=64 * KiB, limit=None,
                     read_size=None):
    return _run(lambda r, s, c: engine.decompress(formats.GZIP, r, s, c),
                payload, chunk, limit, read_size)


def serial_verdict(engine, payload, chunk=64 * KiB, limit=None,
                   read_size=None):
    return _run(lambda r, s, c: streams.decode(
        lambda: engine.new_decoder(formats.GZIP), engine.decode_errors,
        formats.GZIP, r, s, c), payload, chunk, limit, read_size)


def sized(plain, member_size=64 * KiB, sparse_zeros=0):
    return test_gzip_members.compress(ENGINES['stdlib'], plain,
                                      member_size=member_size,
                                      sparse_zeros=sparse_zeros)


PLAIN = (data.real_bytes(300 * KiB) + bytes(1536 * KiB)
         + data.real_bytes(200 * KiB)[::-1] + os.urandom(5000))
GOOD = sized(PLAIN)


def boundaries(blob):
    pos, found = 0, []
    while True:
        sizes = gzip_members.parse_header(
            blob[pos:pos + gzip_members.HEADER_SIZE])
        if sizes is None:
            return found
        found.append(pos)
        pos += gzip_members.HEADER_SIZE + sizes[1] + 8


def hostile_cases():
    """Payloads built from GOOD that each break one thing."""
    cases = {'good': GOOD, 'empty': b'', 'junk': b'junk' * 10,
             'trailing junk': GOOD + b'junk',
             'trailing zeros': GOOD + bytes(1000),
             'zeros then junk': GOOD + bytes(10) + b'x',
             'ordinary member after': GOOD + gzip.compress(b'tail'),
             'ordinary member first': gzip.compress(b'head') + GOOD,
             'ordinary member between': GOOD[:boundaries(GOOD)[2]]
             + gzip.compress(b'mid') + GOOD[boundaries(GOOD)[2]:],
             'many empty members': gzip_members.member(
                 b'\x03\x00', 0, 0) * 5000,
             'member count at the limit': gzip_members.member(
                 b'\x03\x00', 0, 0) * 64 + GOOD,
             }
    starts = boundaries(GOOD)
    for n, start in enumerate(starts):
        body = start + gzip_members.HEADER_SIZE
        plain_size, deflate_size = gzip_members.parse_header(
            GOOD[start:body])
        trailer = body + deflate_size
        for name, offset, delta in (
                ('plain size', 16, 1), ('plain size', 16, -1),
                ('plain size high', 19, 1),
                ('deflate size', 20, 1), ('deflate size', 20, -1),
                ('deflate size high', 23, 64),
                ('xlen', 10, 1), ('subfield id', 12, 1),
                ('body', gzip_members.HEADER_SIZE + 1, 1),
                ('crc', gzip_members.HEADER_SIZE + deflate_size, 1),
                ('isize', gzip_members.HEADER_SIZE + deflate_size + 4, 1)):
            if offset >= gzip_members.HEADER_SIZE + deflate_size + 8:
                continue
            broken = bytearray(GOOD)
            broken[start + offset] = (broken[start + offset] + delta) % 256
            cases['member %d %s %+d' % (n, name, delta)] = bytes(broken)
        for cut in (start + 1, body - 1, body + 1, trailer, trailer + 7):
            cases['member %d cut at %d' % (n, cut)] = GOOD[:cut]
        cases['member %d repeated' % n] = (
            GOOD[:trailer + 8] + GOOD[start:trailer + 8] + GOOD[trailer + 8:])
        cases['member %d dropped' % n] = GOOD[:start] + GOOD[trailer + 8:]
        del plain_size
    zero = gzip_members.zero_member(2 * MiB)
    cases['zero member, wrong crc'] = zero[:-8] + b'\0\0\0\0' + zero[-4:]
    cases['zero member, claims more'] = (
        zero[:16] + (3 * MiB).to_bytes(4, 'little') + zero[20:])
    return cases


class DifferentialTest(testscenarios.WithScenarios, testtools.TestCase):

    scenarios = [(name, {'engine': engine})
                 for name, engine in ENGINES.items()]

    def assertSameVerdict(self, payload, label, **kw):
        self.assertEqual(serial_verdict(self.engine, payload, **kw),
                         parallel_verdict(self.engine, payload, **kw),
                         '%s %r' % (label, kw))

    def test_good_output_decodes_in_parallel_only(self):
        calls = []
        sink = streams.Sink(io.BytesIO(), digest='sha256')
        parallel_inflate.decompress(
            self.engine.zlib_module, formats.GZIP,
            streams.Reader(io.BytesIO(GOOD)), sink, 64 * KiB, 2,
            lambda *args: calls.append(args))
        self.assertEqual([], calls)
        self.assertEqual(hashlib.sha256(PLAIN).hexdigest(), sink.hexdigest())

    def test_hostile_cases(self):
        cases = hostile_cases()
        self.assertGreater(len(cases), 100)
        verdicts = set()
        for label, payload in cases.items():
            self.assertSameVerdict(payload, label)
            verdicts.add(serial_verdict(self.engine, payload)[:2])
        # The cases reach every kind of verdict, or they prove little.
        kinds = {v[1] for v in verdicts if v[0] == 'error'}
        self.assertEqual({'CorruptCompressedData', 'TooManyMembers'}, kinds)

    def test_short_reads_and_small_chunks(self):
        for label, payload in list(hostile_cases().items())[:40]:
            self.assertSameVerdict(payload, label, read_size=3,
                                   chunk=4 * KiB)

    def test_output_limits(self):
        starts = boundaries(GOOD)
        limits = {0, 1, len(PLAIN) - 1, len(PLAIN), len(PLAIN) + 1,
                  300 * KiB, 64 * KiB, 64 * KiB - 1, 64 * KiB + 1,
                  len(PLAIN) // 2}
        for limit in sorted(limits):
            for payload in (GOOD, GOOD[:starts[-1] + 30], GOOD + b'x'):
                self.assertSameVerdict(payload, 'limit', limit=limit)

    def test_zero_members_are_written_sparse_and_checked(self):
        blob = sized(b'data', sparse_zeros=300 * MiB)
        self.assertSameVerdict(blob, 'sparse')
        verdict_ = parallel_verdict(self.engine, blob, limit=200 * MiB)
        self.assertEqual('OutputLimitExceeded', verdict_[1])

    def test_fuzz_corpus(self):
        names = sorted(os.listdir(paths.FUZZ_CORPUS))
        self.assertIn('gzsized', names)
        for name in names:
            with open(os.path.join(paths.FUZZ_CORPUS, name), 'rb') as f:
                payload = f.read()
            if formats.detect_compression(payload[:16]) != formats.GZIP:
                continue
            for limit in (None, 4 * MiB, 3):
                self.assertSameVerdict(payload, name, limit=limit)


class ReportTest(testscenarios.WithScenarios, testtools.TestCase):
    """What ``decompress`` says it did: returned, and logged at DEBUG."""

    scenarios = DifferentialTest.scenarios

    def setUp(self):
        super().setUp()
        self.log = self.useFixture(fixtures.FakeLogger(
            name=parallel_inflate.__name__, level=logging.DEBUG))

    def decompress(self, payload):
        sink = streams.Sink(io.BytesIO(), digest='sha256')
        report = parallel_inflate.decompress(
            self.engine.zlib_module, formats.GZIP,
            streams.Reader(io.BytesIO(payload)), sink, 64 * KiB, 2,
            lambda source, members_done: streams.decode(
                lambda: self.engine.new_decoder(formats.GZIP),
                self.engine.decode_errors, formats.GZIP, source, sink,
                64 * KiB, members_done=members_done))
        self.assertEqual(hashlib.sha256(PLAIN).hexdigest(), sink.hexdigest())
        return report

    def test_sized_members_all_in_parallel(self):
        members = len(boundaries(GOOD))
        self.assertGreater(members, 5)
        report = self.decompress(GOOD)
        # PLAIN's 1.5 MiB of zeros is one canonical zero member.
        self.assertEqual(parallel_inflate.Report(members, 1, False), report)
        self.assertEqual(
            'gzip: %d members decoded in parallel on 2 threads (1 of them '
            'zero runs), nothing left for the serial decoder\n' % members,
            self.log.output)

    def test_single_member_gzip_all_serial(self):
        report = self.decompress(gzip.compress(PLAIN))
        self.assertEqual(parallel_inflate.Report(0, 0, True), report)
        self.assertIn('0 members decoded in parallel', self.log.output)
        self.assertIn('the rest by the serial decoder', self.log.output)

    def test_ordinary_member_between(self):
        # Sized members up to the ordinary one, the serial pump after it.
        cut = boundaries(GOOD)[2]
        payload = (GOOD[:cut] + gzip.compress(b'') + GOOD[cut:])
        self.assertEqual(parallel_inflate.Report(2, 0, True),
                         self.decompress(payload))


class RandomDamageTest(testtools.TestCase):
    """hypothesis: damaged sized gzip, same verdict on both paths."""

    @settings(max_examples=150, deadline=None)
    @given(st.data())
    def test_random_damage(self, draw):
        payload = bytearray(GOOD if draw.draw(st.booleans()) else sized(
            draw.draw(st.binary(max_size=3000)), member_size=512))
        for _ in range(draw.draw(st.integers(0, 3))):
            if not payload:
                break
            pos = draw.draw(st.integers(0, len(payload) - 1))
            action = draw.draw(st.sampled_from(['flip', 'cut', 'insert']))
            if action == 'flip':
                payload[pos] ^= draw.draw(st.integers(1, 255))
            elif action == 'cut':
                del payload[pos:pos + draw.draw(st.integers(1, 40))]
            else:
                payload[pos:pos] = draw.draw(st.binary(min_size=1,
                                                       max_size=30))
        limit = draw.draw(st.one_of(st.none(), st.integers(0, 4 * MiB)))
        chunk = draw.draw(st.sampled_from([4 * KiB, 64 * KiB, MiB]))
        for engine in ENGINES.values():
            kw = dict(limit=limit, chunk=chunk)
            self.assertEqual(serial_verdict(engine, bytes(payload), **kw),
                             parallel_verdict(engine, bytes(payload), **kw))
