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

"""One measured ``upload-to-image --container-format compressed``.

Run by tools/measure-upload.sh with the cloud's client venv:

    measure_upload.py source --clouds Y --image FS.img   -> prints volume id
    measure_upload.py upload --clouds Y --volume ID --label L
        --tree cinder-volume=PID --tree glance-api=PID,PID ...  -> one JSON

``upload`` asks Cinder, as ``alpha-member``, to upload the volume as
``raw`` + ``compressed``, and reports the wall time until the image is
active (and until the volume is available again), the stored size, and the
CPU seconds each named process tree used meanwhile: user + system time of
every live process in the tree plus what its finished children used
(``/proc/PID/stat`` fields utime, stime, cutime, cstime), after minus
before.  The image is deleted afterwards.
"""

import argparse
import json
import os
import sys
import time

import openstack

CLK_TCK = os.sysconf('SC_CLK_TCK')


def _stat(pid):
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    # fields[0] is field 3 (state): ppid is field 4, utime..cstime 14..17
    return int(fields[1]), sum(int(x) for x in fields[11:15])


def tree_cpu(roots):
    """CPU seconds of the live process trees under ``roots``."""
    procs = {}
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                procs[int(entry)] = _stat(int(entry))
            except (OSError, IndexError, ValueError):
                pass  # the process ended meanwhile
    children = {}
    for pid, (ppid, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    total, todo, seen = 0, list(roots), set()
    while todo:
        pid = todo.pop()
        if pid in seen or pid not in procs:
            continue
        seen.add(pid)
        total += procs[pid][1]
        todo.extend(children.get(pid, []))
    return total / CLK_TCK


def parse_trees(specs):
    trees = {}
    for spec in specs:
        name, pids = spec.split('=', 1)
        trees[name] = [int(p) for p in pids.split(',') if p]
    return trees


def cmd_source(conn, args):
    """A volume holding FS.img, through Glance (plain upload) and Cinder."""
    size_gib = -(-os.path.getsize(args.image) // 1024 ** 3)
    image = conn.image.create_image(
        name='measure-source-fs', filename=args.image, disk_format='raw',
        container_format='bare', use_import=False, wait=True)
    volume = conn.block_storage.create_volume(
        size=size_gib, image_id=image.id, name='measure-source')
    conn.block_storage.wait_for_status(volume, 'available',
                                       failures=['error'], interval=3,
                                       wait=1800)
    conn.image.delete_image(image.id)
    print(volume.id)


def cmd_upload(conn, args):
    trees = parse_trees(args.tree)
    volume = conn.block_storage.get_volume(args.volume)
    before = {name: tree_cpu(pids) for name, pids in trees.items()}
    start = time.monotonic()
    reply = conn.block_storage.post(
        '/volumes/%s/action' % volume.id, microversion='3.1',
        json={'os-volume_upload_image': {
            'image_name': 'measure-%s' % args.label, 'force': False,
            'disk_format': 'raw', 'container_format': 'compressed'}})
    reply.raise_for_status()
    image_id = reply.json()['os-volume_upload_image']['image_id']
    try:
        while True:
            image = conn.image.get_image(image_id)
            if image.status == 'active':
                active = time.monotonic() - start
                break
            if image.status in ('killed', 'deleted'):
                sys.exit('image %s went %s' % (image_id, image.status))
            time.sleep(1)
        conn.block_storage.wait_for_status(volume, 'available',
                                           failures=['error'], interval=1,
                                           wait=1800)
        available = time.monotonic() - start
        after = {name: tree_cpu(pids) for name, pids in trees.items()}
        props = image.properties or {}
        print(json.dumps({
            'label': args.label,
            'volume_gib': volume.size,
            'seconds_until_active': round(active, 1),
            'seconds_until_volume_available': round(available, 1),
            'stored_bytes': image.size,
            'uncompressed_bytes': props.get('accel_uncompressed_size'),
            'engine': props.get('accel_compression_engine'),
            'cpu_seconds': {name: round(after[name] - before[name], 1)
                            for name in trees},
            'loadavg': open('/proc/loadavg').read().split()[:3],
        }))
    finally:
        conn.image.delete_image(image_id, ignore_missing=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('command', choices=('source', 'upload'))
    parser.add_argument('--clouds', required=True)
    parser.add_argument('--cloud', default='cloud-alpha')
    parser.add_argument('--image')
    parser.add_argument('--volume')
    parser.add_argument('--label', default='run')
    parser.add_argument('--tree', action='append', default=[],
                        metavar='NAME=PID[,PID...]')
    args = parser.parse_args()
    os.environ['OS_CLIENT_CONFIG_FILE'] = args.clouds
    conn = openstack.connect(cloud=args.cloud)
    {'source': cmd_source, 'upload': cmd_upload}[args.command](conn, args)


if __name__ == '__main__':
    main()
