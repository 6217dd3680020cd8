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

"""``glance-accel-import bench-cinder``: create a volume from an image.

Measures Cinder's create-volume-from-image data path
(``image_utils.fetch_to_volume_format``, run by ``cinder_fetch`` with a
Cinder installation's python) for a ``compressed`` image, stock (download
to the conversion directory, ``gzip -d``, convert) against Cinder with
``accel_import_image_decompression`` (contrib/cinder 0003), in one run on
one host: wall time and CPU seconds of the ``fetch_to_volume_format`` call
(Cinder's process, its threads and every tool it ran; not Cinder's
start-up) and the peak space allocated in the conversion directory,
sampled every 20 ms.

The image is gzip made by our default compression engine, exactly what
``accel_compress`` stores, from a volume: a user-supplied file
(``--volume``) or an ext4 filesystem filled with real files.
"""

import json
import math
import os
import shutil
import subprocess
import sys
import threading

from glance_accel_import.devtools.bench import runner
from glance_accel_import.devtools import diskimage
from glance_accel_import.engines import manager
from glance_accel_import import formats

GiB = 1024 ** 3
#: Seconds between two looks at the conversion directory.
SAMPLE_EVERY = 0.02
CASES = (('stock', False), ('accel_import', True))


def allocated_in(directory):
    """Bytes allocated by the files in ``directory`` now."""
    total = 0
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return 0
    for name in names:
        try:
            total += os.stat(os.path.join(directory, name)).st_blocks * 512
        except FileNotFoundError:  # removed meanwhile
            pass
    return total


class PeakWatcher:
    """Samples a directory's allocated bytes on a thread; keeps the peak."""

    def __init__(self, directory):
        self.directory = directory
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, allocated_in(self.directory))
            self._stop.wait(SAMPLE_EVERY)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, allocated_in(self.directory))


def build_volume(workdir, args):
    """The user's volume, or an ext4 volume of real files (reused)."""
    if args.volume:
        return os.path.abspath(args.volume)
    path = os.path.join(workdir, 'volume.img')
    if not os.path.exists(path):
        size = args.size_gib * GiB
        diskimage.build_ext4_image(path + '.tmp', size, args.source_tree,
                                   data_fraction=args.data_gib * GiB / size)
        os.replace(path + '.tmp', path)
    return path


def make_image(workdir, volume):
    """gzip of ``volume`` by the engine accel_compress would pick."""
    image = os.path.join(workdir, 'image.gz')
    engine = manager.select(manager.COMPRESS, formats.GZIP,
                            manager.load_engines()).name
    if not os.path.exists(image):
        subprocess.run([sys.executable, '-m', 'glance_accel_import.cmd.cli',
                        'compress', '--engine', engine, volume,
                        image + '.tmp'], check=True,
                       stdout=subprocess.DEVNULL)
        os.replace(image + '.tmp', image)
    return image, engine


def create_volume(cinder_python, workdir, image, size_gb, accel):
    """One create-volume-from-image; returns the measurement dict."""
    case = os.path.join(workdir, 'accel' if accel else 'stock')
    shutil.rmtree(case, ignore_errors=True)
    os.makedirs(os.path.join(case, 'conversion'))
    dest = os.path.join(case, 'new-volume.img')
    request = json.dumps({'image': image, 'dest': dest, 'workdir': case,
                          'size_gb': size_gb, 'accel': accel})
    runner.settle(image)
    req_path = os.path.join(case, 'request.json')
    with open(req_path, 'w') as f:
        f.write(request)
    with PeakWatcher(os.path.join(case, 'conversion')) as watch, \
            open(req_path) as stdin:
        proc = subprocess.run(
            [cinder_python, '-m',
             'glance_accel_import.devtools.bench.cinder_fetch'],
            stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode:
        raise RuntimeError('Cinder failed (%s): %s' % (
            'accel_import' if accel else 'stock',
            proc.stderr.decode(errors='replace')[-2000:]))
    timing = json.loads(proc.stdout)
    return {'wall': timing['wall'], 'cpu': timing['cpu'],
            'peak_conversion': watch.peak, 'dest': dest}


def _same_data(a, b):
    return subprocess.run(['cmp', '-s', a, b]).returncode == 0


def report(volume, image, engine, results, load):
    vol_alloc = os.stat(volume).st_blocks * 512
    stock, ours = results['stock'], results['accel_import']
    speedup = stock['wall'] / ours['wall']
    lines = [
        'Machine: %d CPUs; load average before: %s; after: %s' % (
            os.cpu_count(), load[0], load[1]),
        'Volume: %s, %.2f GiB apparent, %.2f GiB allocated' % (
            volume, os.path.getsize(volume) / GiB, vol_alloc / GiB),
        'Image: gzip by engine %s, %.2f GiB' % (
            engine, os.path.getsize(image) / GiB),
        '',
        '| Cinder | wall s | CPU s | peak conversion dir GiB |',
        '|---|---|---|---|',
    ]
    for name, _ in CASES:
        r = results[name]
        lines.append('| %s | %.1f | %.1f | %.2f |' % (
            name, r['wall'], r['cpu'], r['peak_conversion'] / GiB))
    lines += [
        '',
        'Targets:',
        '',
        '* >= 4x faster than stock: %.2fx, %s' % (
            speedup, 'met' if speedup >= 4 else 'NOT met'),
        '* peak conversion dir <= volume allocated (%.2f GiB): %.2f GiB, '
        '%s' % (vol_alloc / GiB, ours['peak_conversion'] / GiB,
                'met' if ours['peak_conversion'] <= vol_alloc
                else 'NOT met'),
        '* both volumes hold the same data as the source: %s' % (
            'yes' if all(_same_data(volume, results[n]['dest'])
                         for n, _ in CASES) else 'NO'),
    ]
    return '\n'.join(lines)


def _load():
    return ' '.join('%.2f' % x for x in os.getloadavg())


def run(args, engines=None):
    workdir = os.path.abspath(args.workdir)
    os.makedirs(workdir, exist_ok=True)
    volume = build_volume(workdir, args)
    image, engine = make_image(workdir, volume)
    size_gb = max(1, math.ceil(os.path.getsize(volume) / GiB))
    load_before = _load()
    results = {}
    for name, accel in CASES:
        results[name] = create_volume(args.cinder_python, workdir, image,
                                      size_gb, accel)
        print('%-12s %7.1fs wall %7.1fs CPU peak conversion %.2f GiB' % (
            name, results[name]['wall'], results[name]['cpu'],
            results[name]['peak_conversion'] / GiB), flush=True)
    text = report(volume, image, engine, results, (load_before, _load()))
    print(text)
    if args.markdown:
        with open(args.markdown, 'w') as f:
            f.write(text + '\n')
    for name, _ in CASES:
        os.remove(results[name]['dest'])
    return 0
