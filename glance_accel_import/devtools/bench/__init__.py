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

"""``glance-accel-import bench``: our engines against every software peer.

By default every target is checked on each of several volumes built from
different trees, or on the images given with ``--volume`` (see ``fair``).
``--classic`` builds one realistic volume in three shapes (see ``volumes``),
runs our CLI and the peers on it interleaved in one run (see ``suite``), and
reports a Markdown table, targets and a PNG chart (see ``report``).
"""

import json
import os
import platform
import subprocess

from glance_accel_import.devtools.bench import fair
from glance_accel_import.devtools.bench import report
from glance_accel_import.devtools.bench import runner
from glance_accel_import.devtools.bench import suite
from glance_accel_import.devtools.bench import volumes
from glance_accel_import.engines import manager
from glance_accel_import import formats

GiB = 1024 ** 3


def machine():
    """One line per fact about where the numbers come from."""
    cpu = 'unknown CPU'
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    with open('/proc/meminfo') as f:
        mem_kib = int(f.readline().split()[1])

    def version(*argv):
        try:
            out = subprocess.run(argv, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True).stdout
        except OSError:
            return 'not installed'
        return out.strip().splitlines()[0] if out.strip() else '?'

    return [
        '%d CPUs (%s), %.0f GiB RAM, %s, Python %s' % (
            os.cpu_count(), cpu, mem_kib / 1024 ** 2, platform.platform(),
            platform.python_version()),
        'load average at start: %s' % ' '.join(
            '%.2f' % x for x in os.getloadavg()),
        'gzip: %s; pigz: %s; igzip: %s; qemu-img: %s' % (
            version('gzip', '--version'), version('pigz', '--version'),
            version('igzip', '--version'), version('qemu-img', '--version')),
    ]


def memory_proof(vols, workdir, engine, log):
    """Peak RSS of our default path on a 20 GiB sparse and the dense image."""
    big = os.path.join(workdir, 'sparse-20g.img')
    if not os.path.exists(big):
        subprocess.run(['cp', '--sparse=always', vols[0].path, big],
                       check=True)
        os.truncate(big, 20 * GiB)
    cases = [volumes.Volume('sparse 20 GiB', big)] + [
        v for v in vols if v.name == 'dense']
    compress = suite.Tool('compress', 'compress', suite.OURS + (
        'compress', '--engine', engine, '{src}', '{dst}'))
    decompress = suite.Tool('decompress', 'decompress', suite.OURS + (
        'decompress', '--engine', engine, '{src}', '{dst}'))
    lines = ['| image | apparent GiB | operation | wall s | peak RSS MiB |',
             '|---|---|---|---|---|']
    for volume in cases:
        packed = os.path.join(workdir, 'proof.gz')
        plain = os.path.join(workdir, 'proof.img')
        for tool, src, dst in ((compress, volume.path, packed),
                               (decompress, packed, plain)):
            m = runner.measure(tool, volume.name, src, dst)
            log('memory %-14s %-10s %7.2fs %6.0f MiB' % (
                volume.name, tool.name, m.wall, m.peak_rss / 2 ** 20))
            lines.append('| %s | %.0f | %s | %.2f | %.0f |' % (
                volume.name, volume.apparent / GiB, tool.name, m.wall,
                m.peak_rss / 2 ** 20))
        os.remove(packed)
        os.remove(plain)
    return '\n'.join(lines)


def _publish(text, results, args):
    """Print the report; write it and the raw measurements where asked."""
    print(text)
    if args.markdown:
        with open(args.markdown, 'w') as f:
            f.write(text + '\n')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump([dict(vars(m)) for m in results], f, indent=1)


def run(args):
    """The per-volume benchmark (``fair``); ``--classic``: the old table."""
    if getattr(args, 'classic', False):
        return run_classic(args)
    workdir = os.path.abspath(args.workdir)
    os.makedirs(workdir, exist_ok=True)
    if args.volume:
        vols = [(os.path.basename(p), os.path.abspath(p))
                for p in args.volume]
    else:
        print('Building volumes in %s ...' % workdir, flush=True)
        vols = fair.build_volumes(workdir, args.size_gib * GiB,
                                  args.data_fraction)
    engine = manager.select(manager.COMPRESS, formats.GZIP,
                            manager.load_engines()).name
    facts = machine()  # the load average before, not after, the run
    suite.compile_ours()
    asked = '/dev/shm' if args.memdir is None else args.memdir
    memdir = asked and fair.memory_dir(
        asked, room=max(os.path.getsize(p) for _, p in vols))
    if asked and not memdir:
        print('No decompressions into memory: %s is not a tmpfs with room '
              'for a volume' % asked, flush=True)
    text, results = fair.run(vols, workdir, engine,
                             log=lambda line: print(line, flush=True),
                             rounds=args.rounds, memdir=memdir)
    text = '\n'.join(['Machine:', ''] + ['* %s' % fact
                                         for fact in facts]
                     + ['* engine: %s' % engine, '', text])
    _publish(text, results, args)
    return 0


def run_classic(args):
    workdir = os.path.abspath(args.workdir)
    os.makedirs(workdir, exist_ok=True)
    source = args.source_tree or volumes.default_source_tree()
    print('Building volumes in %s from %s ...' % (workdir, source),
          flush=True)
    vols = volumes.build(workdir, args.size_gib * GiB, source,
                         args.data_fraction)
    for v in vols:
        print('  %-7s %6.2f GiB apparent, %6.2f GiB allocated' % (
            v.name, v.apparent / GiB, v.allocated / GiB), flush=True)
    engines = manager.load_engines()
    default_engine = manager.select(manager.COMPRESS, formats.GZIP,
                                    engines).name
    default = suite.ours_name(default_engine)
    suite.compile_ours()
    results = suite.run(vols, engines, default_engine, workdir,
                        rounds=args.rounds,
                        log=lambda line: print(line, flush=True))
    checks = report.targets(results, default)
    checks += report.targets(results, default + suite.FULL_SHA256,
                             with_decompress=False)
    proof = memory_proof(vols, workdir, default_engine,
                         log=lambda line: print(line, flush=True))
    lines = ['Machine:', ''] + ['* %s' % fact for fact in machine()] + [
        '* volumes: %s' % '; '.join(
            '%s %.2f GiB apparent / %.2f GiB allocated' % (
                v.name, v.apparent / GiB, v.allocated / GiB) for v in vols),
        '* rounds: %d (median wall time shown), default engine: %s' % (
            args.rounds, default),
        '', report.table(results, default), '',
        'Targets (dense volume unless stated):', '',
        report.targets_table(checks), '',
        'Peak RSS of %s on large images:' % default, '',
        proof]
    text = '\n'.join(lines)
    _publish(text, results, args)
    if args.chart:
        report.chart(results, args.chart,
                     '%d CPUs, %s volume of %d GiB' % (
                         os.cpu_count(), 'ext4', args.size_gib))
        print('Chart written to %s' % args.chart)
    return 0
