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

"""Eight concurrent imports, good and hostile, on Glance with PostgreSQL.

Every image must end in the state its upload deserves, every good one must
round-trip byte for byte, no task may be left pending, and staging must be
empty afterwards.
"""

import concurrent.futures
import gzip
import hashlib
import os
import time

from glance_accel_import.devtools.embedded import client as gclient
from glance_accel_import import properties
from tests.functional import postgres
from tests.functional import test_import_plugins
from tests.unit import data

MiB = 1024 * 1024


class TestConcurrentImports(postgres.OnPostgres,
                            test_import_plugins.ImportTestBase):

    plugins = ['accel_decompress', 'image_conversion', 'accel_compress']
    import_options = {'accel_decompress': {'max_output_size': 128 * MiB}}

    def _cases(self):
        real = data.real_bytes(6 * MiB)
        qcow2 = self.qcow2(size='64M')
        backed = data.make_qcow2(os.path.join(self.files, 'backed.qcow2'),
                                 backing='/etc/passwd')
        bomb = gzip.compress(bytes(1024 * MiB), compresslevel=9)
        # image_conversion stores qcow2 uploads as raw.
        as_raw = os.path.join(self.files, 'expected.raw')
        data.qemu_img('convert', '-f', 'qcow2', '-O', 'raw',
                      os.path.join(self.files, 'disk.qcow2'), as_raw)
        with open(as_raw, 'rb') as f:
            qcow2_as_raw = f.read()
        # name: (payload, disk_format, container_format, expected)
        return {
            'compress-1': (real + bytes(10 * MiB), 'raw', 'compressed',
                           'compressed'),
            'compress-2': (real[:3 * MiB], 'raw', 'compressed',
                           'compressed'),
            'decompress-1': (gzip.compress(qcow2), 'qcow2', 'bare',
                             qcow2_as_raw),
            'decompress-2': (gzip.compress(real), 'raw', 'bare', real),
            'plain-1': (real[:2 * MiB], 'raw', 'bare', real[:2 * MiB]),
            'plain-2': (qcow2, 'qcow2', 'bare', qcow2_as_raw),
            'bomb': (bomb, 'raw', 'bare', 'exceeds the limit'),
            'backing-file': (gzip.compress(backed), 'qcow2', 'bare',
                             'safety checks'),
        }

    def _import(self, name, payload, disk_format, container_format):
        client = self.glance.client()
        path = self.write(name, payload)
        try:
            return gclient.create_and_import(client, path, disk_format,
                                             container_format, name=name,
                                             timeout=600)
        except gclient.ImportFailed as exc:
            return exc

    def test_eight_concurrent_imports(self):
        cases = self._cases()
        with concurrent.futures.ThreadPoolExecutor(len(cases)) as pool:
            futures = {name: pool.submit(self._import, name, *case[:3])
                       for name, case in cases.items()}
            results = {name: f.result() for name, f in futures.items()}

        for name, (payload, _, _, expected) in cases.items():
            result = results[name]
            if isinstance(expected, str) and expected != 'compressed':
                self.assertIsInstance(result, gclient.ImportFailed, name)
                self.assertIn(expected, result.message, name)
                image = dict(self.client.images.get(result.image['id']))
                self.assertEqual('queued', image['status'], name)
                continue
            self.assertIsInstance(result, dict, '%s: %s' % (name, result))
            self.assertEqual('active', result['status'], name)
            stored = self.download(result)
            self.assertEqual(hashlib.sha512(stored).hexdigest(),
                             result['os_hash_value'], name)
            if expected == 'compressed':
                self.assertEqual(payload, gzip.decompress(stored), name)
                self.assertEqual(data.block_sha256(payload),
                                 result[properties.UNCOMPRESSED_BLOCK_SHA256])
            else:
                # Digests, not bytes: a mismatch report must stay readable.
                self.assertEqual(hashlib.sha256(expected).hexdigest(),
                                 hashlib.sha256(stored).hexdigest(), name)

        for image_id in [r.image['id'] if isinstance(r, Exception)
                         else r['id'] for r in results.values()]:
            tasks = self.client.images.get_associated_image_tasks(
                image_id)['tasks']
            self.assertTrue(tasks)
            for task in tasks:
                self.assertIn(task['status'], ('success', 'failure'),
                              '%s: task %s' % (image_id, task))
        deadline = time.monotonic() + 30
        while os.listdir(self.glance.staging_dir) and \
                time.monotonic() < deadline:
            time.sleep(0.5)
        self.assertStagingEmpty()
