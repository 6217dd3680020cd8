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

"""Image properties we record, so consumers can see and verify our work.

Never ``os_glance_*``: Glance reserves that prefix and drops such keys.
"""

from glance_accel_import import digests

#: Format of the stored data when ``container_format`` is ``compressed``.
COMPRESSION_FORMAT = 'accel_compression_format'
#: Engine that compressed the stored data.
COMPRESSION_ENGINE = 'accel_compression_engine'
#: Size in bytes of the data once decompressed.
UNCOMPRESSED_SIZE = 'accel_uncompressed_size'
#: SHA-256 of the data once decompressed, for round-trip checks.
UNCOMPRESSED_SHA256 = 'accel_uncompressed_sha256'
#: SHA-256 over the SHA-256 of each 4 MiB block of the data once
#: decompressed (see ``glance_accel_import.digests``).
UNCOMPRESSED_BLOCK_SHA256 = 'accel_uncompressed_block_sha256'
#: Compression format the upload arrived in, before we decompressed it.
UPLOAD_COMPRESSION = 'accel_upload_compression'
#: Engine that decompressed the upload.
DECOMPRESSION_ENGINE = 'accel_decompression_engine'

#: The property recording each kind of digest of the uncompressed data.
UNCOMPRESSED_DIGEST = {
    digests.SHA256: UNCOMPRESSED_SHA256,
    digests.BLOCK_SHA256: UNCOMPRESSED_BLOCK_SHA256,
}
