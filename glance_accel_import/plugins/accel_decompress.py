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

"""Import plugin ``accel_decompress``: unpack compressed uploads safely.

List it before ``image_conversion``. A staged payload that is compressed (by
its leading bytes, whatever its name or container_format) is decompressed into
a temporary file with an output limit, the plain data is inspected, and only
then does it replace the staged file. Plain payloads pass untouched. Exactly
one layer is removed: data still compressed after it is refused (see
``layers``).
"""

from oslo_config import cfg
from oslo_log import log as logging
from taskflow.patterns import linear_flow

from glance_accel_import import formats
from glance_accel_import import opts
from glance_accel_import.plugins import accel_compress
from glance_accel_import.plugins import base
from glance_accel_import.plugins import layers
from glance_accel_import import properties
from glance_accel_import import quota
from glance_accel_import import staging

LOG = logging.getLogger(__name__)
CONF = cfg.CONF


def _stored_compressed(container_format):
    """True if accel_compress will store the plain data compressed."""
    return (container_format == accel_compress.COMPRESSED
            and accel_compress.is_active())


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
        # The quota counts what is stored: for an image accel_compress will
        # store compressed, that is its output, which it checks.
        stored_plain = not _stored_compressed(container_format)
        outcome = layers.unpack(self, fmt, staged, count_quota=stored_plain)
        result = outcome.result
        inspected = self.inspect_work(work, disk_format)
        if stored_plain:
            quota.enforce_total(self.context, result.bytes_out)
        staging.replace(work, staged)
        self._record(result, inspected, container_format)
        LOG.info('Image %s decompressed (%s) by engine %s (%s): %d -> %d '
                 'bytes in %.1fs', self.image_id, fmt, result.engine,
                 outcome.why(), result.bytes_in, result.bytes_out,
                 result.seconds)

    def _record(self, result, inspected, container_format):
        keep_compressed = _stored_compressed(container_format)
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
