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

"""gzip on Intel QuickAssist (QAT) devices, through the ``qzip`` tool.

There is no maintained Python binding of the QATzip library on PyPI, so the
engine streams through ``qzip`` (Debian package ``qatzip``): the image goes
to its stdin and gzip comes back on its stdout, a chunk at a time. qzip
writes one gzip member per hardware buffer; the result is standard
multi-member gzip that every gzip reader decodes.

Nothing qzip says is taken on trust. The engine is ready only when the
hardware probe finds a device that can compress (qzip alone would quietly
compress in software), a qzip that reports falling back to software is a
failure, and its output is decoded again on the fly and must match the
input's length and CRC32 (``gzip_verify``). Any failure raises
``EngineFailed``; ``engines.fallback`` then starts again from byte 0 on the
next engine, or fails, as the fallback policy says.

The engine compresses only. Decompression of uploads stays on the shared
software path: its verdicts (output limit, truncation, trailing data) must
be the same whatever engine runs, and ISA-L decodes at several hundred MB/s
on one core, so hardware would save little there.
"""

import contextlib
import re
import shutil
import subprocess
import threading
import time
import zlib

from oslo_config import cfg
from oslo_log import log as logging

from glance_accel_import.engines import base
from glance_accel_import.engines import gzip_verify
from glance_accel_import import exception
from glance_accel_import import formats
from glance_accel_import.hardware import qat as qat_hardware

LOG = logging.getLogger(__name__)

#: What qzip prints on stderr when it finds no usable device and carries on
#: in software (QATzip's status code is QZ_NO_HW).
SOFTWARE_FALLBACK = re.compile(r'QZ_NO_HW|switch(ed)? to (SW|software)',
                               re.IGNORECASE)
#: qzip's output framing; both are gzip, gzipext adds a 'QZ' extra field.
OUTPUT_FORMATS = ('gzip', 'gzipext')

qat_opts = (
    cfg.StrOpt('qzip_path',
               default='qzip',
               help="""
The ``qzip`` command of QATzip, by name on ``PATH`` or as an absolute path.

Possible values:
    * ``qzip`` (the default): found on ``PATH`` (Debian installs it in
      ``/usr/bin`` with the ``qatzip`` package).
    * An absolute path to a qzip executable.

Related options:
    * hw_buffer_size
    * output_format
"""),
    cfg.IntOpt('hw_buffer_size',
               default=64 * 1024,
               min=4096,
               max=512 * 1024,
               help="""
Bytes of input per QAT request (qzip ``-C``); one gzip member each.

Larger buffers mean fewer gzip members and slightly better ratios; the
device's DMA memory per request grows with it.

Possible values:
    * An integer from 4096 to 524288 (qzip's default is 65536).

Related options:
    * qzip_path
"""),
    cfg.StrOpt('output_format',
               default='gzipext',
               choices=[('gzipext', "gzip members with QATzip's 'QZ' extra "
                                    "field (qzip's default)"),
                        ('gzip', 'plain gzip members')],
               help="""
Framing of qzip's output (qzip ``-O``). Both are standard gzip.

Possible values:
    * gzipext: each member carries an extra field with its sizes, which
      QATzip uses to decompress in parallel.
    * gzip: plain members.

Related options:
    * [accel_compress] format
"""),
    cfg.IntOpt('stall_timeout',
               default=60,
               min=1,
               help="""
Seconds qzip may go without reading input or writing output before it is
killed and the job treated as an engine failure.

A QAT device that is reset or removed can leave qzip waiting forever; this
turns that into a failure that the fallback policy handles like any other.

Possible values:
    * A positive number of seconds.

Related options:
    * [accel_import] fallback_policy
"""),
    cfg.StrOpt('sysfs_root',
               default='/sys',
               help="""
Where sysfs is mounted; the probe looks for QAT devices under it.

Possible values:
    * ``/sys`` (the default).
    * Another directory holding a copy of sysfs (containers, tests).

Related options:
    * dev_root
"""),
    cfg.StrOpt('dev_root',
               default='/dev',
               help="""
Where device nodes live; the probe checks the QAT nodes under it.

Possible values:
    * ``/dev`` (the default).
    * Another directory (containers, tests).

Related options:
    * sysfs_root
"""),
)


class _Feeder(threading.Thread):
    """Copy the source into qzip's stdin, keeping length and CRC32."""

    def __init__(self, reader, pipe, chunk_size):
        super().__init__(daemon=True)
        self._reader, self._pipe, self._chunk_size = reader, pipe, chunk_size
        self.length = 0
        self.crc32 = 0
        self.source_error = None

    def run(self):
        try:
            while True:
                try:
                    data = self._reader.read(self._chunk_size)
                except Exception as exc:  # reraised by the engine
                    self.source_error = exc
                    return
                if not data:
                    return
                self.length += len(data)
                self.crc32 = zlib.crc32(data, self.crc32)
                self._pipe.write(data)
        except BrokenPipeError:
            pass  # qzip stopped reading; its exit status says why
        finally:
            with contextlib.suppress(BrokenPipeError):
                self._pipe.close()


class _StderrWatch(threading.Thread):
    """Collect qzip's stderr; stop it at once if it falls back to software."""

    def __init__(self, process):
        super().__init__(daemon=True)
        self._process = process
        self.lines = []
        self.fallback_line = None

    def run(self):
        for raw in self._process.stderr:
            line = raw.decode('utf-8', 'replace').strip()
            if not line:
                continue
            self.lines.append(line)
            if self.fallback_line is None and SOFTWARE_FALLBACK.search(line):
                self.fallback_line = line
                self._process.kill()

    def last(self):
        return self.lines[-1] if self.lines else 'no message'


class _Watchdog(threading.Thread):
    """Kill qzip if ``progress()`` stays the same for ``timeout`` seconds."""

    def __init__(self, process, timeout, progress):
        super().__init__(daemon=True)
        self._process, self.timeout = process, timeout
        self._progress = progress
        self._done = threading.Event()
        self.fired = False

    def run(self):
        last, since = self._progress(), time.monotonic()
        while not self._done.wait(min(1.0, self.timeout / 4)):
            now = self._progress()
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= self.timeout:
                self.fired = True
                self._process.kill()
                return

    def stop(self):
        self._done.set()
        self.join()


class QatEngine(base.Engine):
    name = 'qat'
    hardware = True
    reads = frozenset()
    writes = frozenset({formats.GZIP})
    options = qat_opts

    def hardware_report(self):
        conf = self.conf
        return qat_hardware.probe(conf.sysfs_root, conf.dev_root)

    def qzip(self):
        """Absolute path of the qzip to run, or None."""
        return shutil.which(self.conf.qzip_path)

    def probe(self):
        report = self.hardware_report()
        qzip = self.qzip()
        if not report.ready:
            if qzip:
                return base.Probe(False, True, '%s; %s is installed but '
                                  'without a device it would only compress '
                                  'in software' % (report.reason, qzip))
            return base.Probe(False, True, report.reason)
        if not qzip:
            return base.Probe(False, True, '%s, but qzip (%s) is not '
                              'installed: install the qatzip package'
                              % (report.reason, self.conf.qzip_path))
        return base.Probe(True, True, '%s; %s' % (report.reason, qzip))

    def command(self, level):
        conf = self.conf
        return [self.qzip() or conf.qzip_path, '-L', str(level),
                '-C', str(conf.hw_buffer_size), '-O', conf.output_format]

    def decompress(self, fmt, reader, sink, chunk_size):
        raise exception.UnsupportedCompression(
            'engine qat compresses only; it does not read %s' % fmt)

    def compress(self, fmt, level, reader, sink, chunk_size):
        """Stream through qzip: spawn it, pump its output, check its end."""
        process = self._spawn(self.command(level))
        feeder = _Feeder(reader, process.stdin, chunk_size)
        watch = _StderrWatch(process)
        verifier = gzip_verify.GzipVerifier(self.name)
        watchdog = _Watchdog(process, self.conf.stall_timeout,
                             lambda: (feeder.length, verifier.length))
        for thread in (feeder, watch, watchdog):
            thread.start()
        try:
            status = self._pump(process, verifier, sink, chunk_size)
        finally:
            watchdog.stop()
            _reap(process, feeder, watch)
        self._check_exit(status, feeder, watch, watchdog)
        verifier.finish(feeder.length, feeder.crc32)
        LOG.debug('qzip wrote %d gzip members for %d bytes',
                  verifier.members, feeder.length)

    def _spawn(self, argv):
        try:
            return subprocess.Popen(argv, stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
        except OSError as exc:
            raise exception.EngineFailed(
                self.name, 'cannot run %s: %s' % (argv[0], exc)) from exc

    @staticmethod
    def _pump(process, verifier, sink, chunk_size):
        """Verify and write qzip's output as it comes; its exit status."""
        while True:
            data = process.stdout.read1(chunk_size)
            if not data:
                break
            verifier.feed(data)
            sink.write(data)
        return process.wait()

    def _check_exit(self, status, feeder, watch, watchdog):
        """Raise for whatever went wrong, the source's own error first."""
        if feeder.source_error is not None:
            raise feeder.source_error
        if watchdog.fired:
            raise exception.EngineFailed(
                self.name, 'qzip made no progress for %d s after %d bytes of '
                'input (device hung or gone?) and was killed'
                % (watchdog.timeout, feeder.length))
        if watch.fallback_line is not None:
            raise exception.EngineFailed(
                self.name, 'qzip found no usable QAT device and fell back to '
                'software (%s)' % watch.fallback_line)
        if status != 0:
            ended = ('was killed by signal %d' % -status if status < 0
                     else 'exited with status %d' % status)
            raise exception.EngineFailed(
                self.name, 'qzip %s after %d bytes of input: %s'
                % (ended, feeder.length, watch.last()))


def _reap(process, feeder, watch):
    """Leave no qzip process, thread or pipe behind, whatever happened."""
    if process.poll() is None:
        process.kill()
        process.wait()
    feeder.join()
    watch.join()
    process.stdout.close()
    process.stderr.close()
