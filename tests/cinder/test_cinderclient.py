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

"""How users ask for it: ``cinder upload-to-image --container-format
compressed``.

The real ``cinder`` command from python-cinderclient (in .venv-cinder)
talks to a small HTTP server that answers as cinder-api would and records
every request; no cinder-api runs here (see contrib/cinder/README.rst).
The recorded upload request is then checked against the JSON schema that
Cinder's API itself applies to it.
"""

import http.server
import json
import os
import threading

import testtools

from tests.cinder import base

PROJECT_ID = 'f4e0f8c3a1b24d6e8c9a7b5d3e1f2a40'
VOLUME_ID = '0b5e6f7a-8c9d-4e1f-a2b3-c4d5e6f7a8b9'
API_VERSION = '3.1'  # the first with visibility and protected


class _RecordingCinderAPI(http.server.BaseHTTPRequestHandler):
    """Just enough of cinder-api for the upload-to-image command."""

    def log_message(self, *args):
        pass

    def _reply(self, status, body):
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        self.server.requests.append(('GET', self.path, None))
        if self.path in ('/', '/v3', '/v3/'):
            host, port = self.server.server_address
            return self._reply(200, {'versions': [{
                'id': 'v3.0', 'status': 'CURRENT', 'version': '3.71',
                'min_version': '3.0',
                'links': [{'rel': 'self',
                           'href': 'http://%s:%d/v3/' % (host, port)}]}]})
        if self.path == '/v3/%s/volumes/%s' % (PROJECT_ID, VOLUME_ID):
            return self._reply(200, {'volume': {
                'id': VOLUME_ID, 'name': 'data', 'status': 'available',
                'size': 1}})
        self._reply(404, {'itemNotFound': {'code': 404,
                                           'message': self.path}})

    def do_POST(self):
        body = json.loads(self.rfile.read(
            int(self.headers['Content-Length'])))
        self.server.requests.append(('POST', self.path, body))
        params = body.get('os-volume_upload_image', {})
        self._reply(202, {'os-volume_upload_image': {
            'id': VOLUME_ID, 'status': 'uploading', 'size': 1,
            'image_id': 'b1c2d3e4-0000-4000-8000-000000000001',
            'image_name': params.get('image_name'),
            'container_format': params.get('container_format'),
            'disk_format': params.get('disk_format'),
            'display_description': None, 'updated_at': None,
            'volume_type': None}})


class TestUploadToImageRequest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(base.CinderVenv())
        self.server = http.server.HTTPServer(('127.0.0.1', 0),
                                             _RecordingCinderAPI)
        self.server.requests = []
        thread = threading.Thread(target=self.server.serve_forever,
                                  daemon=True)
        thread.start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)

    def cinder_cli(self, *args):
        host, port = self.server.server_address
        cli = os.path.join(base.CINDER_VENV, 'bin', 'cinder')
        proc = base.run_cinder_python(
            [cli, '--os-auth-type', 'noauth',
             '--os-endpoint', 'http://%s:%d/v3/%s' % (host, port, PROJECT_ID),
             '--os-user-id', 'demo', '--os-project-id', PROJECT_ID,
             '--os-volume-api-version', API_VERSION] + list(args))
        self.assertEqual(0, proc.returncode, proc.stderr.decode())
        return proc.stdout.decode()

    def assertAcceptedByCinderAPI(self, body):
        """Validate with the schema cinder-api applies at API_VERSION."""
        check = (
            'import json, sys\n'
            'from cinder.api.schemas import volume_actions\n'
            'from cinder.api.validation import validators\n'
            'validators._SchemaValidator(\n'
            '    volume_actions.volume_upload_image_v31).validate(\n'
            '    json.load(sys.stdin))\n')
        proc = base.run_cinder_python(['-c', check],
                                      input=json.dumps(body).encode())
        self.assertEqual(0, proc.returncode, proc.stderr.decode()[-3000:])

    def test_upload_to_image_compressed(self):
        out = self.cinder_cli('upload-to-image', '--container-format',
                              'compressed', '--disk-format', 'qcow2',
                              VOLUME_ID, 'data-backup')

        posts = [r for r in self.server.requests if r[0] == 'POST']
        self.assertEqual(1, len(posts), self.server.requests)
        _, path, body = posts[0]
        self.assertEqual('/v3/%s/volumes/%s/action' % (PROJECT_ID, VOLUME_ID),
                         path)
        self.assertEqual(['os-volume_upload_image'], list(body))
        params = body['os-volume_upload_image']
        self.assertEqual('compressed', params['container_format'])
        self.assertEqual('qcow2', params['disk_format'])
        self.assertEqual('data-backup', params['image_name'])
        self.assertAcceptedByCinderAPI(body)
        self.assertIn('compressed', out)
        self.assertIn('uploading', out)

    def test_schema_check_can_fail(self):
        # The schema check above must be able to say no.
        body = {'os-volume_upload_image': {'image_name': 'x',
                                           'container_format': 'compressed',
                                           'visibility': 'everyone'}}
        self.assertRaises(AssertionError, self.assertAcceptedByCinderAPI,
                          body)
