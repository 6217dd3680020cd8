"""Files in Glance's staging directory: where they are, and how to swap them.

Our temporary files are named ``<image_id>.<suffix>`` beside the staged data,
so Glance's staging cleaner reaps them if a node dies mid-import. A new file
replaces the staged one only once it is complete, synced and inspected; until
then the staged original is untouched.
"""

import contextlib
import errno
import os

from glance_accel_import import exception

FILE_SCHEME = 'file://'


def staged_path(file_uri):
    """Return the local path behind a ``file://`` URI from Glance's flow."""
    if not file_uri.startswith(FILE_SCHEME):
        raise ValueError('not a file:// URI: %s' % file_uri)
    return file_uri[len(FILE_SCHEME):]


def file_uri(path):
    return FILE_SCHEME + path


def work_path(staged, image_id, suffix):
    """Path of our temporary file ``<image_id>.<suffix>`` beside ``staged``."""
    return os.path.join(os.path.dirname(staged), '%s.%s' % (image_id, suffix))


def remove_quietly(path):
    """Remove ``path`` if it exists; a file already gone is not an error."""
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


@contextlib.contextmanager
def new_file(path):
    """Open ``path`` for writing from scratch; remove it again on error.

    A leftover from an earlier, interrupted attempt is discarded first: output
    is never appended to partial data. On success the data is on disk
    (fsync) before the context ends.
    """
    remove_quietly(path)
    try:
        with open(path, 'xb') as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        remove_quietly(path)
        raise


def _fsync_directory(path):
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace(new, old):
    """Atomically put file ``new`` in place of ``old``, durably."""
    os.replace(new, old)
    _fsync_directory(os.path.dirname(os.path.abspath(old)))


def check_free_space(directory, needed):
    """Refuse, before writing anything, if ``directory`` lacks ``needed``."""
    st = os.statvfs(directory)
    free = st.f_bavail * st.f_frsize
    if free < needed:
        raise exception.StagingFull(
            'the staging area has %d bytes free; this import needs at least '
            '%d' % (free, needed))


def is_out_of_space(exc):
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC,
                                                      errno.EDQUOT)
