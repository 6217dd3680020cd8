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

"""The image owner's storage quota, applied to the data we really store.

Glance's own accounting counts bytes in stores: the legacy
``user_storage_quota`` sums ``size`` times locations of the owner's images
and is enforced while ``_ImportToStore`` writes (``glance.quota.ImageProxy.
set_data``), on the bytes written; Keystone's ``image_size_total`` counts the
same sum and is checked when an import starts, with the staged size. Staging
is its own resource (``image_stage_total``, checked when data is staged).

We follow it: a quota counts the size that will be stored. For an image
stored plain, that is the decompressed size, checked while decompressing so
that a bomb stops early; for an image ``accel_compress`` stores compressed,
it is the compressed size, checked once it is known, before anything is
swapped in. Plain data that exists only in staging on its way to being
compressed is limited by the size cap, the expansion ratio and the staging
free-space check, not by the storage quota.
"""

from oslo_utils import units

from glance_accel_import import exception
from glance_accel_import import glance_options


def remaining_bytes(context, image_id):
    """Bytes the owner may still store under the legacy quota, or None.

    None means no byte limit applies before writing: there is no quota, or
    Keystone unified limits are in use (see ``enforce_total``).
    """
    if context is None or glance_options.value('use_keystone_limits', True):
        return None
    if glance_options.value('user_storage_quota', '0') in ('0', ''):
        return None
    from glance.api import common
    from glance import db
    return common.get_remaining_quota(context, db.get_api(),
                                      image_id=image_id)


def enforce_total(context, size, what='the decompressed image'):
    """Refuse ``size`` bytes if it passes the Keystone image_size_total."""
    keystone_limits = glance_options.value('use_keystone_limits', False)
    if context is None or not keystone_limits:
        return
    from glance.common import exception as glance_exception
    from glance.quota import keystone as keystone_quota
    try:
        keystone_quota.enforce_image_size_total(
            context, context.owner, delta=-(-size // units.Mi))
    except glance_exception.LimitExceeded as exc:
        raise exception.QuotaExceeded(
            '%s (%d bytes) exceeds the image_size_total quota of project '
            '%s: %s' % (what, size, context.owner, exc)) from exc


def enforce_stored(context, image_id, size, what):
    """Refuse storing ``size`` bytes of image ``image_id`` over a quota."""
    remaining = remaining_bytes(context, image_id)
    if remaining is not None and size > remaining:
        raise exception.QuotaExceeded(
            '%s (%d bytes) would exceed the storage quota of its owner (%d '
            'bytes left)' % (what, size, max(remaining, 0)))
    enforce_total(context, size, what)
