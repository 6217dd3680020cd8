"""Glance's own options, read when we run inside Glance.

The command line runs without Glance's options registered; then each
question gets the answer that applies outside Glance.
"""

from oslo_config import cfg

CONF = cfg.CONF


def value(name, default, group=None):
    """Glance's option ``[group] name``, or ``default`` outside Glance."""
    try:
        return getattr(getattr(CONF, group) if group else CONF, name)
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
        return default


def image_size_cap():
    """Glance's largest image, or None outside Glance."""
    return value('image_size_cap', None)


def import_plugins():
    return value('image_import_plugins', [], group='image_import_opts')


def or_image_size_cap(limit):
    """``limit`` where set (non-zero), else Glance's ``image_size_cap``."""
    return limit or image_size_cap()
