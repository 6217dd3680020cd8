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

"""Create one volume from a compressed image with Cinder's real code.

Runs with the python of a Cinder installation (``.venv-cinder``, made by
``tools/cinder-env.sh``), started by ``bench_cinder``: one JSON request on
stdin, Cinder's ``image_utils.fetch_to_volume_format`` with its own config
and tools (``gzip -d``, ``qemu-img``), nothing else. The image service
serves a local file in 64 KiB chunks, as glanceclient delivers a download,
so both paths pay the same for the "download".

Request: ``{"image": PATH, "dest": PATH, "workdir": DIR, "size_gb": N,
"accel": BOOL}``. Prints ``{"wall": s, "cpu": s}`` for the call alone
(Cinder's start-up is not part of the data path); exit status 0 on
success, the error on stderr otherwise.
"""

import json
import os
import resource
import sys
import time

CHUNK = 65536


class LocalImageService:
    """What fetch_to_volume_format uses of GlanceImageService."""

    def __init__(self, path):
        self.path = path
        self.temp_images = None

    def show(self, context, image_id):
        return {'id': image_id, 'size': os.path.getsize(self.path),
                'disk_format': 'raw', 'container_format': 'compressed',
                'status': 'active'}

    def _chunks(self):
        with open(self.path, 'rb') as f:
            while True:
                chunk = f.read(CHUNK)
                if not chunk:
                    return
                yield chunk

    def download(self, context, image_id, data=None):
        if data is None:
            return self._chunks()
        for chunk in self._chunks():
            data.write(chunk)


def configure(workdir, options):
    """Cinder's options for a run in ``workdir``, as a volume host has them.

    Also used by tests/cinder/cinder_driver.py. ``options``: more [DEFAULT]
    overrides, name to value.
    """
    from oslo_config import cfg

    from cinder.common import config  # noqa: F401  (registers options)
    from cinder.image import image_utils  # noqa: F401
    from cinder import privsep

    conf = cfg.CONF
    conf([], project='cinder', default_config_files=[])
    conf.set_override('state_path', workdir)
    conf.set_override('image_conversion_dir',
                      os.path.join(workdir, 'conversion'))
    conf.set_override('lock_path', os.path.join(workdir, 'locks'),
                      group='oslo_concurrency')
    for name, value in options.items():
        conf.set_override(name, value)
    # Cinder inspects images through privsep, whose daemon it starts with
    # sudo. We run as one user without sudo: run the same privileged
    # functions in this process instead.
    privsep.sys_admin_pctxt.set_client_mode(False)


def main():
    request = json.load(sys.stdin)
    configure(request['workdir'], {
        'allow_compression_on_image_upload': True,
        'accel_import_image_decompression': request['accel']})

    from cinder import context
    from cinder.image import image_utils

    ctx = context.RequestContext(user_id='bench', project_id='bench',
                                 is_admin=True)
    start, cpu = time.monotonic(), _cpu()
    image_utils.fetch_to_volume_format(
        ctx, LocalImageService(request['image']), 'bench-image',
        request['dest'], 'raw', blocksize=1024 * 1024,
        size=request['size_gb'], run_as_root=False)
    json.dump({'wall': time.monotonic() - start, 'cpu': _cpu() - cpu},
              sys.stdout)


def _cpu():
    """CPU seconds of this process (all threads) and the tools it ran."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


if __name__ == '__main__':
    main()
