"""``glance-accel-import``: inspect engines, (de)compress files, run the demo.

Errors are printed as one line on stderr with a non-zero exit; an output file
is written under a temporary name and renamed only when complete, so a failed
run leaves no partial output behind.
"""

import argparse
import dataclasses
import json
import logging
import os
import sys

from oslo_config import cfg

from glance_accel_import.engines import fallback
from glance_accel_import.engines import manager
from glance_accel_import import digests
from glance_accel_import import exception
from glance_accel_import import formats
from glance_accel_import import opts
from glance_accel_import import staging
from glance_accel_import import streams

EXIT_ERROR = 1
#: Where Glance reads the options of import plugins.
GLANCE_CONFIG_FILES = ('/etc/glance/glance-api.conf',
                       '/etc/glance/glance-image-import.conf')


def _print_engines(args, engines):
    if args.self_test:
        return _self_test(args, engines)
    statuses = manager.describe(engines)
    if args.json:
        print(json.dumps([dataclasses.asdict(s) for s in statuses],
                         indent=2))
        return
    for s in statuses:
        print('%-8s %-13s %-8s reads=%s writes=%s  %s' % (
            s.name, 'available' if s.available else 'unavailable',
            'hardware' if s.hardware else 'software',
            ','.join(s.reads) or '-', ','.join(s.writes) or '-', s.reason))


def _self_test(args, engines):
    from glance_accel_import import selftest
    reports = selftest.run(engines, args.sample_mib * opts.MiB)
    if args.json:
        print(json.dumps([dict(dataclasses.asdict(r), ok=r.ok)
                          for r in reports], indent=2))
    else:
        for r in reports:
            kind = 'hardware' if r.hardware else 'software'
            if not r.available:
                print('%-8s %-8s skipped: %s' % (r.name, kind, r.reason))
                continue
            for step in r.steps:
                if step.ok:
                    extra = ['ratio %.2f' % step.ratio] if step.ratio else []
                    extra += [step.detail] if step.detail else []
                    print(('%-8s %-8s ok      %-10s %-6s %7.0f MB/s  %s' % (
                        r.name, kind, step.operation, step.fmt,
                        step.mb_per_s, ', '.join(extra))).rstrip())
                else:
                    print('%-8s %-8s FAILED  %-10s %-6s %s' % (
                        r.name, kind, step.operation, step.fmt, step.detail))
    return 0 if all(r.ok for r in reports) else EXIT_ERROR


def _progress_bar(args, total):
    if args.json or not sys.stderr.isatty():
        return None
    import tqdm
    return tqdm.tqdm(total=total, unit='B', unit_scale=True,
                     unit_divisor=1024, file=sys.stderr)


def _run_stream(args, operation, fmt, engines, stream):
    """Write ``args.dst`` through a temporary file, engine after engine.

    ``stream(engine, out, progress)`` does one attempt; ``fallback.run``
    restarts from byte 0 on the next engine if one fails.
    """
    tmp = os.path.join(os.path.dirname(os.path.abspath(args.dst)),
                       '.%s.partial' % os.path.basename(args.dst))
    bar = _progress_bar(args, os.path.getsize(args.src))
    try:
        outcome = fallback.run(
            operation, fmt, engines, tmp,
            lambda engine, out: stream(engine, out,
                                       bar.update if bar else None),
            forced=args.engine,
            on_restart=lambda engine, exc: bar and bar.reset())
    finally:
        if bar is not None:
            bar.close()
    staging.replace(tmp, args.dst)
    result = outcome.result
    if args.json:
        print(json.dumps({'engine': result.engine, 'format': result.fmt,
                          'bytes_in': result.bytes_in,
                          'bytes_out': result.bytes_out,
                          'seconds': round(result.seconds, 6),
                          'digest_kind': result.digest_kind,
                          'digest': result.digest}))
    else:
        speed = result.bytes_in / result.seconds / 1e6 if result.seconds \
            else float('inf')
        print('%s %s: %d -> %d bytes in %.2fs (%.0f MB/s in), engine %s'
              % (args.command, result.fmt, result.bytes_in, result.bytes_out,
                 result.seconds, speed, result.engine))


def _compress(args, engines):
    _run_stream(args, manager.COMPRESS, args.format, engines,
                lambda engine, out, progress: streams.compress_file(
                    engine, args.format, args.level, args.src, out,
                    args.chunk_size, progress=progress,
                    digest=args.digest))


def _decompress(args, engines):
    fmt = formats.detect_file_compression(args.src)
    if fmt is None:
        raise exception.UnsupportedCompression(
            '%s is not compressed data of any known format' % args.src)
    _run_stream(args, manager.DECOMPRESS, fmt, engines,
                lambda engine, out, progress: streams.decompress_file(
                    engine, fmt, args.src, out, args.chunk_size,
                    limit=args.max_size, progress=progress,
                    digest=args.digest if args.json else None))


def _demo(args, engines):
    from glance_accel_import import demo
    return demo.run(args)


def _bench(args, engines):
    from glance_accel_import import bench
    return bench.run(args)


def _digest(args, engines):
    print(streams.digest_file(args.src, args.digest))


def _add_digest_argument(cmd, what):
    cmd.add_argument('--digest', default=digests.BLOCK_SHA256,
                     choices=digests.KINDS,
                     help='%s (default %%(default)s: SHA-256 over the '
                          'SHA-256 of each 4 MiB block; sha256: of every '
                          'byte)' % what)


def _positive_int(text):
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError('must be a positive integer')
    return value


def build_parser():
    parser = argparse.ArgumentParser(
        prog='glance-accel-import',
        description='Accelerated image compression for Glance import.')
    parser.add_argument('--config-file', action='append', default=None,
                        help='read options from this file (repeatable); '
                             'by default the Glance files that exist of %s'
                             % ', '.join(GLANCE_CONFIG_FILES))
    sub = parser.add_subparsers(dest='command', required=True)

    engines = sub.add_parser('engines', help='list compression engines')
    engines.add_argument('--json', action='store_true')
    engines.add_argument('--self-test', action='store_true',
                         help='compress and verify a sample with every '
                              'available engine and show its throughput')
    engines.add_argument('--sample-mib', type=_positive_int, default=16,
                         help='size of the self-test sample (MiB)')
    engines.set_defaults(func=_print_engines)

    for name, func in (('compress', _compress),
                       ('decompress', _decompress)):
        cmd = sub.add_parser(name, help='%s a file' % name)
        cmd.add_argument('src')
        cmd.add_argument('dst')
        cmd.add_argument('--engine', help='use this engine only')
        cmd.add_argument('--json', action='store_true',
                         help='print a JSON summary')
        cmd.add_argument('--chunk-size', type=_positive_int,
                         default=opts.MiB)
        cmd.set_defaults(func=func)
        if name == 'compress':
            cmd.add_argument('--format', default=formats.GZIP,
                             choices=[formats.GZIP, formats.ZSTD])
            cmd.add_argument('--level', type=int, default=1,
                             choices=range(1, 10), metavar='1-9')
        else:
            cmd.add_argument('--max-size', type=_positive_int,
                             help='fail if the output would pass this many '
                                  'bytes')
        _add_digest_argument(cmd, 'digest of the plain data in the --json '
                                  'summary')

    digest = sub.add_parser(
        'digest', help='print the digest of a plain file as accel_compress '
                       'records it (holes and zero blocks are free)')
    digest.add_argument('src')
    _add_digest_argument(digest, 'which digest')
    digest.set_defaults(func=_digest)

    demo = sub.add_parser(
        'demo', help='import an image through a real, embedded glance-api')
    demo.add_argument('--workdir', help='keep the demo files here')
    demo.add_argument('--source-tree', default=None,
                      help='directory whose files fill the demo disk image')
    demo.add_argument('--image-size-mib', type=_positive_int, default=256)
    demo.set_defaults(func=_demo)

    bench = sub.add_parser(
        'bench', help='measure every engine against gzip, pigz, igzip, '
                      'qemu-img and Glance on a realistic volume')
    bench.add_argument('--workdir', default='bench-work',
                       help='volumes and outputs go here (reused)')
    bench.add_argument('--source-tree', default=None,
                       help='directory whose files fill the volume '
                            '(default /usr)')
    bench.add_argument('--size-gib', type=_positive_int, default=4)
    bench.add_argument('--data-fraction', type=float, default=0.3)
    bench.add_argument('--rounds', type=_positive_int, default=1)
    bench.add_argument('--markdown', help='write the report here')
    bench.add_argument('--chart', help='write a PNG chart here')
    bench.add_argument('--json', help='write raw measurements here')
    bench.set_defaults(func=_bench)
    return parser


def _load_config(args):
    files = args.config_file
    if files is None:
        files = [f for f in GLANCE_CONFIG_FILES if os.path.exists(f)]
    cfg.CONF([], project='glance', default_config_files=files,
             default_config_dirs=[], use_env=False)


def main(argv=None):
    args = build_parser().parse_args(argv)
    # Warnings (an engine failed and another restarted the job) go to
    # stderr as single lines; the result stays alone on stdout.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format='glance-accel-import: %(levelname)s: '
                               '%(message)s')
    try:
        _load_config(args)
        return args.func(args, manager.load_engines()) or 0
    except (exception.AccelImportError, OSError,
            cfg.ConfigFilesNotFoundError) as exc:
        print('glance-accel-import %s: error: %s' % (args.command, exc),
              file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == '__main__':
    sys.exit(main())
