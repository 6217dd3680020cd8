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

"""An HTTP proxy that adds identity headers, in place of Keystone.

The test glance-api trusts the identity headers that keystonemiddleware
would set after checking a token (see
glance_accel_import.devtools.embedded.server).
Clients that speak to it without Keystone (``--os-auth-type none``) send no
such headers, and their command lines cannot add any. This proxy forwards
every request to glance-api with the headers added, and streams request
and response bodies, so an image upload passes through unchanged.

Invariant: what the client sends and receives is forwarded byte for byte;
only the identity headers are added (and any the client sent replaced).
"""

import http.client
import http.server
import threading
import urllib.parse

from glance_accel_import.devtools.embedded import server

CHUNK = 1024 * 1024
#: Per-connection headers (RFC 9110 7.6.1); never forwarded.
HOP_BY_HOP = frozenset(['connection', 'keep-alive', 'proxy-connection',
                        'transfer-encoding', 'te', 'trailer', 'upgrade'])


def _fixed_body(rfile, length):
    while length > 0:
        block = rfile.read(min(CHUNK, length))
        if not block:
            raise ConnectionError('client closed the request body early')
        length -= len(block)
        yield block


def _chunked_body(rfile):
    while True:
        size = int(rfile.readline().split(b';')[0].strip(), 16)
        if size == 0:
            while rfile.readline() not in (b'\r\n', b'\n', b''):
                pass  # trailers
            return
        yield from _fixed_body(rfile, size)
        rfile.readline()  # the CRLF after each chunk


class _Handler(http.server.BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, and a response body without
    # Content-Length simply ends when the connection closes.
    protocol_version = 'HTTP/1.0'

    def log_message(self, *args):
        pass

    def _forward(self):
        target = self.server.target
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in HOP_BY_HOP and k.lower() != 'host'}
        identity = server.identity_headers()
        headers = {k: v for k, v in headers.items()
                   if k.lower() not in {h.lower() for h in identity}}
        headers.update(identity)
        if 'chunked' in self.headers.get('Transfer-Encoding', '').lower():
            body, chunked = _chunked_body(self.rfile), True
        elif self.headers.get('Content-Length'):
            body = _fixed_body(self.rfile, int(self.headers['Content-Length']))
            chunked = False
        else:
            body, chunked = None, False
        conn = http.client.HTTPConnection(target.hostname, target.port,
                                          timeout=600)
        try:
            conn.request(self.command, self.path, body=body, headers=headers,
                         encode_chunked=chunked)
            resp = conn.getresponse()
            self.send_response(resp.status, resp.reason)
            for key, value in resp.getheaders():
                if key.lower() not in HOP_BY_HOP:
                    self.send_header(key, value)
            self.end_headers()
            while True:
                block = resp.read(CHUNK)
                if not block:
                    break
                self.wfile.write(block)
        finally:
            conn.close()

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _forward


class IdentityProxy:
    """Listens on 127.0.0.1 and forwards to ``target_url`` with identity."""

    def __init__(self, target_url):
        self._httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      _Handler)
        self._httpd.daemon_threads = True
        self._httpd.target = urllib.parse.urlsplit(target_url)
        self._thread = None

    @property
    def url(self):
        host, port = self._httpd.server_address[:2]
        return 'http://%s:%d' % (host, port)

    def start(self):
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()
