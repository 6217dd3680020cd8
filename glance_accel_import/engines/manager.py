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

"""Load engines from their entry points and choose one for a job."""

from collections.abc import Iterable
import dataclasses
import typing

from oslo_config import cfg
from oslo_log import log as logging
from stevedore import extension

from glance_accel_import.engines import base
from glance_accel_import import exception
from glance_accel_import import opts

LOG = logging.getLogger(__name__)
CONF = cfg.CONF
#: Engines by name, as ``load_engines`` returns them.
Engines = dict[str, base.Engine]
opts.register_opts(CONF)

NAMESPACE = opts.ENGINE_NAMESPACE

COMPRESS = 'compress'
DECOMPRESS = 'decompress'


def _log_load_failure(manager: typing.Any, entrypoint: typing.Any,
                      exc: BaseException) -> None:
    LOG.warning('Could not load compression engine %s: %s',
                entrypoint.name, exc)


def load_engines(extensions: Iterable[typing.Any] | None = None
                 ) -> Engines:
    """Return every installed engine, by name.

    :param extensions: a stevedore ``ExtensionManager`` holding engine
        objects; tests pass ``ExtensionManager.make_test_instance``. By
        default the ``glance_accel_import.engines`` entry points, each
        engine instantiated (which registers its options) and one that
        fails to load logged and left out.
    :returns: ``{name: engine}``.
    """
    if extensions is None:
        extensions = extension.ExtensionManager(
            NAMESPACE, invoke_on_load=True,
            on_load_failure_callback=_log_load_failure)
    return {ext.name: ext.obj for ext in extensions if ext.obj is not None}


@dataclasses.dataclass(frozen=True)
class EngineStatus:
    """An engine as the operator sees it in ``glance-accel-import engines``."""

    name: str
    available: bool
    hardware: bool
    reason: str
    reads: tuple
    writes: tuple


def describe(engines: Engines) -> list['EngineStatus']:
    """Return an ``EngineStatus`` for every engine, in name order."""
    result = []
    for name in sorted(engines):
        engine = engines[name]
        probe = engine.probe()
        result.append(EngineStatus(name, probe.available, probe.hardware,
                                   probe.reason, tuple(sorted(engine.reads)),
                                   tuple(sorted(engine.writes))))
    return result


def _handles(engine: base.Engine, operation: str, fmt: str) -> bool:
    formats = engine.writes if operation == COMPRESS else engine.reads
    return fmt in formats


PREFER_HARDWARE = 'prefer_hardware'
HARDWARE_ONLY = 'hardware_only'
SOFTWARE_ONLY = 'software_only'


def fallback_policy() -> str:
    """The configured policy: which kinds of engine may work."""
    return getattr(CONF, opts.ENGINE_GROUP).fallback_policy


def _refusal(engine: base.Engine, policy: str) -> str | None:
    """Why ``engine``, which handles the format, cannot work here, or None."""
    if policy == HARDWARE_ONLY and not engine.hardware:
        return 'software engine, and fallback_policy is %s' % policy
    if policy == SOFTWARE_ONLY and engine.hardware:
        return 'hardware engine, and fallback_policy is %s' % policy
    probe = engine.probe()
    if not probe.available:
        return 'unavailable: %s' % probe.reason
    return None


def default_order(engines: Engines) -> list[str]:
    """Hardware engines first, then software engines fastest first."""
    def rank(name: str) -> tuple:
        engine = engines[name]
        return (not engine.hardware, -engine.speed_rank, name)
    return sorted(engines, key=rank)


def candidates(operation: str, fmt: str, engines: Engines,
               order: list[str] | None = None, policy: str | None = None,
               forced: str | None = None
               ) -> tuple[list[base.Engine], list[str]]:
    """Engines that may ``operation`` fmt, in order, and why not the others.

    Returns ``(usable, reasons)``: the engines to try, best first, and one
    ``'name: reason'`` for each engine passed over. ``forced`` names one
    engine and bypasses the order and fallback policy.
    """
    group = getattr(CONF, opts.ENGINE_GROUP)
    if forced is not None:
        names, policy = [forced], PREFER_HARDWARE
    else:
        names = group.engine_order if order is None else order
        names = names or default_order(engines)
        policy = policy or fallback_policy()
    usable, reasons, unfit = [], [], []
    handled = False
    for name in names:
        engine = engines.get(name)
        if engine is None:
            reasons.append('%s: not installed' % name)
            continue
        if not _handles(engine, operation, fmt):
            unfit.append('%s: cannot %s %s' % (name, operation, fmt))
            continue
        handled = True
        refusal = _refusal(engine, policy)
        if refusal is None:
            usable.append(engine)
        else:
            reasons.append('%s: %s' % (name, refusal))
    # Engines made for other formats are worth naming only when no engine
    # handles this one at all.
    if not handled:
        reasons += unfit
    return usable, reasons


def no_engine(operation: str, fmt: str,
              reasons: list[str]) -> exception.NoEngineAvailable:
    return exception.NoEngineAvailable(
        'no compression engine can %s %s (%s)'
        % (operation, fmt, '; '.join(reasons) or 'no engine configured'))


def select(operation: str, fmt: str, engines: Engines,
           order: list[str] | None = None, forced: str | None = None,
           policy: str | None = None) -> base.Engine:
    """Return the engine that should ``operation`` (compress/decompress) fmt.

    :param operation: ``COMPRESS`` or ``DECOMPRESS``.
    :param fmt: a format from ``formats``.
    :param engines: engines by name (``load_engines``).
    :param order: engine names, best first; default ``[accel_import]
        engine_order`` or, if empty, hardware then speed.
    :param forced: one engine name; bypasses the order and the policy.
    :param policy: a fallback policy; default ``[accel_import]
        fallback_policy``.
    :returns: the first usable engine.
    :raises NoEngineAvailable: none is usable; it carries every reason.
    """
    usable, reasons = candidates(operation, fmt, engines, order, policy,
                                 forced)
    if not usable:
        raise no_engine(operation, fmt, reasons)
    return usable[0]


@dataclasses.dataclass(frozen=True)
class Choice:
    """The engine that would do one operation on one format, and why."""

    operation: str
    fmt: str
    #: The engine's name, or None if no engine may do it.
    engine: typing.Optional[str]
    #: Why this engine: the order and policy that picked it.
    why: str
    #: 'name: reason' for every engine passed over before it.
    passed_over: tuple


def order_description(engines: Engines) -> str:
    """The order and policy that pick engines, in words."""
    group = getattr(CONF, opts.ENGINE_GROUP)
    if group.engine_order:
        order = 'engine_order %s' % ','.join(group.engine_order)
    else:
        order = ('the default order (hardware first, then software fastest '
                 'first: %s)' % ','.join(default_order(engines)))
    return '%s, fallback_policy %s' % (order, fallback_policy())


def plan(engines: Engines) -> list['Choice']:
    """A ``Choice`` for every operation and format some engine handles."""
    order = order_description(engines)
    choices = []
    for operation, attribute in ((COMPRESS, 'writes'),
                                 (DECOMPRESS, 'reads')):
        handled = set()
        for engine in engines.values():
            handled.update(getattr(engine, attribute))
        for fmt in sorted(handled):
            usable, reasons = candidates(operation, fmt, engines)
            name = usable[0].name if usable else None
            why = ('first usable engine in %s' % order if usable
                   else 'no engine allowed by %s' % order)
            choices.append(Choice(operation, fmt, name, why, tuple(reasons)))
    return choices
