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

"""Errors that reach the person who imported the image.

Glance shows the message of an ``UploadException`` as the import task's
message; any other exception shows only "Internal Error". Every error here is
therefore an ``UploadException`` when Glance is installed, and a plain
exception when the command line runs without Glance.
"""

try:
    from glance.common.exception import UploadException as _ReportedError
except ImportError:  # the command line on a host without Glance
    _ReportedError = Exception


class AccelImportError(_ReportedError):
    """Base class: the message is complete and meant for the user."""

    def __init__(self, message):
        self.msg = message
        super().__init__(message)

    def __str__(self):
        return self.msg


class CorruptCompressedData(AccelImportError):
    """The payload is truncated, fails its checksum, or has trailing data."""

    def __init__(self, fmt, detail):
        super().__init__('corrupt compressed data (%s): %s' % (fmt, detail))


class OutputLimitExceeded(AccelImportError):
    """Decompression would write more than the configured limit."""

    def __init__(self, limit, reason=None):
        self.limit = limit
        self.reason = reason
        super().__init__(
            'decompressed data exceeds the limit of %d bytes%s'
            % (limit, ' (%s)' % reason if reason else ''))


class DecoderMemoryExceeded(AccelImportError):
    """Decoding would need more memory than ``max_decoder_memory`` allows.

    ``need`` says what the payload's header asked for, as far as it is
    known (liblzma refuses without saying how much its dictionary needs),
    ending in a comparative: "a 2147483648-byte window, larger".
    """

    def __init__(self, fmt, limit, need):
        self.limit = limit
        super().__init__(
            '%s data needs %s than the limit of %d bytes set by '
            '[accel_decompress] max_decoder_memory' % (fmt, need, limit))


class TooManyMembers(AccelImportError):
    """Far more members or frames than the data they hold: not an image.

    Every member costs fixed work, so a payload of empty members would hold
    a worker for minutes without producing anything. ``what`` names the
    unit counted (zstd blocks are counted too).
    """

    def __init__(self, fmt, members, bytes_out, free, bytes_per_member,
                 what='members or frames'):
        super().__init__(
            'too many %s %s: %d of them hold only %d bytes; '
            'a disk image has at most %d plus one per %d bytes of data'
            % (fmt, what, members, bytes_out, free, bytes_per_member))


class UnsupportedCompression(AccelImportError):
    """The payload is compressed in a format no usable engine handles."""


class NoEngineAvailable(AccelImportError):
    """No engine in the configured order can do the requested work."""


class ImageRejected(AccelImportError):
    """The image failed format inspection or its safety checks."""


class QuotaExceeded(AccelImportError):
    """The decompressed image would pass the owner's storage quota."""


class StagingFull(AccelImportError):
    """The staging area has no room for the new file."""


class EngineFailed(AccelImportError):
    """An engine broke down; another engine may redo the work from scratch.

    Raised for faults of the engine (a tool that exits with an error, a
    device that disappears, output that fails verification), never for bad
    user data, so retrying on another engine is safe and useful.
    """

    def __init__(self, engine, detail):
        self.engine = engine
        super().__init__('engine %s failed: %s' % (engine, detail))
