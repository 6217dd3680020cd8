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

"""Remove exactly one compression layer, within every limit.

Both plugins unpack with this: ``accel_decompress`` for every compressed
upload, and ``accel_compress`` when it is handed data that is still
compressed (``accel_decompress`` not listed, or disabled), so that no image
is ever stored with a size nobody measured.

Invariants:

* the output never passes the tightest limit: ``max_output_size`` (or
  Glance's ``image_size_cap``), ``max_expansion_ratio``, and the owner's
  remaining storage quota when the plain data is what will be stored;
* one layer only: an image's plain data is never itself a compressed
  stream, so data that is still compressed after one layer is refused as
  "nested compression", never unpacked again (a few kilobytes of
  ``gzip(gzip(zeros))`` would otherwise hide any size).
"""

import os
import typing

from oslo_config import cfg

from glance_accel_import.engines import manager
from glance_accel_import import exception
from glance_accel_import import formats
from glance_accel_import import glance_options
from glance_accel_import import opts
from glance_accel_import import quota
from glance_accel_import import staging
from glance_accel_import import streams

CONF = cfg.CONF


class _Limit(typing.NamedTuple):
    size: int
    error: exception.AccelImportError  # raised when ``size`` is passed


def output_limits(context, image_id, upload_size, count_quota=True):
    """Every limit on the decompressed size, each with its own error.

    ``count_quota`` is False when the plain data will not be stored (it is
    compressed again first): the quota then counts the stored bytes later.
    """
    group = getattr(CONF, opts.DECOMPRESS_GROUP)
    limits = []
    size_limit = glance_options.or_image_size_cap(group.max_output_size)
    if size_limit:
        limits.append(_Limit(size_limit, exception.OutputLimitExceeded(
            size_limit, 'max_output_size, or image_size_cap')))
    if group.max_expansion_ratio:
        ratio_limit = max(upload_size, 1) * group.max_expansion_ratio
        limits.append(_Limit(ratio_limit, exception.OutputLimitExceeded(
            ratio_limit, '%d times the upload: max_expansion_ratio'
            % group.max_expansion_ratio)))
    remaining = quota.remaining_bytes(context, image_id) if count_quota \
        else None
    if remaining is not None:
        remaining = max(remaining, 0)
        limits.append(_Limit(remaining, exception.QuotaExceeded(
            'the decompressed image would exceed the storage quota of its '
            'owner (%d bytes left)' % remaining)))
    return limits


def refuse_nested(path, outer):
    """Refuse the plain data at ``path`` if it is compressed again."""
    inner = formats.detect_file_compression(path)
    if inner is not None:
        staging.remove_quietly(path)
        raise exception.ImageRejected(
            'nested compression: the data inside the %s layer is itself '
            'compressed (%s); an image is unpacked once, so upload it with '
            'a single layer of compression' % (outer, inner))


def unpack(task, fmt, staged, count_quota=True):
    """Decompress ``staged`` into ``task.work``; the engine's ``Outcome``.

    ``task`` is a ``base.StagedDataTask``. On any refusal the work file is
    gone and ``staged`` untouched.
    """
    upload_size = os.path.getsize(staged)
    limits = output_limits(task.context, task.image_id, upload_size,
                           count_quota)
    tightest = min(limits, key=lambda limit: limit.size, default=None)
    try:
        outcome = task.write_work(
            upload_size, manager.DECOMPRESS, fmt,
            lambda engine, out: streams.decompress_file(
                engine, fmt, staged, out, task.chunk_size,
                limit=tightest.size if tightest else None))
    except exception.OutputLimitExceeded as exc:
        raise tightest.error from exc
    refuse_nested(task.work, fmt)
    return outcome
