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

"""Where ``compress`` and ``decompress`` write, without ever losing a file.

Invariants:

* The source is never written: a destination that is the source itself
  (by name, symlink or hard link) is refused before anything is opened.
* An existing destination is replaced only with ``--force``, and only once
  the new data is complete: the output is written to a hidden temporary
  file beside it and renamed over it at the end.
* No failure leaves that temporary file behind: errors, a full disk, Ctrl-C
  (SIGINT) and SIGTERM all remove it before the command exits.
"""

import contextlib
import os
import signal
import tempfile

from glance_accel_import import exception
from glance_accel_import import staging


class DestinationRefused(exception.AccelImportError):
    """The destination cannot be written safely; nothing was touched."""


class Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C so that clean-ups run."""

    exit_code = 128 + signal.SIGTERM


def check(src, dst, force):
    """Refuse a destination that would lose data or cannot be written.

    :param src: the source path
    :param dst: the destination path
    :param force: whether an existing destination may be replaced
    :raises DestinationRefused: with a one-line reason
    """
    directory = os.path.dirname(os.path.abspath(dst))
    if os.path.isdir(dst):
        raise DestinationRefused('%s is a directory; give a file name' % dst)
    if not os.path.isdir(directory):
        raise DestinationRefused('directory %s does not exist' % directory)
    if not os.path.exists(dst):
        return
    if os.path.exists(src) and os.path.samefile(src, dst):
        raise DestinationRefused(
            '%s and %s are the same file; the source would be destroyed'
            % (src, dst))
    if not force:
        raise DestinationRefused(
            '%s exists; use --force to replace it' % dst)


def partial_path(dst):
    """A new, unique hidden file beside ``dst`` for the output in progress."""
    fd, path = tempfile.mkstemp(
        prefix='.%s.' % os.path.basename(dst), suffix='.partial',
        dir=os.path.dirname(os.path.abspath(dst)))
    os.close(fd)
    return path


@contextlib.contextmanager
def written_atomically(dst):
    """Yield a temporary path; rename it to ``dst`` if the block succeeds.

    The temporary file is removed on any failure, including interrupts.
    """
    tmp = partial_path(dst)
    try:
        yield tmp
        staging.replace(tmp, dst)
    finally:
        staging.remove_quietly(tmp)


def _raise_terminated(signum, frame):
    raise Terminated()


@contextlib.contextmanager
def sigterm_unwinds():
    """Turn SIGTERM into an exception for the duration, so finally runs."""
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
