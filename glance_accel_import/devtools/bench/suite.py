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

"""What the benchmark runs: our CLI and every peer, interleaved, one input.

Every command is a real child process, ours included (``python -m
glance_accel_import.cmd.cli``, the same ``streams.compress_file`` path the
import plugins call), so start-up costs count for everybody.
"""

import compileall
import os

import glance_accel_import
from glance_accel_import.devtools.bench import runner
from glance_accel_import import digests
from glance_accel_import import formats

Tool = runner.Tool
OURS = ('{python}', '-m', 'glance_accel_import.cmd.cli')

# Glance's image_decompression plugin: gzip.open + shutil.copyfileobj.
_GLANCE_GUNZIP = ('import gzip, shutil, sys\n'
                  'with gzip.open(sys.argv[1], "r") as gz, '
                  'open(sys.argv[2], "wb") as out:\n'
                  '    shutil.copyfileobj(gz, out)\n')

FULL_SHA256 = ', sha256 digest'
SUFFIX = {formats.GZIP: '.gz', formats.ZSTD: '.zst'}


def compile_ours():
    """Byte-compile our package once, as ``pip install`` does.

    Run from a source checkout with ``PYTHONDONTWRITEBYTECODE`` set (tox and
    CI set it), Python compiles every module of ours again at each start:
    50-80 ms here that an installed copy never pays, on top of the start-up
    every run of ours pays anyway.
    """
    compileall.compile_dir(os.path.dirname(glance_accel_import.__file__),
                           quiet=1)


def ours_name(engine):
    return 'ours %s' % engine


def compress_tools(engines, default):
    """(tool, output suffix) for every compressor, ours first.

    The ``default`` engine also runs with the SHA-256 of every input byte
    (``[accel_compress] uncompressed_digest = sha256``) instead of the
    default block digest, to show what hashing every zero costs.
    """
    tools = []
    for name, engine in sorted(engines.items()):
        if not engine.probe().available:
            continue
        for fmt in sorted(engine.writes):
            argv = OURS + ('compress', '--force', '--engine', name,
                           '--format', fmt, '{src}', '{dst}')
            tools.append((Tool(ours_name(name), 'compress', argv),
                          SUFFIX[fmt]))
            if name == default:
                full = Tool(ours_name(name) + FULL_SHA256, 'compress',
                            argv + ('--digest', digests.SHA256))
                tools.append((full, SUFFIX[fmt]))
    peers = [
        (Tool('gzip -6', 'compress', ('gzip', '-6', '-c', '{src}'),
              stdout_to_dst=True, needs='gzip'), '.gz'),
        (Tool('pigz -6', 'compress', ('pigz', '-6', '-c', '{src}'),
              stdout_to_dst=True, needs='pigz'), '.gz'),
        (Tool('igzip -1', 'compress', ('igzip', '-1', '-c', '{src}'),
              stdout_to_dst=True, needs='igzip'), '.gz'),
        (Tool('qemu-img qcow2 zlib', 'compress', (
            'qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2', '-c',
            '{src}', '{dst}'), needs='qemu-img'), '.qcow2'),
        (Tool('qemu-img qcow2 zstd', 'compress', (
            'qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2', '-c', '-o',
            'compression_type=zstd', '{src}', '{dst}'), needs='qemu-img'),
         '.qcow2'),
        (Tool('cat (read limit)', 'read', ('cat', '{src}'), needs='cat'),
         '.none'),
    ]
    return tools + [(t, s) for t, s in peers if t.available()]


#: Tools too slow to repeat on the large volume, where no target involves
#: them: there the question is only how our time scales with volume size.
SKIP_ON_LARGE = ('gzip -6', 'pigz -6', ours_name('stdlib'))


def decompress_tools(engines):
    """(tool, format it reads) for every decompressor, ours first."""
    tools = []
    for name, engine in sorted(engines.items()):
        if not engine.probe().available:
            continue
        for fmt in sorted(engine.reads & set(SUFFIX)):
            tools.append((Tool(ours_name(name), 'decompress', OURS + (
                'decompress', '--force', '--engine', name, '{src}', '{dst}')),
                fmt))
    peers = [
        Tool('glance copyfileobj', 'decompress',
             ('{python}', '-c', _GLANCE_GUNZIP, '{src}', '{dst}')),
        Tool('gzip -d', 'decompress', ('gzip', '-dc', '{src}'),
             stdout_to_dst=True, needs='gzip'),
        Tool('pigz -d', 'decompress', ('pigz', '-dc', '{src}'),
             stdout_to_dst=True, needs='pigz'),
        Tool('igzip -d', 'decompress', ('igzip', '-dc', '{src}'),
             stdout_to_dst=True, needs='igzip'),
    ]
    return tools + [(t, formats.GZIP) for t in peers if t.available()]


def median(runs):
    """The run with the median wall time."""
    ordered = sorted(runs, key=lambda m: m.wall)
    return ordered[(len(ordered) - 1) // 2]


def run(volumes, engines, default, workdir, rounds=1,
        decompress_volume='dense', log=print):
    """Measure everything ``rounds`` times, interleaved; return medians."""
    runs = {}
    compressors = compress_tools(engines, default)
    decompressors = decompress_tools(engines)
    source_for = {}
    for round_no in range(rounds):
        for volume in volumes:
            for tool, suffix in compressors:
                if volume.name == 'large' and tool.name in SKIP_ON_LARGE:
                    continue
                dst = os.path.join(workdir, 'out-%s-%s%s' % (
                    volume.name, tool.name.replace(' ', '_'), suffix))
                m = runner.measure(tool, volume.name, volume.path, dst)
                runs.setdefault((tool.name, m.operation, volume.name),
                                []).append(m)
                log('round %d %-9s %-7s %-20s %7.2fs' % (
                    round_no + 1, m.operation, volume.name, tool.name,
                    m.wall))
                if tool.operation == 'read':
                    continue
                fmt = formats.detect_file_compression(dst)
                if volume.name == decompress_volume and \
                        tool.name.startswith('ours') and \
                        not tool.name.endswith(FULL_SHA256) and \
                        source_for.get(fmt, dst) == dst:
                    source_for[fmt] = dst  # decompressed below
                else:
                    os.remove(dst)
        for tool, fmt in decompressors:
            src = source_for.get(fmt)
            if src is None:
                continue
            dst = os.path.join(workdir, 'plain-%s.img' % tool.name.replace(
                ' ', '_'))
            m = runner.measure(tool, decompress_volume, src, dst)
            os.remove(dst)
            runs.setdefault((tool.name, m.operation, m.volume), []).append(m)
            log('round %d %-9s %-7s %-20s %7.2fs' % (
                round_no + 1, m.operation, m.volume, tool.name, m.wall))
    return [median(r) for r in runs.values()]
