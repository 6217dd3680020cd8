"""The contract every installed engine passes, on real data.

Each engine found under the ``glance_accel_import.engines`` entry point runs
every test here; an engine that is installed but cannot run on this host is
skipped with the reason its probe gives.
"""

import bz2
import gzip
import io
import lzma
import subprocess

import testscenarios
import testtools

from glance_accel_import.engines import manager
from glance_accel_import import exception
from glance_accel_import import formats
from glance_accel_import import streams
from tests.unit import data
from tests.unit import verdict

CHUNK = 64 * 1024
ENGINES = manager.load_engines()


class EngineContractTest(testscenarios.WithScenarios, testtools.TestCase):

    scenarios = [(name, {'engine_name': name}) for name in sorted(ENGINES)]

    def setUp(self):
        super().setUp()
        self.engine = ENGINES[self.engine_name]
        probe = self.engine.probe()
        if not probe.available:
            self.skipTest('engine %s unavailable here: %s'
                          % (self.engine_name, probe.reason))
        self.plain = data.real_bytes(3 * 1024 * 1024 + 17)
        # A compress-only engine (qat) has its output read by the reference
        # engine; the tests of reading alone do not apply to it.
        self.reader = (self.engine if formats.GZIP in self.engine.reads
                       else ENGINES['stdlib'])

    def requires_reading(self):
        if self.reader is not self.engine:
            self.skipTest('engine %s does not decompress gzip; its output '
                          'is read back by stdlib' % self.engine_name)

    def compress(self, plain, level=1):
        out = io.BytesIO()
        self.engine.compress(formats.GZIP, level,
                             streams.Reader(io.BytesIO(plain)),
                             streams.Sink(out), CHUNK)
        return out.getvalue()

    def decompress(self, payload, fmt=formats.GZIP, limit=None):
        out = io.BytesIO()
        self.reader.decompress(fmt, streams.Reader(io.BytesIO(payload)),
                               streams.Sink(out, limit=limit), CHUNK)
        return out.getvalue()

    def assertCorrupt(self, payload, fmt=formats.GZIP):
        self.assertRaises(exception.CorruptCompressedData, self.decompress,
                          payload, fmt)

    def test_round_trip(self):
        for level in (1, 6, 9):
            packed = self.compress(self.plain, level)
            self.assertLess(len(packed), len(self.plain) // 2)
            self.assertEqual(self.plain, self.decompress(packed))

    def test_output_is_standard_gzip(self):
        packed = self.compress(self.plain)
        self.assertEqual(self.plain, gzip.decompress(packed))
        by_cli = subprocess.run(['gzip', '-dc'], input=packed,
                                stdout=subprocess.PIPE, check=True).stdout
        self.assertEqual(self.plain, by_cli)

    def test_reads_gzip_command_output(self):
        self.requires_reading()
        self.assertEqual(self.plain,
                         self.decompress(data.gzip_cli(self.plain)))

    def test_empty_input(self):
        packed = self.compress(b'')
        self.assertEqual(b'', gzip.decompress(packed))
        self.assertEqual(b'', self.decompress(packed))

    def test_empty_payload_is_corrupt(self):
        self.requires_reading()
        self.assertCorrupt(b'')

    def test_multi_member(self):
        self.requires_reading()
        payload = data.multi_member_gzip(self.plain, 23)
        self.assertEqual(self.plain, self.decompress(payload))

    def test_member_boundary_at_every_offset_near_chunk_edges(self):
        self.requires_reading()
        small = self.plain[:CHUNK * 2]
        first = gzip.compress(small[:CHUNK - 5], mtime=0)
        second = gzip.compress(small[CHUNK - 5:], mtime=0)
        self.assertEqual(small, self.decompress(first + second))

    def test_truncated(self):
        payload = self.compress(self.plain)
        for cut in (1, 10, len(payload) // 2, len(payload) - 4,
                    len(payload) - 1):
            self.assertCorrupt(payload[:cut])

    def test_truncated_second_member(self):
        self.requires_reading()
        payload = data.multi_member_gzip(self.plain, 2)
        self.assertCorrupt(payload[:-3])

    def test_bad_crc(self):
        payload = bytearray(self.compress(self.plain))
        payload[-8] ^= 0xff
        self.assertCorrupt(bytes(payload))

    def test_bad_length(self):
        payload = bytearray(self.compress(self.plain))
        payload[-1] ^= 0x01
        self.assertCorrupt(bytes(payload))

    def test_corrupt_deflate_data(self):
        payload = bytearray(self.compress(self.plain))
        for i in range(100, 140):
            payload[i] = 0xff
        self.assertCorrupt(bytes(payload))

    def test_trailing_garbage(self):
        payload = self.compress(self.plain)
        self.assertCorrupt(payload + b'not gzip at all')
        self.assertCorrupt(payload + b'\x1f')

    def test_zero_padding_is_accepted(self):
        payload = self.compress(self.plain) + bytes(CHUNK * 3 + 7)
        self.assertEqual(self.plain, self.decompress(payload))

    def test_garbage_after_zero_padding(self):
        payload = self.compress(self.plain) + bytes(CHUNK * 2) + b'x'
        self.assertCorrupt(payload)

    def test_output_limit_stops_a_bomb(self):
        self.requires_reading()
        bomb = gzip.compress(bytes(256 * 1024 * 1024), compresslevel=9)
        limit = 4 * 1024 * 1024
        out = io.BytesIO()
        self.assertRaises(
            exception.OutputLimitExceeded, self.engine.decompress,
            formats.GZIP, streams.Reader(io.BytesIO(bomb)),
            streams.Sink(out, limit=limit), CHUNK)
        self.assertLessEqual(len(out.getvalue()), limit)

    def test_other_formats_it_reads(self):
        samples = {
            formats.BZIP2: bz2.compress(self.plain[:400000]) * 2,
            formats.XZ: lzma.compress(self.plain[:400000]) * 2,
        }
        for fmt, payload in samples.items():
            if fmt not in self.engine.reads:
                continue
            self.assertEqual(formats.detect_compression(payload), fmt)
            self.assertEqual(self.plain[:400000] * 2,
                             self.decompress(payload, fmt))
            self.assertCorrupt(payload[:-10], fmt)
            self.assertCorrupt(payload + b'junk', fmt)


class DifferentialTest(testtools.TestCase):
    """Every engine gives the stdlib engine's bytes and verdicts."""

    def test_same_results_as_reference(self):
        reference = ENGINES['stdlib']
        plain = data.real_bytes(1024 * 1024)
        good = data.multi_member_gzip(plain, 5)
        cases = [good, good[:-1], good + b'\0' * 10, good + b'?', b'',
                 good[:40] + bytes(100) + good[140:]]

        def outcome(engine, payload):
            out = io.BytesIO()
            try:
                engine.decompress(formats.GZIP,
                                  streams.Reader(io.BytesIO(payload)),
                                  streams.Sink(out), CHUNK)
            except exception.AccelImportError as exc:
                return type(exc).__name__
            return out.getvalue()

        for name, engine in ENGINES.items():
            if not engine.probe().available or \
                    formats.GZIP not in engine.reads:
                continue
            for payload in cases:
                self.assertEqual(outcome(reference, payload),
                                 outcome(engine, payload),
                                 'engine %s differs' % name)


class FuzzRegressionTest(testtools.TestCase):
    """Inputs the fuzz target (tests/fuzz) found; each once split engines."""

    def assertEveryEngineRefuses(self, payload, read_size=None):
        for name, engine in ENGINES.items():
            if engine.probe().available and formats.GZIP in engine.reads:
                self.assertEqual(
                    ('error', 'CorruptCompressedData'),
                    verdict.decompress_verdict(engine, formats.GZIP, payload,
                                               CHUNK, read_size=read_size),
                    name)

    def test_reserved_gzip_flags(self):
        # ISA-L ignored FLG bit 5, zlib refused it: both must refuse.
        self.assertEveryEngineRefuses(bytes.fromhex(
            '1f8b0820000000000203' '4b040043beb7e80100000000'))

    def test_header_crc(self):
        # With FHCRC set, ISA-L's verdict depended on how the input was
        # split (and it once returned 1 byte of a 51-byte payload).
        payload = bytes.fromhex(
            '1f8b081f8b0800000000020000034b040043beb7e8010000001f8b08000000'
            '00800203aba820150060038a62ac320000000000')
        for read_size in (None, 1, 3, 5):
            self.assertEveryEngineRefuses(payload, read_size)
