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

"""Check every option of ours before any work starts.

oslo.config parses a value only when it is first read, so a bad value in a
file would surface as a traceback in the middle of a job. Reading every
option up front turns each bad value into one line that names the file, the
option, the value and what is allowed.
"""

from oslo_config import cfg
from oslo_config import types

from glance_accel_import import opts

#: Where oslo.config's message says why a value is bad.
_REASON_MARK = ' is not valid: '


def allowed_values(opt):
    """What ``opt`` accepts, in words an operator can act on."""
    kind = opt.type
    if isinstance(kind, types.Boolean):
        return 'true or false'
    if isinstance(kind, types.Integer):
        low = kind.min if kind.min is not None else None
        high = kind.max if kind.max is not None else None
        if low is not None and high is not None:
            return 'an integer from %d to %d' % (low, high)
        if low is not None:
            return 'an integer of at least %d' % low
        return 'an integer'
    if isinstance(kind, types.String) and kind.choices:
        return 'one of %s' % ', '.join(kind.choices)
    if isinstance(kind, types.List):
        return 'a comma-separated list'
    return 'a string'


def _raw_value(files, group, name):
    """The last file in ``files`` that sets ``[group] name``, and its text."""
    found = None, None
    for path in files:
        sections = {}
        try:
            cfg.ConfigParser(path, sections).parse()
        except (OSError, cfg.ParseError):
            continue
        values = sections.get(group, {}).get(name)
        if values:
            found = path, values[-1]
    return found


def _reason(exc):
    text = str(exc)
    return text.split(_REASON_MARK, 1)[1] if _REASON_MARK in text else text


def option_problem(files, group, opt, exc):
    """One line for an option whose configured value does not parse."""
    path, raw = _raw_value(files, group, opt.dest)
    return '%s: [%s] %s = %r is not valid (%s); allowed: %s' % (
        path or 'configuration', group, opt.dest, raw, _reason(exc),
        allowed_values(opt))


def check_options(conf, files, option_groups):
    """Read every option; return one line per bad value.

    :param conf: the parsed ``cfg.ConfigOpts``
    :param files: the configuration files read, lowest precedence first
    :param option_groups: ``[(group, [opt, ...]), ...]`` to check
    :returns: a list of one-line problems, empty if all is well
    """
    problems = []
    for group, group_opts in option_groups:
        conf.register_opts(group_opts, group=group)
        for opt in group_opts:
            try:
                getattr(conf[group], opt.dest)
            except (cfg.ConfigFileValueError, ValueError) as exc:
                problems.append(option_problem(files, group, opt, exc))
    return problems


def check_engine_order(conf, installed):
    """A line for each ``engine_order`` name that is not installed."""
    order = getattr(conf, opts.ENGINE_GROUP).engine_order
    return ['[%s] engine_order names %s, which is not installed here '
            '(installed: %s)' % (opts.ENGINE_GROUP, name,
                                 ', '.join(sorted(installed)) or 'none')
            for name in order if name not in installed]
