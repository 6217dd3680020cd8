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

"""``glance-accel-import``: inspect engines, (de)compress files, run the demo.

Every error is one line on stderr and a non-zero exit: 2 for a bad argument
or configuration value (nothing was done), 1 for a job that failed, 130 and
143 for SIGINT and SIGTERM. ``--debug`` adds the traceback of unexpected
errors. Output files are written under a temporary name and renamed only
when complete; the source is never overwritten (see ``destination``).
"""

import argparse
import importlib.util
import json
import logging
import os
import stat
import sys
import traceback

from oslo_config import cfg
from oslo_utils import units

from glance_accel_import.cmd import config_check
from glance_accel_import.cmd import config_files
from glance_accel_import.cmd import destination
from glance_accel_import.cmd import engines_report
from glance_accel_import import digests
from glance_accel_import.engines import fallback
from glance_accel_import.engines import manager
from glance_accel_import import exception
from glance_accel_import import formats
from glance_accel_import import opts
from glance_accel_import import streams

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_SIGINT = 130
CONF = cfg.CONF

#: Python modules each optional command needs, by the extra providing them.
EXTRAS = {
    'demo': ('glance', 'gunicorn', 'glanceclient', 'keystoneauth1'),
    'bench': ('matplotlib',),
}


class UsageError(exception.AccelImportError):
    """A bad argument or configuration value; nothing was done."""


def require_extra(extra, command):
    """Refuse in one line if a module of ``extra`` is not installed."""
    missing = [m for m in EXTRAS[extra] if importlib.util.find_spec(m) is None]
    if missing:
        raise UsageError(
            '%s needs the "%s" extra (missing: %s): pip install '
            '"glance-accel-import[%s]"' % (command, extra, ', '.join(missing),
                                           extra))


def _chunk_size(args):
    return args.chunk_size or getattr(CONF, opts.ENGINE_GROUP).chunk_size


def _progress_bar(args, total):
    if args.json or not sys.stderr.isatty():
        return None
    import tqdm
    return tqdm.tqdm(total=total, unit='B', unit_scale=True,
                     unit_divisor=1024, file=sys.stderr)


def _print_result(args, result):
    if args.json:
        print(json.dumps({'engine': result.engine, 'format': result.fmt,
                          'bytes_in': result.bytes_in,
                          'bytes_out': result.bytes_out,
                          'seconds': round(result.seconds, 6),
                          'digest_kind': result.digest_kind,
                          'digest': result.digest}))
        return
    # Throughput of the plain side: what was read when compressing, what
    # was written when decompressing.
    plain = (result.bytes_in if args.command == 'compress'
             else result.bytes_out)
    side = 'in' if args.command == 'compress' else 'out'
    speed = plain / result.seconds / 1e6 if result.seconds else float('inf')
    print('%s %s: %d -> %d bytes in %.2fs (%.0f MB/s %s), engine %s'
          % (args.command, result.fmt, result.bytes_in, result.bytes_out,
             result.seconds, speed, side, result.engine))


def _run_stream(args, operation, fmt, engines, stream):
    """Write ``args.dst`` engine after engine, never in place.

    ``stream(engine, out, progress)`` does one attempt; ``fallback.run``
    restarts from byte 0 on the next engine if one fails.
    """
    destination.check(args.src, args.dst, args.force)
    bar = _progress_bar(args, _size(args.src))
    try:
        with destination.written_atomically(args.dst) as tmp:
            outcome = fallback.run(
                operation, fmt, engines, tmp,
                lambda engine, out: stream(engine, out,
                                           bar.update if bar else None),
                forced=args.engine,
                on_restart=lambda engine, exc: bar and bar.reset())
    finally:
        if bar is not None:
            bar.close()
    _print_result(args, outcome.result)


def _size(path):
    """The size of a regular file, for the progress bar; None for a pipe."""
    st = os.stat(path)
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def _compress(args, engines):
    _run_stream(args, manager.COMPRESS, args.format, engines,
                lambda engine, out, progress: streams.compress_file(
                    engine, args.format, args.level, args.src, out,
                    _chunk_size(args), progress=progress,
                    digest=args.digest if args.json else None,
                    threads=opts.compress_threads()))


def _decompress(args, engines):
    fmt = formats.detect_file_compression(args.src)
    if fmt is None:
        raise exception.UnsupportedCompression(
            '%s is not compressed data of any known format' % args.src)
    _run_stream(args, manager.DECOMPRESS, fmt, engines,
                lambda engine, out, progress: streams.decompress_file(
                    engine, fmt, args.src, out, _chunk_size(args),
                    limit=args.max_size, progress=progress,
                    digest=args.digest if args.json else None))


def _engines(args, engines):
    if args.self_test:
        return engines_report.self_test(engines, args.sample_mib * units.Mi,
                                        args.json)
    return engines_report.report(engines, args.json, args.files_read)


def _demo(args, engines):
    require_extra('demo', 'demo')
    from glance_accel_import.devtools import demo
    return demo.run(args)


def _bench(args, engines):
    if args.chart:
        require_extra('bench', 'bench --chart')
    from glance_accel_import.devtools import bench
    return bench.run(args)


def _bench_cinder(args, engines):
    from glance_accel_import.devtools.bench import cinder_volume
    return cinder_volume.run(args, engines)


def _digest(args, engines):
    print(streams.digest_file(args.src, args.digest,
                              threads=opts.compress_threads()))


def _add_digest_argument(cmd, what, kinds=digests.KINDS):
    cmd.add_argument('--digest', default=digests.BLOCK_SHA256,
                     choices=kinds,
                     help='%s (default %%(default)s: SHA-256 over the '
                          'SHA-256 of each 4 MiB block; sha256: of every '
                          'byte)' % what)


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError('%r is not an integer' % text)
    if value <= 0:
        raise argparse.ArgumentTypeError('must be a positive integer')
    return value


def _directory(text):
    if text and not os.path.isdir(text):
        raise argparse.ArgumentTypeError('%r is not a directory' % text)
    return text


def _chunk_size_argument(text):
    value = _positive_int(text)
    low, high = opts.CHUNK_SIZE_RANGE
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(
            'must be from %d to %d bytes' % (low, high))
    return value


def _version():
    from importlib import metadata
    try:
        return metadata.version('glance-accel-import')
    except metadata.PackageNotFoundError:
        return 'unknown (not installed)'


def _add_file_command(sub, name, func, help_text):
    cmd = sub.add_parser(name, help=help_text)
    cmd.add_argument('src', help='file to read (never modified)')
    cmd.add_argument('dst', help='file to write; refused if it exists '
                                 'unless --force, or if it is SRC')
    cmd.add_argument('--force', action='store_true',
                     help='replace DST if it exists (once the new data is '
                          'complete)')
    cmd.add_argument('--engine', help='use this engine only (see engines)')
    cmd.add_argument('--json', action='store_true',
                     help='print a JSON summary')
    cmd.add_argument('--chunk-size', type=_chunk_size_argument,
                     help='bytes per streaming step (default: [%s] '
                          'chunk_size)' % opts.ENGINE_GROUP)
    cmd.set_defaults(func=func)
    return cmd


def _add_engines_command(sub):
    engines = sub.add_parser(
        'engines', help='check the configuration and show which engine '
                        'would do each job, and why')
    engines.add_argument('--json', action='store_true',
                         help='print the report as JSON')
    engines.add_argument('--self-test', action='store_true',
                         help='compress and verify a sample with every '
                              'available engine and show its throughput')
    engines.add_argument('--sample-mib', type=_positive_int, default=16,
                         help='size of the self-test sample (MiB)')
    engines.set_defaults(func=_engines)


def _add_compress_command(sub):
    compress = _add_file_command(sub, 'compress', _compress,
                                 'compress a plain file')
    compress.add_argument('--format', default=formats.GZIP,
                          choices=[formats.GZIP, formats.ZSTD],
                          help='output format (default %(default)s)')
    compress.add_argument('--level', type=int, default=1,
                          choices=range(1, 10), metavar='1-9',
                          help='1 fastest (default) to 9 smallest')
    _add_digest_argument(compress, 'digest of the plain data in the --json '
                                   'summary')


def _add_decompress_command(sub):
    decompress = _add_file_command(sub, 'decompress', _decompress,
                                   'decompress gzip, zstd, bzip2 or xz')
    decompress.add_argument('--max-size', type=_positive_int,
                            help='fail if the output would pass this many '
                                 'bytes')
    _add_digest_argument(decompress, 'digest of the plain data in the '
                                     '--json summary')


def _add_digest_command(sub):
    digest = sub.add_parser(
        'digest', help='print the digest of a plain file as accel_compress '
                       'records it (holes and zero blocks are free)')
    digest.add_argument('src', help='plain file, or /dev/stdin')
    _add_digest_argument(digest, 'which digest',
                         [k for k in digests.KINDS if k != digests.NONE])
    digest.set_defaults(func=_digest)


def _add_demo_command(sub):
    demo = sub.add_parser(
        'demo', help='import images through a real, embedded glance-api '
                     '(needs the "demo" extra)')
    demo.add_argument('--workdir', help='keep the demo files here')
    demo.add_argument('--source-tree', default=None,
                      help='directory whose files fill the demo disk image')
    demo.add_argument('--image-size-mib', type=_positive_int, default=256,
                      help='size of the demo disk image (MiB)')
    demo.set_defaults(func=_demo)


def _add_bench_command(sub):
    bench = sub.add_parser(
        'bench', help='measure every engine against gzip, pigz, igzip, '
                      'qemu-img and Glance on a realistic volume')
    bench.add_argument('--volume', action='append', default=[],
                       help='measure on this image (any file; repeat for '
                            'several); default: build two volumes, binaries '
                            'and text')
    bench.add_argument('--classic', action='store_true',
                       help='the single-tree benchmark with every engine, '
                            'its chart and the 20 GiB memory proof')
    bench.add_argument('--workdir', default='bench-work',
                       help='volumes and outputs go here (reused)')
    bench.add_argument('--source-tree', default=None,
                       help='directory whose files fill the volume '
                            '(default /usr)')
    bench.add_argument('--size-gib', type=_positive_int, default=4,
                       help='volume size (GiB)')
    bench.add_argument('--data-fraction', type=float, default=0.3,
                       help='share of the volume filled with files')
    bench.add_argument('--rounds', type=_positive_int, default=1,
                       help='times each measurement is repeated')
    bench.add_argument('--memdir', type=_directory, default=None,
                       help='tmpfs directory for the decompressions measured '
                            'with their output in memory, apart from the '
                            'disk (default /dev/shm, left out if it is not '
                            'a tmpfs with room for a volume; "" leaves them '
                            'out)')
    bench.add_argument('--markdown', help='write the report here')
    bench.add_argument('--chart', help='write a PNG chart here (needs the '
                                       '"bench" extra)')
    bench.add_argument('--json', help='write raw measurements here')
    bench.set_defaults(func=_bench)


def _add_bench_cinder_command(sub):
    cmd = sub.add_parser(
        'bench-cinder', help="measure Cinder's create-volume-from-image "
                             'data path, stock vs accel_import (needs a '
                             'Cinder with contrib/cinder patches)')
    cmd.add_argument('--workdir', default='bench-cinder-work',
                     help='volume, image and conversion dir go here')
    cmd.add_argument('--volume', help='use this volume file instead of '
                                      'building one (never modified)')
    cmd.add_argument('--size-gib', type=_positive_int, default=4,
                     help='size of the volume built (GiB)')
    cmd.add_argument('--data-gib', type=float, default=1.25,
                     help='real files copied into the volume built (GiB)')
    cmd.add_argument('--source-tree', default='/usr',
                     help='where the real files come from')
    cmd.add_argument('--cinder-python', default='.venv-cinder/bin/python',
                     help="python of the Cinder installation")
    cmd.add_argument('--markdown', help='write the report here')
    cmd.set_defaults(func=_bench_cinder)


#: One builder per command, in the order ``--help`` lists them.
COMMAND_BUILDERS = (_add_engines_command, _add_compress_command,
                    _add_decompress_command, _add_digest_command,
                    _add_demo_command, _add_bench_command,
                    _add_bench_cinder_command)


def _add_global_options(parser):
    parser.add_argument('--version', action='version',
                        version='%(prog)s ' + _version())
    parser.add_argument('--config-file', action='append', default=None,
                        help='read options from this file (repeatable); by '
                             "default glance-api's own files: "
                             '$OS_GLANCE_CONFIG_DIR (or /etc/glance)/'
                             'glance-image-import.conf then glance-api.conf')
    parser.add_argument('--config-dir', action='append', default=None,
                        help='read every *.conf file in this directory, '
                             'after the files')
    parser.add_argument('--debug', action='store_true',
                        help='show the traceback of unexpected errors')


def build_parser():
    """The argument parser: global options, then one builder per command.

    :returns: an ``argparse.ArgumentParser`` whose parsed arguments carry
        the command's handler as ``func``.
    """
    parser = argparse.ArgumentParser(
        prog='glance-accel-import',
        description='Accelerated image compression for Glance import.')
    _add_global_options(parser)
    sub = parser.add_subparsers(dest='command', required=True)
    for add_command in COMMAND_BUILDERS:
        add_command(sub)
    return parser


def _configure(args):
    """Load Glance's configuration and check every option of ours."""
    args.files_read = config_files.load(CONF, args.config_file,
                                        args.config_dir)
    problems = config_check.check_options(CONF, args.files_read,
                                          opts.list_opts())
    if problems:
        raise UsageError('\n'.join(problems))


def _fail(args, code, message):
    """Print each line of ``message`` as one error line; return ``code``."""
    for line in str(message).splitlines() or ['']:
        print('glance-accel-import %s: error: %s' % (args.command, line),
              file=sys.stderr)
    return code


def main(argv=None):
    args = build_parser().parse_args(argv)
    # Warnings (an engine failed and another restarted the job) go to
    # stderr as single lines; the result stays alone on stdout.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format='glance-accel-import: %(levelname)s: '
                               '%(message)s')
    try:
        with destination.sigterm_unwinds():
            _configure(args)
            return args.func(args, manager.load_engines()) or 0
    except (UsageError, destination.DestinationRefused,
            cfg.ConfigFilesNotFoundError, cfg.ConfigFileParseError) as exc:
        return _fail(args, EXIT_USAGE, exc)
    except (exception.AccelImportError, OSError) as exc:
        return _fail(args, EXIT_FAILED, exc)
    except KeyboardInterrupt:
        return _fail(args, EXIT_SIGINT, 'interrupted; no output was written')
    except destination.Terminated as exc:
        return _fail(args, exc.exit_code,
                     'terminated; no output was written')
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        return _fail(args, EXIT_FAILED, 'unexpected %s: %s (run with --debug '
                     'for details)' % (type(exc).__name__, exc))


if __name__ == '__main__':
    sys.exit(main())
