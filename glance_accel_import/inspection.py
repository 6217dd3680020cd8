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

"""Inspect plain image data before it may replace what the user staged.

oslo.utils' format inspector reads only headers, so it is safe on hostile
data: it runs before anything (qemu-img included) trusts the image.

The verdicts are Glance's own, as its store upload gives them for a ``bare``
image (``glance.location.ImageProxy.set_data``, the check every
``glance-direct`` and ``web-download`` import passes), so that compressing an
image never changes whether it is accepted:

* several formats at once are refused, except exactly ISO 9660 with a
  partition table (an isohybrid ISO: installer images carry an MBR or GPT
  so that they boot from a USB stick), which is an ``iso``;
* the detected format must be the ``disk_format``; plain data (nothing
  recognised) is also accepted for the disk formats the inspector does not
  know (``ami``, ``ari``, ``aki``, ``ploop``);
* a partition table (``gpt``, which covers MBR too) is a ``raw`` disk,
  whose safety checks honour ``[image_format] gpt_safety_checks_nonfatal``.

One deliberate difference: Glance's store upload accepts any recognised
format declared ``raw`` (it logs a warning), Glance's own
``image_conversion`` plugin refuses it ("Image format mismatch"); we refuse
it too, since the image would be handed to hypervisors as something it is
not.
"""

import dataclasses
import os

from oslo_utils.imageutils import format_inspector

from glance_accel_import import exception
from glance_accel_import import glance_options

RAW = 'raw'
GPT = 'gpt'
ISO = 'iso'
#: What the inspector calls a partition table: a raw disk to Glance.
_PARTITION_TABLE = GPT
#: Bytes read per step while detecting, as oslo.utils' detect_file_format.
_READ_SIZE = 4096


@dataclasses.dataclass(frozen=True)
class Inspection:
    fmt: str
    virtual_size: int


def _nonfatal_gpt_checks():
    return set(glance_options.value('gpt_safety_checks_nonfatal', [],
                                    group='image_format'))


def _matches(path):
    """Every inspector that recognises ``path`` (raw alone if none)."""
    with open(path, 'rb') as f:
        wrapper = format_inspector.InspectWrapper(f)
        try:
            while wrapper.formats is None and wrapper.read(_READ_SIZE):
                pass
        finally:
            wrapper.close()
        return wrapper.formats


def _choose(matches):
    """The one inspector that decides, as Glance's store upload picks it."""
    by_name = {inspector.NAME: inspector for inspector in matches}
    if by_name.keys() == {ISO, GPT}:
        # An isohybrid ISO: a partition table in the ISO's system area.
        return by_name[ISO]
    if len(matches) > 1:
        raise exception.ImageRejected(
            'image format inspection failed: Multiple formats detected: %s'
            % ','.join(sorted(by_name)))
    return matches[0]


def _detect(path):
    try:
        return _choose(_matches(path))
    except format_inspector.ImageFormatError as exc:
        raise exception.ImageRejected(
            'image format inspection failed: %s' % exc) from exc


def _safety_check(inspector):
    try:
        inspector.safety_check()
    except format_inspector.SafetyCheckFailed as exc:
        fatal = set(exc.failures) - _nonfatal_gpt_checks()
        if inspector.NAME != _PARTITION_TABLE or fatal:
            raise exception.ImageRejected(
                'image failed safety checks: %s' % exc) from exc


def _check_format(detected, disk_format):
    if detected == disk_format:
        return
    if detected == RAW and disk_format not in format_inspector.ALL_FORMATS:
        return  # ami, ari, aki, ploop: not inspectable, plain data is fine
    if detected == _PARTITION_TABLE and disk_format == RAW:
        return
    raise exception.ImageRejected(
        'image data is %s but its disk_format is %s'
        % (detected, disk_format))


def inspect_image(path, disk_format, max_virtual_size=None):
    """Check the image at ``path`` and that it is ``disk_format``.

    Raises ``ImageRejected`` for a disallowed image (backing or data files,
    unsafe descriptors, several formats at once), a format mismatch, or a
    virtual size over ``max_virtual_size``.
    """
    inspector = _detect(path)
    detected = inspector.NAME
    _check_format(detected, disk_format)
    _safety_check(inspector)
    # The raw inspector only knows the bytes it read; a raw disk is its file.
    virtual_size = (os.path.getsize(path) if detected in (RAW, GPT)
                    else inspector.virtual_size)
    if max_virtual_size and virtual_size > max_virtual_size:
        raise exception.ImageRejected(
            'image virtual size %d bytes exceeds the limit of %d bytes'
            % (virtual_size, max_virtual_size))
    fmt = RAW if detected == GPT else detected
    return Inspection(fmt, virtual_size)
