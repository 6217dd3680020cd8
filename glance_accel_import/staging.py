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

"""Files in Glance's staging directory: where they are, and how to swap them.

Our temporary files ("work files") are named ``<image_id>.accel_<plugin>``
beside the staged data. A new file replaces the staged one only once it is
complete, synced and inspected; until then the staged original is untouched.

A work file is only ever of use to the task writing it. That task holds a
``claim`` (a shared ``flock``) on the staged file ``<image_id>`` while it
works, so a work file whose staged file is gone or unclaimed belongs to no
live task: its task crashed, or its image was deleted. ``reap_orphans``
removes those, under an exclusive lock on the staged file so that no task
can start work on that image meanwhile. Glance's own staging cleaner only
runs when glance-api starts, and deleting an image removes ``<image_id>``
only.
"""

from collections.abc import Iterator
import contextlib
import errno
import fcntl
import os
from typing import BinaryIO

from oslo_utils import uuidutils

from glance_accel_import import exception

FILE_SCHEME = 'file://'
#: Every work file suffix starts with this (``accel_decompress``, ...).
WORK_SUFFIX_PREFIX = 'accel_'
#: flock errors of filesystems without locks.
_NO_LOCKS = (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL)


def staged_path(file_uri: str) -> str:
    """Return the local path behind a ``file://`` URI from Glance's flow."""
    if not file_uri.startswith(FILE_SCHEME):
        raise ValueError('not a file:// URI: %s' % file_uri)
    return file_uri[len(FILE_SCHEME):]


def work_path(staged: str, image_id: str, suffix: str) -> str:
    """Path of our temporary file ``<image_id>.<suffix>`` beside ``staged``."""
    return os.path.join(os.path.dirname(staged), '%s.%s' % (image_id, suffix))


@contextlib.contextmanager
def claim(staged: str) -> Iterator[None]:
    """Hold a shared lock on ``staged`` while a task works on its image.

    The lock goes with the process: a task killed mid-import leaves its
    work file unclaimed, for ``reap_orphans``. The descriptor is not
    inherited by child processes (engines' tools), which may outlive us.
    """
    fd = os.open(staged, os.O_RDONLY | os.O_CLOEXEC)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
        except OSError as exc:
            if exc.errno not in _NO_LOCKS:
                raise
            # No locks on this filesystem: the reaper's probe fails the
            # same way and then leaves the work file alone.
        yield
    finally:
        os.close(fd)


def _work_file_image(name: str) -> str | None:
    """The image ID of our work file ``name``, or None if it is not one."""
    image_id, dot, suffix = name.partition('.')
    if (dot and suffix.startswith(WORK_SUFFIX_PREFIX)
            and uuidutils.is_uuid_like(image_id)):
        return image_id
    return None


def _reap_unless_claimed(directory: str, image_id: str, work: str) -> bool:
    """Remove ``work`` unless a live task claims ``image_id``'s data."""
    try:
        fd = os.open(os.path.join(directory, image_id),
                     os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        # The upload is gone (image deleted, or import over): no task of
        # ours can be working on it.
        return remove_quietly(work)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        # Held by a live task (EWOULDBLOCK), or no locks on this filesystem:
        # either way, not provably orphaned.
        if exc.errno not in _NO_LOCKS + (errno.EWOULDBLOCK,):
            raise
        return False
    else:
        # Holding the lock: no task can claim the image and start a new
        # work file before this one is gone.
        return remove_quietly(work)
    finally:
        os.close(fd)


def reap_orphans(directory: str) -> list[str]:
    """Remove the work files in ``directory`` that no live task uses.

    Returns the names removed. Files that are not ours are never touched.
    """
    reaped = []
    for name in sorted(os.listdir(directory)):
        image_id = _work_file_image(name)
        if image_id and _reap_unless_claimed(
                directory, image_id, os.path.join(directory, name)):
            reaped.append(name)
    return reaped


def remove_quietly(path: str) -> bool:
    """Remove ``path`` if it exists; a file already gone is not an error.

    Returns True if this call removed it.
    """
    try:
        os.remove(path)
    except FileNotFoundError:
        return False
    return True


@contextlib.contextmanager
def new_file(path: str) -> Iterator[BinaryIO]:
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


def _fsync_directory(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace(new: str, old: str) -> None:
    """Atomically put file ``new`` in place of ``old``, durably.

    :param new: the complete, fsynced work file.
    :param old: the staged file it replaces, in the same directory.
    :raises OSError: the rename failed; ``old`` is then untouched.
    """
    os.replace(new, old)
    _fsync_directory(os.path.dirname(os.path.abspath(old)))


def check_free_space(directory: str, needed: int) -> None:
    """Refuse, before writing anything, if ``directory`` lacks ``needed``.

    :param directory: the staging directory.
    :param needed: bytes the work file may take.
    :raises StagingFull: fewer than ``needed`` bytes are free.
    """
    st = os.statvfs(directory)
    free = st.f_bavail * st.f_frsize
    if free < needed:
        raise exception.StagingFull(
            'the staging area has %d bytes free; this import needs at least '
            '%d' % (free, needed))


def is_out_of_space(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC,
                                                      errno.EDQUOT)
