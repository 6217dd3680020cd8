"""Load engines from their entry points and choose one for a job."""

import dataclasses

from oslo_config import cfg
from oslo_log import log as logging
from stevedore import extension

from glance_accel_import import exception
from glance_accel_import import opts

LOG = logging.getLogger(__name__)
CONF = cfg.CONF
opts.register_opts(CONF)

NAMESPACE = 'glance_accel_import.engines'

COMPRESS = 'compress'
DECOMPRESS = 'decompress'


def _log_load_failure(manager, entrypoint, exc):
    LOG.warning('Could not load compression engine %s: %s',
                entrypoint.name, exc)


def load_engines():
    """Return every installed engine, by name."""
    manager = extension.ExtensionManager(
        NAMESPACE, invoke_on_load=True,
        on_load_failure_callback=_log_load_failure)
    return {ext.name: ext.obj for ext in manager}


@dataclasses.dataclass(frozen=True)
class EngineStatus:
    """An engine as the operator sees it in ``glance-accel-import engines``."""

    name: str
    available: bool
    hardware: bool
    reason: str
    reads: tuple
    writes: tuple


def describe(engines):
    """Return an ``EngineStatus`` for every engine, in name order."""
    result = []
    for name in sorted(engines):
        engine = engines[name]
        probe = engine.probe()
        result.append(EngineStatus(name, probe.available, probe.hardware,
                                   probe.reason, tuple(sorted(engine.reads)),
                                   tuple(sorted(engine.writes))))
    return result


def _handles(engine, operation, fmt):
    formats = engine.writes if operation == COMPRESS else engine.reads
    return fmt in formats


def _refusal(engine, operation, fmt, allow_software):
    """Why ``engine`` cannot do this job here, or None if it can."""
    if not _handles(engine, operation, fmt):
        return 'cannot %s %s' % (operation, fmt)
    probe = engine.probe()
    if not probe.available:
        return 'unavailable: %s' % probe.reason
    if not probe.hardware and not allow_software:
        return 'software engine, and allow_software_fallback is False'
    return None


def default_order(engines):
    """Hardware engines first, then software engines fastest first."""
    def rank(name):
        engine = engines[name]
        return (not engine.hardware, -engine.speed_rank, name)
    return sorted(engines, key=rank)


def select(operation, fmt, engines, order=None, allow_software=None,
           forced=None):
    """Return the engine that should ``operation`` (compress/decompress) fmt.

    ``forced`` names one engine and bypasses the order and fallback policy.
    Raises ``NoEngineAvailable`` with every candidate's reason otherwise.
    """
    group = getattr(CONF, opts.ENGINE_GROUP)
    if forced is not None:
        names, allow_software = [forced], True
    else:
        names = group.engine_order if order is None else order
        names = names or default_order(engines)
        if allow_software is None:
            allow_software = group.allow_software_fallback
    reasons = []
    for name in names:
        engine = engines.get(name)
        if engine is None:
            reasons.append('%s: not installed' % name)
            continue
        refusal = _refusal(engine, operation, fmt, allow_software)
        if refusal is None:
            return engine
        reasons.append('%s: %s' % (name, refusal))
    raise exception.NoEngineAvailable(
        'no compression engine can %s %s (%s)'
        % (operation, fmt, '; '.join(reasons) or 'no engine configured'))
