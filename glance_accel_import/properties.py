"""Image properties we record, so consumers can see and verify our work.

Never ``os_glance_*``: Glance reserves that prefix and drops such keys.
"""

#: Format of the stored data when ``container_format`` is ``compressed``.
COMPRESSION_FORMAT = 'accel_compression_format'
#: Engine that compressed the stored data.
COMPRESSION_ENGINE = 'accel_compression_engine'
#: Size in bytes of the data once decompressed.
UNCOMPRESSED_SIZE = 'accel_uncompressed_size'
#: SHA-256 of the data once decompressed, for round-trip checks.
UNCOMPRESSED_SHA256 = 'accel_uncompressed_sha256'
#: Compression format the upload arrived in, before we decompressed it.
UPLOAD_COMPRESSION = 'accel_upload_compression'
#: Engine that decompressed the upload.
DECOMPRESSION_ENGINE = 'accel_decompression_engine'
