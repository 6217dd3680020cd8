"""Import plugin ``accel_decompress``: unpack compressed uploads safely.

List it before ``image_conversion``. A staged payload that is compressed (by
its leading bytes, whatever its name or container_format) is decompressed into
a temporary file with an output limit, the plain data is inspected, and only
then does it replace the staged file. Plain payloads pass untouched.
"""

import os
import typing

from oslo_config import cfg
from oslo_log import log as logging
from taskflow.patterns import linear_flow

from glance_accel_import.engines import manager
from glance_accel_import import exception
from glance_accel_import import formats
from glance_accel_import import glance_options
from glance_accel_import import opts
from glance_accel_import.plugins import accel_compress
from glance_accel_import.plugins import base
from glance_accel_import import properties
from glance_accel_import import quota
from glance_accel_import import staging
from glance_accel_import import streams

LOG = logging.getLogger(__name__)
CONF = cfg.CONF


class _Limit(typing.NamedTuple):
    size: int
    error: exception.AccelImportError  # raised when ``size`` is passed


def output_limits(context, image_id, upload_size):
    """Every limit on the decompressed size, each with its own error."""
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
    remaining = quota.remaining_bytes(context, image_id)
    if remaining is not None:
        remaining = max(remaining, 0)
        limits.append(_Limit(remaining, exception.QuotaExceeded(
            'the decompressed image would exceed the storage quota of its '
            'owner (%d bytes left)' % remaining)))
    return limits


class _DecompressImage(base.StagedDataTask):

    plugin_name = 'accel_decompress'
    work_suffix = 'accel_decompress'

    def process(self, staged, work):
        if not getattr(CONF, opts.DECOMPRESS_GROUP).enabled:
            return
        fmt = formats.detect_file_compression(staged)
        if fmt is None:
            LOG.debug('Image %s is not compressed', self.image_id)
            return
        with self.action_wrapper as action:
            disk_format = action.image_disk_format
            container_format = action.image_container_format
        outcome = self._decompress(fmt, staged)
        result = outcome.result
        inspected = self.inspect_work(work, disk_format)
        quota.enforce_total(self.context, result.bytes_out)
        staging.replace(work, staged)
        self._record(result, inspected, container_format)
        LOG.info('Image %s decompressed (%s) by engine %s (%s): %d -> %d '
                 'bytes in %.1fs', self.image_id, fmt, result.engine,
                 outcome.why(), result.bytes_in, result.bytes_out,
                 result.seconds)

    def _decompress(self, fmt, staged):
        upload_size = os.path.getsize(staged)
        limits = output_limits(self.context, self.image_id, upload_size)
        tightest = min(limits, key=lambda limit: limit.size, default=None)
        try:
            return self.write_work(
                upload_size, manager.DECOMPRESS, fmt,
                lambda engine, out: streams.decompress_file(
                    engine, fmt, staged, out, self.chunk_size,
                    limit=tightest.size if tightest else None))
        except exception.OutputLimitExceeded as exc:
            raise tightest.error from exc

    def _record(self, result, inspected, container_format):
        keep_compressed = (container_format == accel_compress.COMPRESSED
                           and accel_compress.is_active())
        with self.action_wrapper as action:
            action.set_image_attribute(
                size=result.bytes_out,
                virtual_size=inspected.virtual_size,
                container_format=(container_format if keep_compressed
                                  else 'bare'))
            action.set_image_extra_properties({
                properties.UPLOAD_COMPRESSION: result.fmt,
                properties.DECOMPRESSION_ENGINE: result.engine,
            })


def get_flow(**kwargs):
    """Return the flow Glance adds to an import (entry point)."""
    return linear_flow.Flow(kwargs.get('task_type')).add(
        _DecompressImage(**base.task_arguments(kwargs)))
