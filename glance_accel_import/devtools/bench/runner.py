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

"""Run one command as a child process and measure it.

Wall time from the parent's clock; CPU time and peak RSS from the child's
own rusage (``wait4``), so a tool's threads and memory are all counted.
"""

import dataclasses
import gzip
import os
import shutil
import subprocess
import sys
import time

from glance_accel_import import formats
from glance_accel_import import streams

CHUNK = 1024 * 1024


@dataclasses.dataclass
class Measurement:
    tool: str
    operation: str  # compress / decompress / read
    volume: str
    wall: float
    cpu: float
    peak_rss: int  # bytes
    input_apparent: int
    input_allocated: int
    output_size: int
    output_allocated: int

    def _plain(self):
        """(apparent, allocated) bytes of the uncompressed side."""
        if self.operation == 'decompress':
            return self.output_size, self.output_allocated
        return self.input_apparent, self.input_allocated

    @property
    def mb_s_apparent(self):
        return self._plain()[0] / self.wall / 1e6

    @property
    def mb_s_allocated(self):
        return self._plain()[1] / self.wall / 1e6


@dataclasses.dataclass(frozen=True)
class Tool:
    """A command line; ``{src}`` and ``{dst}`` are filled in per run.

    ``stdout_to_dst``: the tool writes to stdout, which goes to ``dst``.
    ``warm_up_argv``: the command of its unmeasured warm-up (``warm_up``),
    for a tool whose work is not set by its input; by default ``argv``.
    """

    name: str
    operation: str
    argv: tuple
    stdout_to_dst: bool = False
    needs: str = ''  # program that must be on PATH
    warm_up_argv: tuple = ()

    def available(self):
        return not self.needs or shutil.which(self.needs) is not None

    def command(self, src, dst, warm_up=False):
        argv = (self.warm_up_argv or self.argv) if warm_up else self.argv
        return [a.format(src=src, dst=dst, python=sys.executable)
                for a in argv]


# A child's ru_maxrss includes the RSS of the process it was forked (or
# vforked) from, up to its exec: measured straight from a big parent, every
# tool would look as large as the parent. So a small, freshly exec'd
# launcher runs the tool and reports the tool's own rusage on its last
# stderr line.
_LAUNCHER = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(proc.pid, 0)
sys.stderr.write('\\nRUSAGE %d %r %r\\n' % (
    usage.ru_maxrss, usage.ru_utime, usage.ru_stime))
sys.exit(os.waitstatus_to_exitcode(status))
"""


@dataclasses.dataclass(frozen=True)
class ChildUsage:
    returncode: int
    stderr: str
    peak_rss: int  # bytes
    cpu: float  # user + system seconds


def run_child(argv, stdout):
    """Run ``argv`` with ``stdout``; return its exit code and own rusage."""
    proc = subprocess.run([sys.executable, '-S', '-c', _LAUNCHER] + argv,
                          stdout=stdout, stderr=subprocess.PIPE)
    err, _, last = proc.stderr.decode(errors='replace').rstrip(
        '\n').rpartition('\n')
    fields = last.split()
    if len(fields) != 4 or fields[0] != 'RUSAGE':
        raise RuntimeError('launcher failed: %s' % last)
    return ChildUsage(proc.returncode, err, int(fields[1]) * 1024,
                      float(fields[2]) + float(fields[3]))


def _allocated(path):
    try:
        return os.stat(path).st_blocks * 512
    except FileNotFoundError:
        return 0


def _size(path):
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        return 0


def _fsync(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _drop_page_cache():
    """Empty the page cache if allowed (root); without root, carry on."""
    try:
        with open('/proc/sys/vm/drop_caches', 'w') as f:
            f.write('1')
    except OSError:
        pass


def settle(src):
    """Give the next tool the same start as every other one, unmeasured.

    Earlier tools' writes are flushed and, where allowed, the page cache is
    emptied, so that no tool pays for the memory reclaim or writeback of
    the outputs before it; then the input is read once, so every tool finds
    it in the page cache and none pays the disk for the others.
    """
    os.sync()
    _drop_page_cache()
    with open(src, 'rb') as f:
        for _ in streams.Reader(f).pieces(CHUNK):
            pass


def _warm_up_sample(src, path):
    """Write a small input of ``src``'s format at ``path``; False if none.

    256 KiB of random data and 768 KiB of zeros, so a tool's data and zero
    paths both run; compressed as ``src`` is, for the decompressors.
    """
    plain = os.urandom(256 * 1024) + bytes(768 * 1024)
    fmt = formats.detect_file_compression(src)
    if fmt == formats.GZIP:
        sample = gzip.compress(plain, compresslevel=1, mtime=0)
    elif fmt == formats.ZSTD:
        try:
            import zstandard
        except ImportError:
            return False
        sample = zstandard.ZstdCompressor(level=1).compress(plain)
    elif fmt is None:
        sample = plain
    else:
        return False
    with open(path, 'wb') as f:
        f.write(sample)
    return True


def warm_up(tool, src, dst):
    """Run ``tool`` once on a small input of ``src``'s kind, unmeasured.

    ``settle`` empties the page cache, and a tool's own program files go
    with it: a Python tool then reads hundreds of modules back from disk
    (0.1-0.5 s here; ``qemu-img`` 0.03 s, ``gzip`` 1 ms), a cost of the
    benchmark rather than of the tool, and one a long-running glance-api
    never pays. One small run first, for every tool alike, as hyperfine's
    ``--warmup`` does; its outcome does not matter, only what it loads.
    """
    sample, sample_dst = dst + '.warm-up-in', dst + '.warm-up-out'
    try:
        if _warm_up_sample(src, sample):
            with open(sample_dst if tool.stdout_to_dst else os.devnull,
                      'wb') as out:
                run_child(tool.command(sample, sample_dst, warm_up=True),
                          out)
    finally:
        for path in (sample, sample_dst):
            if os.path.exists(path):
                os.remove(path)


def measure(tool, volume_name, src, dst):
    """Run ``tool`` on ``src`` once, writing ``dst``; return a Measurement.

    The output is fsynced before the clock stops, for every tool: ours does
    it anyway (an import must not swap in data that is not on disk), and a
    peer that leaves its output in the page cache has not finished either.
    """
    if os.path.exists(dst):
        os.remove(dst)
    settle(src)
    warm_up(tool, src, dst)
    argv = tool.command(src, dst)
    with open(dst if tool.stdout_to_dst else os.devnull, 'wb') as out:
        start = time.monotonic()
        child = run_child(argv, out)
        if tool.operation != 'read' and os.path.exists(dst):
            _fsync(dst)
        wall = time.monotonic() - start
    if child.returncode:
        raise RuntimeError('%s failed (%d): %s' % (' '.join(argv),
                                                   child.returncode,
                                                   child.stderr[-500:]))
    return Measurement(
        tool=tool.name, operation=tool.operation, volume=volume_name,
        wall=wall, cpu=child.cpu, peak_rss=child.peak_rss,
        input_apparent=_size(src), input_allocated=_allocated(src),
        output_size=_size(dst), output_allocated=_allocated(dst))
