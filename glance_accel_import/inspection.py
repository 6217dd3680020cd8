"""Inspect plain image data before it may replace what the user staged.

oslo.utils' format inspector reads only headers, so it is safe on hostile
data: it runs before anything (qemu-img included) trusts the image.
"""

import dataclasses
import os

from oslo_utils.imageutils import format_inspector

from glance_accel_import import exception
from glance_accel_import import glance_options

# Disk formats whose content is a plain disk, as the inspector reports it.
_RAW_DISK_FORMATS = frozenset({'raw', 'ami', 'ari', 'aki'})
# Partition tables are raw disks to Glance (see its image_conversion plugin).
_RAW_LAYOUTS = frozenset({'gpt', 'mbr'})


@dataclasses.dataclass(frozen=True)
class Inspection:
    fmt: str
    virtual_size: int


def _nonfatal_gpt_checks():
    return set(glance_options.value('gpt_safety_checks_nonfatal', [],
                                    group='image_format'))


def _detect(path):
    try:
        inspector = format_inspector.detect_file_format(path)
    except format_inspector.ImageFormatError as exc:
        raise exception.ImageRejected(
            'image format inspection failed: %s' % exc) from exc
    try:
        inspector.safety_check()
    except format_inspector.SafetyCheckFailed as exc:
        fatal = set(exc.failures) - _nonfatal_gpt_checks()
        if inspector.NAME != 'gpt' or fatal:
            raise exception.ImageRejected(
                'image failed safety checks: %s' % exc) from exc
    return inspector


def inspect_image(path, disk_format, max_virtual_size=None):
    """Check the image at ``path`` and that it is ``disk_format``.

    Raises ``ImageRejected`` for a disallowed image (backing or data files,
    unsafe descriptors, several formats at once), a format mismatch, or a
    virtual size over ``max_virtual_size``.
    """
    inspector = _detect(path)
    detected = 'raw' if inspector.NAME in _RAW_LAYOUTS else inspector.NAME
    expected = 'raw' if disk_format in _RAW_DISK_FORMATS else disk_format
    if detected != expected:
        raise exception.ImageRejected(
            'image data is %s but its disk_format is %s'
            % (detected, disk_format))
    # The raw inspector only knows the bytes it read; a raw disk is its file.
    virtual_size = (os.path.getsize(path) if detected == 'raw'
                    else inspector.virtual_size)
    if max_virtual_size and virtual_size > max_virtual_size:
        raise exception.ImageRejected(
            'image virtual size %d bytes exceeds the limit of %d bytes'
            % (virtual_size, max_virtual_size))
    return Inspection(detected, virtual_size)
