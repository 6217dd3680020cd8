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

"""Drive Cinder's real image code; runs with .venv-cinder's python.

The tests run in the project's venv (Glance), Cinder lives in its own, so
the tests start this script there with one JSON request on stdin and read
one JSON result from stdout.  Cinder's log goes to stderr.

Requests (every one also carries ``glance_url``, ``headers``, ``workdir``
and ``options``, Cinder's config options to override):

``{"action": "upload", "volume": PATH, "name": ..., "disk_format": ...,
"container_format": ..., "volume_format": "raw", "store_id": null}``
    What cinder-api and cinder-volume do for ``upload-to-image``: create
    the image through Cinder's GlanceImageService, then
    ``image_utils.upload_volume``.  Result: ``image_id`` and, on failure,
    ``error``, ``message`` and the image's ``image_status`` afterwards.

``{"action": "create", "image_id": ..., "dest": PATH, "size_gb": N}``
    What cinder-volume does to create a volume from an image:
    ``image_utils.fetch_to_volume_format`` into ``dest``.
"""

import json
import logging
import sys

from glance_accel_import.devtools.bench import cinder_fetch


def glance_image_service(url, headers):
    """Cinder's own GlanceImageService, reaching a glance-api sans Keystone.

    Cinder builds its glanceclient from Keystone settings; the embedded
    glance-api trusts identity headers instead, which must go through a
    keystoneauth session (glanceclient's own identity headers would
    percent-encode the commas in X-Roles).  Everything above the client,
    retries included, is Cinder's.
    """
    import glanceclient
    from keystoneauth1 import noauth
    from keystoneauth1 import session

    from cinder.image import glance

    sess = session.Session(auth=noauth.NoAuth(endpoint=url),
                           additional_headers=headers)
    wrapper = glance.GlanceClientWrapper()
    wrapper.client = glanceclient.Client('2', session=sess)
    wrapper.netloc = url
    return glance.GlanceImageService(client=wrapper)


def upload(ctx, service, request):
    from cinder.image import image_utils

    image_meta = service.create(ctx, {
        'name': request['name'],
        'disk_format': request['disk_format'],
        'container_format': request['container_format'],
    })
    result = {'image_id': image_meta['id']}
    try:
        image_utils.upload_volume(ctx, service, image_meta,
                                  request['volume'],
                                  volume_format=request['volume_format'],
                                  run_as_root=False,
                                  store_id=request.get('store_id'))
    except Exception as exc:
        logging.exception('upload_volume failed')
        result.update(error=type(exc).__name__, message=str(exc),
                      image_status=service.show(ctx,
                                                image_meta['id'])['status'])
    return result


def create(ctx, service, request):
    from cinder.image import image_utils

    try:
        image_utils.fetch_to_volume_format(
            ctx, service, request['image_id'], request['dest'], 'raw',
            blocksize=1024 * 1024, size=request['size_gb'],
            run_as_root=False)
    except Exception as exc:
        logging.exception('fetch_to_volume_format failed')
        return {'error': type(exc).__name__, 'message': str(exc)}
    return {}


ACTIONS = {'upload': upload, 'create': create}


def main():
    request = json.load(sys.stdin)
    logging.basicConfig(
        level=logging.DEBUG, stream=sys.stderr,
        format='%(asctime)s %(levelname)s %(name)s %(message)s')
    # Cinder's own debug log is wanted; the HTTP bodies are not.
    for noisy in ('keystoneauth', 'urllib3', 'stevedore'):
        logging.getLogger(noisy).setLevel(logging.INFO)
    cinder_fetch.configure(request['workdir'], request.get('options', {}))

    from cinder import context

    headers = request['headers']
    ctx = context.RequestContext(user_id=headers['X-User-Id'],
                                 project_id=headers['X-Project-Id'],
                                 is_admin=True)
    service = glance_image_service(request['glance_url'], headers)
    result = ACTIONS[request['action']](ctx, service, request)
    json.dump(result, sys.stdout)


if __name__ == '__main__':
    main()
