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

"""Import plugin ``accel_compress``: store ``compressed`` images compressed.

List it after ``image_conversion``. For an image created with
``container_format=compressed``, it inspects the plain data, compresses it
with the best available engine, swaps it in, and records what it did as image
properties. Data still compressed when it arrives (``accel_decompress`` did
not run) is unpacked first, with the same limits and checks: nothing is
stored whose plain size was not measured. The owner's storage quota counts
the compressed bytes, which are what is stored.
"""

import os

from oslo_config import cfg
from oslo_log import log as logging
from taskflow.patterns import linear_flow

from glance_accel_import.engines import manager
from glance_accel_import import formats
from glance_accel_import import opts
from glance_accel_import.plugins import base
from glance_accel_import.plugins import layers
from glance_accel_import import properties
from glance_accel_import import quota
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
        upload_fmt = formats.detect_file_compression(staged)
        if upload_fmt is not None:
            inspected = self._unpack(upload_fmt, staged, work, disk_format)
        else:
            inspected = self.inspect_work(staged, disk_format)
        outcome = self.write_work(
            os.path.getsize(staged), manager.COMPRESS, group.format,
            lambda engine, out: streams.compress_file(
                engine, group.format, group.level, staged, out,
                self.chunk_size, digest=group.uncompressed_digest,
                threads=opts.compress_threads()))
        result = outcome.result
        self._check_quota(result.bytes_out)
        staging.replace(work, staged)
        self._record(result, inspected)
        LOG.info('Image %s compressed by engine %s (%s): %d -> %d bytes in '
                 '%.1fs', self.image_id, result.engine, outcome.why(),
                 result.bytes_in, result.bytes_out, result.seconds)

    def _unpack(self, fmt, staged, work, disk_format):
        """Unpack an upload still compressed when we get it; inspect it.

        accel_decompress did not run (not listed, or disabled). Storing the
        upload as it came would record a size and virtual size nobody
        measured, so its one layer is removed with the same limits and
        checks, and the plain data is then compressed like any other.
        """
        outcome = layers.unpack(self, fmt, staged, count_quota=False)
        inspected = self.inspect_work(work, disk_format)
        staging.replace(work, staged)
        with self.action_wrapper as action:
            action.set_image_extra_properties({
                properties.UPLOAD_COMPRESSION: fmt,
                properties.DECOMPRESSION_ENGINE: outcome.result.engine,
            })
        LOG.info('Image %s was uploaded compressed (%s): %d -> %d bytes '
                 'unpacked before compression', self.image_id, fmt,
                 outcome.result.bytes_in, outcome.result.bytes_out)
        return inspected

    def _check_quota(self, stored_size):
        """The quota counts what is stored: the compressed bytes."""
        try:
            quota.enforce_stored(self.context, self.image_id, stored_size,
                                 'the compressed image')
        except Exception:
            staging.remove_quietly(self.work)
            raise

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
