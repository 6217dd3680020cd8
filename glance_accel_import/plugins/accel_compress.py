"""Import plugin ``accel_compress``: store ``compressed`` images compressed.

List it after ``image_conversion``. For an image created with
``container_format=compressed`` whose staged data is plain, it inspects the
data, compresses it with the best available engine, swaps it in, and records
what it did as image properties.
"""

import os

from oslo_config import cfg
from oslo_log import log as logging
from taskflow.patterns import linear_flow

from glance_accel_import.engines import manager
from glance_accel_import import formats
from glance_accel_import import opts
from glance_accel_import.plugins import base
from glance_accel_import import properties
from glance_accel_import import staging
from glance_accel_import import streams

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

PLUGIN_NAME = 'accel_compress'
COMPRESSED = 'compressed'


def is_active():
    """True if this plugin will compress ``compressed`` images."""
    return (getattr(CONF, opts.COMPRESS_GROUP).enabled
            and base.plugin_listed(PLUGIN_NAME))


class _CompressImage(base.StagedDataTask):

    plugin_name = PLUGIN_NAME
    work_suffix = 'accel_compress'

    def __init__(self, requested, **kwargs):
        # ``requested`` is the container_format the image was created with:
        # image_conversion resets it to 'bare' before we run.
        self.requested = requested
        super().__init__(**kwargs)

    def process(self, staged, work):
        group = getattr(CONF, opts.COMPRESS_GROUP)
        with self.action_wrapper as action:
            wanted = COMPRESSED in (self.requested,
                                    action.image_container_format)
            disk_format = action.image_disk_format
        if not (wanted and group.enabled):
            return
        if formats.detect_file_compression(staged) is not None:
            LOG.info('Image %s is already compressed; stored as uploaded',
                     self.image_id)
            return
        inspected = self.inspect_work(staged, disk_format)
        outcome = self.write_work(
            os.path.getsize(staged), manager.COMPRESS, group.format,
            lambda engine, out: streams.compress_file(
                engine, group.format, group.level, staged, out,
                self.chunk_size, digest=group.uncompressed_digest))
        result = outcome.result
        staging.replace(work, staged)
        self._record(result, inspected)
        LOG.info('Image %s compressed by engine %s (%s): %d -> %d bytes in '
                 '%.1fs', self.image_id, result.engine, outcome.why(),
                 result.bytes_in, result.bytes_out, result.seconds)

    def _record(self, result, inspected):
        with self.action_wrapper as action:
            action.set_image_attribute(size=result.bytes_out,
                                       virtual_size=inspected.virtual_size,
                                       container_format=COMPRESSED)
            recorded = {
                properties.COMPRESSION_FORMAT: result.fmt,
                properties.COMPRESSION_ENGINE: result.engine,
                properties.UNCOMPRESSED_SIZE: str(result.bytes_in),
            }
            if result.digest:
                recorded[properties.UNCOMPRESSED_DIGEST[
                    result.digest_kind]] = result.digest
            action.set_image_extra_properties(recorded)


def _created_container_format(kwargs):
    image_repo, image_id = kwargs.get('image_repo'), kwargs.get('image_id')
    if image_repo is None or image_id is None:
        return None
    return image_repo.get(image_id).container_format


def get_flow(**kwargs):
    """Return the flow Glance adds to an import (entry point)."""
    task_type = kwargs.get('task_type')
    return linear_flow.Flow(task_type).add(_CompressImage(
        requested=_created_container_format(kwargs),
        **base.task_arguments(kwargs)))
