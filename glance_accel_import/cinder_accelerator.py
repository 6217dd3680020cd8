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

"""Cinder's side: decompress a ``compressed`` image for a new volume.

Called by Cinder's ``AccelImport`` accelerator
(``contrib/cinder/0003-*.patch``) from ``fetch_to_volume_format``. The one
entry point is ``decompress_to_file``; everything else here is private.

Invariants:

* The output is written only to ``dest`` (Cinder's own temporary file in
  ``image_conversion_dir``), sparse: all-zero blocks become holes.
* It never passes ``max_size`` bytes (what the volume can hold), and never
  allocates more than the conversion directory had free at the start, less
  ``RESERVE``: decompression stops at the first chunk past either bound,
  before the directory fills.
* On any failure ``dest`` does not exist afterwards: no partial output
  remains. A failed engine's output is discarded and the next engine starts
  from byte 0 of a freshly opened source (``engines.fallback``).
* The source is only read. Data is decompressed as it arrives, so the
  compressed image never needs a file of its own.
* Errors are ``TooBig`` (the image does not fit) or another
  ``AccelImportError`` (bad, unsupported or undecodable data, no engine),
  each with a one-line message for the volume's user.

Engine choice, verification, fallback, member and memory limits are those
of the Glance plugins and the command line: ``[accel_import]`` options in
cinder.conf apply.
"""

import os

from oslo_config import cfg
from oslo_log import log as logging

from glance_accel_import.engines import fallback
from glance_accel_import.engines import manager
from glance_accel_import import exception
from glance_accel_import import formats
from glance_accel_import import opts
from glance_accel_import import staging
from glance_accel_import import streams

LOG = logging.getLogger(__name__)
CONF = cfg.CONF
GiB = 1024 ** 3
#: Bytes of the conversion directory's free space left untouched, so that
#: other volumes' conversions and Cinder's own logs still have room.
RESERVE = 64 * 1024 ** 2
#: Extra room, as a fraction (1/N) of the volume, for a container format's
#: own metadata: a fully allocated qcow2 image is larger than its disk by
#: about 1/6000 (L2 and refcount tables at 64 KiB clusters).
METADATA_ALLOWANCE = 256

#: Everything this module raises.
Error = exception.AccelImportError


class TooBig(exception.AccelImportError):
    """The decompressed image does not fit the volume or the directory."""


def volume_limit(size_gb, disk_format):
    """Most bytes of plain image data a volume of ``size_gb`` GiB can take.

    None when the volume's size is not known (then only the directory's
    free space bounds the output).
    """
    if size_gb is None:
        return None
    limit = int(size_gb) * GiB
    if disk_format != 'raw':
        limit += limit // METADATA_ALLOWANCE
    return limit


class _Source:
    """``read(size)`` over a file or an iterable of byte chunks.

    Glance's download is an iterator of chunks of any size; a cached image
    is a file. Both become one reader, with ``peek`` for format detection.
    """

    def __init__(self, source):
        self._source = source
        self._file = source if hasattr(source, 'read') else None
        self._chunks = None if self._file else iter(source)
        self._buf = memoryview(b'')
        self._eof = False

    def _more(self, size):
        if self._file is not None:
            return self._file.read(size)
        return next(self._chunks, b'')

    def _fill(self, size):
        while len(self._buf) < size and not self._eof:
            chunk = self._more(size)
            if not chunk:
                self._eof = True
            elif self._buf:
                self._buf = memoryview(self._buf.tobytes() + bytes(chunk))
            else:
                self._buf = memoryview(chunk)

    def peek(self, size):
        self._fill(size)
        return self._buf[:size].tobytes()

    def read(self, size):
        self._fill(1)
        piece, self._buf = self._buf[:size], self._buf[size:]
        return piece.tobytes()

    def close(self):
        close = getattr(self._source, 'close', None)
        if close is not None:
            close()


class _Budgeted:
    """The output file, refusing to allocate more than ``budget`` bytes.

    A sparse ``streams.Sink`` writes only data and seeks over zeros, so
    the bytes written are the bytes the file allocates.
    """

    def __init__(self, f, budget, directory):
        self._f = f
        self._budget = budget
        self._directory = directory
        self.allocated = 0

    def write(self, data):
        if self.allocated + len(data) > self._budget:
            raise TooBig(
                'the decompressed image would fill the image conversion '
                'directory %s (%d bytes free, %d kept in reserve)'
                % (self._directory, self._budget + RESERVE, RESERVE))
        self.allocated += len(data)
        return self._f.write(data)

    def __getattr__(self, name):
        return getattr(self._f, name)


def _free_bytes(directory):
    st = os.statvfs(directory)
    return st.f_bavail * st.f_frsize


def _detect(open_source):
    source = _Source(open_source())
    try:
        head = source.peek(formats.HEADER_BYTES * 4)
    finally:
        source.close()
    fmt = formats.detect_compression(head)
    if fmt is None:
        raise exception.UnsupportedCompression(
            'the image is not compressed data of any known format')
    return fmt


def _engines():
    global _ENGINES
    if _ENGINES is None:
        _ENGINES = manager.load_engines()
    return _ENGINES


_ENGINES = None


def _attempt(engine, fmt, open_source, out, limit, budget, directory):
    source = _Source(open_source())
    try:
        return streams.decompress_stream(
            engine, fmt, source, _Budgeted(out, budget, directory),
            getattr(CONF, opts.ENGINE_GROUP).chunk_size, limit=limit)
    except exception.OutputLimitExceeded as exc:
        raise TooBig('the decompressed image is larger than the volume '
                     '(%d bytes)' % exc.limit) from exc
    except OSError as exc:
        if staging.is_out_of_space(exc):
            raise TooBig('no space left in the image conversion directory '
                         '%s' % directory) from exc
        raise
    finally:
        source.close()


def decompress_to_file(open_source, dest, max_size=None):
    """Write the plain data of a compressed image to ``dest``, sparse.

    :param open_source: called with no arguments for every attempt, returns
        the compressed data: a file object or an iterable of bytes (such as
        Glance's download iterator); closed after the attempt if it can be.
    :param dest: the file to write; replaced if it exists, absent on error.
    :param max_size: most plain bytes allowed (see ``volume_limit``) or None.
    :returns: the ``streams.StreamResult`` of the engine that did it.
    :raises TooBig: the output passed ``max_size`` or the directory's room.
    :raises AccelImportError: for anything else; its message is for users.
    """
    directory = os.path.dirname(os.path.abspath(dest))
    budget = max(0, _free_bytes(directory) - RESERVE)
    fmt = _detect(open_source)
    outcome = fallback.run(
        manager.DECOMPRESS, fmt, _engines(), dest,
        lambda engine, out: _attempt(engine, fmt, open_source, out,
                                     max_size, budget, directory))
    result = outcome.result
    LOG.info('Decompressed %s image data with engine %s (%s): %d -> %d '
             'bytes in %.1fs', fmt, result.engine, outcome.why(),
             result.bytes_in, result.bytes_out, result.seconds)
    return result
