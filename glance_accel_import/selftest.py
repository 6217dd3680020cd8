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

"""``glance-accel-import engines --self-test``: prove each engine works here.

Every available engine compresses a sample (real files from Python's own
library, then zeros, like a disk image) in each format it writes, and the
result is decoded by an independent reader and compared byte for byte;
every format it reads is decoded from a payload another writer made. The
throughput of each step is reported. An engine that is not available is
listed with its probe's reason.
"""

import bz2
import dataclasses
import functools
import gzip
import io
import lzma
import os
import time

import zstandard

from glance_accel_import import exception
from glance_accel_import import formats
from glance_accel_import import streams

CHUNK = 1024 * 1024

#: Independent writers for formats that no engine may write.
_REFERENCE_WRITERS = {
    formats.GZIP: lambda data: gzip.compress(data, compresslevel=1),
    formats.BZIP2: lambda data: bz2.compress(data, compresslevel=1),
    formats.XZ: lambda data: lzma.compress(data, preset=0),
    # The library's one-shot writer, not the zstd engine's streaming one.
    formats.ZSTD: lambda data: zstandard.ZstdCompressor(level=1).compress(
        data),
}


@dataclasses.dataclass(frozen=True)
class Step:
    operation: str
    fmt: str
    ok: bool
    mb_per_s: float = 0.0
    ratio: float = 0.0
    detail: str = ''


@dataclasses.dataclass(frozen=True)
class EngineReport:
    name: str
    available: bool
    hardware: bool
    reason: str
    steps: tuple = ()

    @property
    def ok(self):
        return all(step.ok for step in self.steps)


@functools.lru_cache()
def sample(size):
    """``size`` bytes: two thirds real files, one third zeros."""
    real_size = size * 2 // 3
    out = bytearray()
    root = os.path.dirname(os.__file__)
    for dirpath, _, names in sorted(os.walk(root)):
        for name in sorted(names):
            path = os.path.join(dirpath, name)
            if len(out) >= real_size:
                break
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, 'rb') as f:
                    out += f.read(real_size - len(out))
    return bytes(out) + bytes(size - len(out))


def _speed(size, seconds):
    return size / seconds / 1e6 if seconds > 0 else float('inf')


def _compress(engine, fmt, plain):
    out = io.BytesIO()
    start = time.monotonic()
    engine.compress(fmt, 1, streams.Reader(io.BytesIO(plain)),
                    streams.Sink(out), CHUNK)
    return out.getvalue(), time.monotonic() - start


def _decompress(engine, fmt, payload):
    out = io.BytesIO()
    start = time.monotonic()
    engine.decompress(fmt, streams.Reader(io.BytesIO(payload)),
                      streams.Sink(out), CHUNK)
    return out.getvalue(), time.monotonic() - start


def _reader_of(fmt, engines, besides):
    """Another available engine that reads ``fmt``, stdlib if it can."""
    others = [e for e in engines.values()
              if e is not besides and fmt in e.reads and e.probe().available]
    others.sort(key=lambda e: (e.name != 'stdlib', e.hardware, e.name))
    return others[0] if others else None


def _writer_of(fmt, engines, besides):
    if fmt in _REFERENCE_WRITERS:
        return _REFERENCE_WRITERS[fmt]
    for engine in engines.values():
        if engine is not besides and fmt in engine.writes and \
                engine.probe().available:
            return lambda data: _compress(engine, fmt, data)[0]
    return None


def _guarded(operation, fmt, attempt):
    """Run ``attempt()``; an error becomes a failed Step, not an exception."""
    try:
        return attempt()
    except (exception.AccelImportError, OSError, ValueError) as exc:
        return Step(operation, fmt, False, detail=str(exc))


def _compress_step(engine, fmt, plain, engines):
    def attempt():
        packed, seconds = _compress(engine, fmt, plain)
        # Another engine reads it back, so the check is independent.
        reader = _reader_of(fmt, engines, engine) or (
            engine if fmt in engine.reads else None)
        if reader is None:
            return Step('compress', fmt, False,
                        detail='no engine can read %s to verify it' % fmt)
        unpacked, _ = _decompress(reader, fmt, packed)
        if unpacked != plain:
            return Step('compress', fmt, False,
                        detail='output does not decode to the sample')
        return Step('compress', fmt, True, _speed(len(plain), seconds),
                    len(plain) / max(1, len(packed)),
                    'verified by %s' % reader.name)
    return _guarded('compress', fmt, attempt)


def _decompress_step(engine, fmt, plain, engines):
    write = _writer_of(fmt, engines, engine)
    if write is None:
        return Step('decompress', fmt, False,
                    detail='no other writer of %s to test with' % fmt)

    def attempt():
        unpacked, seconds = _decompress(engine, fmt, write(plain))
        if unpacked != plain:
            return Step('decompress', fmt, False,
                        detail='output differs from the sample')
        return Step('decompress', fmt, True, _speed(len(plain), seconds))
    return _guarded('decompress', fmt, attempt)


def run(engines, size):
    """Self-test every engine in ``engines``, by name.

    A generator: each ``EngineReport`` is yielded as soon as its engine is
    done, so the command can show it while the next engine works.
    """
    plain = sample(size)
    for name in sorted(engines):
        engine = engines[name]
        probe = engine.probe()
        steps = []
        if probe.available:
            steps += [_compress_step(engine, fmt, plain, engines)
                      for fmt in sorted(engine.writes)]
            steps += [_decompress_step(engine, fmt, plain, engines)
                      for fmt in sorted(engine.reads)]
        yield EngineReport(name, probe.available, probe.hardware,
                           probe.reason, tuple(steps))
