"""``glance-accel-import``: inspect engines, (de)compress files, run the demo.

Errors are printed as one line on stderr with a non-zero exit; an output file
is written under a temporary name and renamed only when complete, so a failed
run leaves no partial output behind.
"""

import argparse
import dataclasses
import json
import os
import sys

from glance_accel_import.engines import manager
from glance_accel_import import exception
from glance_accel_import import formats
from glance_accel_import import opts
from glance_accel_import import staging
from glance_accel_import import streams

EXIT_ERROR = 1


def _print_engines(args, engines):
    statuses = manager.describe(engines)
    if args.json:
        print(json.dumps([dataclasses.asdict(s) for s in statuses],
                         indent=2))
        return
    for s in statuses:
        print('%-8s %-13s %-8s reads=%s writes=%s  %s' % (
            s.name, 'available' if s.available else 'unavailable',
            'hardware' if s.hardware else 'software',
            ','.join(s.reads), ','.join(s.writes), s.reason))


def _progress_bar(args, total):
    if args.json or not sys.stderr.isatty():
        return None
    import tqdm
    return tqdm.tqdm(total=total, unit='B', unit_scale=True,
                     unit_divisor=1024, file=sys.stderr)


def _write_atomically(dst, write):
    """Run ``write(file)`` into a temporary beside ``dst``, then rename."""
    tmp = os.path.join(os.path.dirname(os.path.abspath(dst)),
                       '.%s.partial' % os.path.basename(dst))
    with staging.new_file(tmp) as out:
        result = write(out)
    staging.replace(tmp, dst)
    return result


def _run_stream(args, stream):
    bar = _progress_bar(args, os.path.getsize(args.src))
    try:
        result = _write_atomically(
            args.dst, lambda out: stream(out, bar.update if bar else None))
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        print(json.dumps({'engine': result.engine, 'format': result.fmt,
                          'bytes_in': result.bytes_in,
                          'bytes_out': result.bytes_out,
                          'seconds': round(result.seconds, 6),
                          'sha256': result.plain_sha256}))
    else:
        speed = result.bytes_in / result.seconds / 1e6 if result.seconds \
            else float('inf')
        print('%s %s: %d -> %d bytes in %.2fs (%.0f MB/s in), engine %s'
              % (args.command, result.fmt, result.bytes_in, result.bytes_out,
                 result.seconds, speed, result.engine))


def _compress(args, engines):
    engine = manager.select(manager.COMPRESS, args.format, engines,
                            forced=args.engine)
    _run_stream(args, lambda out, progress: streams.compress_file(
        engine, args.format, args.level, args.src, out, args.chunk_size,
        progress=progress, digest=not args.no_sha256))


def _decompress(args, engines):
    fmt = formats.detect_file_compression(args.src)
    if fmt is None:
        raise exception.UnsupportedCompression(
            '%s is not compressed data of any known format' % args.src)
    engine = manager.select(manager.DECOMPRESS, fmt, engines,
                            forced=args.engine)
    _run_stream(args, lambda out, progress: streams.decompress_file(
        engine, fmt, args.src, out, args.chunk_size, limit=args.max_size,
        progress=progress, digest=args.json))


def _demo(args, engines):
    from glance_accel_import import demo
    return demo.run(args)


def _bench(args, engines):
    from glance_accel_import import bench
    return bench.run(args)


def _positive_int(text):
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError('must be a positive integer')
    return value


def build_parser():
    parser = argparse.ArgumentParser(
        prog='glance-accel-import',
        description='Accelerated image compression for Glance import.')
    sub = parser.add_subparsers(dest='command', required=True)

    engines = sub.add_parser('engines', help='list compression engines')
    engines.add_argument('--json', action='store_true')
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
            cmd.add_argument('--no-sha256', action='store_true',
                             help='skip the SHA-256 of the input (its cost '
                                  'grows with the zeros too)')
        else:
            cmd.add_argument('--max-size', type=_positive_int,
                             help='fail if the output would pass this many '
                                  'bytes')

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


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.func(args, manager.load_engines()) or 0
    except (exception.AccelImportError, OSError) as exc:
        print('glance-accel-import %s: error: %s' % (args.command, exc),
              file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == '__main__':
    sys.exit(main())
