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

"""Run a job on the first engine that completes it, restarting from byte 0.

This is the one place where an engine failure leads to another engine. The
output of a failed attempt is never kept or continued: the temporary file is
removed and the next engine writes a fresh one from the first byte, so a
result is always the work of exactly one engine. Only ``EngineFailed`` moves
on to the next engine; bad data, a full disk or an output limit fail the
job at once, since another engine would fail the same way.
"""

from collections.abc import Callable
import dataclasses
import typing
from typing import BinaryIO

from oslo_log import log as logging

from glance_accel_import.engines import base
from glance_accel_import.engines import manager
from glance_accel_import import exception
from glance_accel_import import staging

LOG = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """The engine that did the job, its result, and why not the others."""

    engine: base.Engine
    result: typing.Any
    #: 'name: reason' for every engine not tried (refused by the policy,
    #: unavailable, unable to handle the format), in order.
    passed_over: tuple
    #: The ``EngineFailed`` of every engine that was tried and abandoned.
    failures: tuple = ()

    def why(self) -> str:
        """One phrase for logs: why this engine did the work."""
        reasons = list(self.passed_over) + [str(f) for f in self.failures]
        if not reasons:
            return 'first choice'
        return 'after ' + '; '.join(reasons)


def run(operation: str, fmt: str, engines: dict[str, base.Engine],
        path: str,
        stream: Callable[[base.Engine, BinaryIO], typing.Any],
        forced: str | None = None,
        on_restart: Callable[[base.Engine, Exception], None] | None = None
        ) -> Outcome:
    """Write ``path`` with ``stream(engine, file)``, engine after engine.

    :param operation: ``manager.COMPRESS`` or ``manager.DECOMPRESS``.
    :param fmt: the format written or read.
    :param engines: engines by name (``manager.load_engines``).
    :param path: the work file; every attempt starts it again, empty.
    :param stream: ``stream(engine, file)`` does the job and returns a
        ``streams.StreamResult``.
    :param forced: one engine name, with no fallback.
    :param on_restart: called as ``on_restart(engine, error)`` after each
        failed attempt (to reset progress bars).
    :returns: an ``Outcome``.
    :raises NoEngineAvailable: every engine failed or was refused; the
        work file is removed.
    :raises AccelImportError: bad data (not retried); the work file is
        removed.
    """
    usable, passed_over = manager.candidates(operation, fmt, engines,
                                             forced=forced)
    failures = []
    for engine in usable:
        try:
            with staging.new_file(path) as out:
                result = stream(engine, out)
        except exception.EngineFailed as exc:
            failures.append(exc)
            LOG.warning('%s; its partial output %s is discarded and the '
                        'next allowed engine starts again from byte 0',
                        exc, path)
            if on_restart is not None:
                on_restart(engine, exc)
            continue
        return Outcome(engine, result, tuple(passed_over), tuple(failures))
    raise manager.no_engine(operation, fmt, passed_over + [
        '%s: %s' % (failure.engine, failure) for failure in failures])
