"""The image owner's storage quota, applied to the data we really store.

Glance checks quotas against the upload, which for a compressed upload is far
smaller than what will be stored after decompression. These helpers ask
Glance's own quota code about the real output.
"""

from glance_accel_import import exception
from glance_accel_import import glance_options

MiB = 1024 * 1024


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


def enforce_total(context, size):
    """Refuse ``size`` bytes if it passes the Keystone image_size_total."""
    keystone_limits = glance_options.value('use_keystone_limits', False)
    if context is None or not keystone_limits:
        return
    from glance.common import exception as glance_exception
    from glance.quota import keystone as keystone_quota
    try:
        keystone_quota.enforce_image_size_total(
            context, context.owner, delta=-(-size // MiB))
    except glance_exception.LimitExceeded as exc:
        raise exception.QuotaExceeded(
            'the decompressed image (%d bytes) exceeds the image_size_total '
            'quota of project %s: %s' % (size, context.owner, exc)) from exc
