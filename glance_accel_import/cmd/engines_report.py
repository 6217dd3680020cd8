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

"""``glance-accel-import engines``: what is installed and what will happen.

The report has three parts: every engine with its probe's verdict, the
engine that would do each operation on each format under the configuration
read (and why), and every configuration problem found. Any problem makes the
command exit non-zero, so a configuration check can gate a deployment.
"""

import dataclasses
import json
import sys

from oslo_config import cfg

from glance_accel_import.cmd import config_check
from glance_accel_import.engines import manager
from glance_accel_import import opts

CONF = cfg.CONF


def stored_format():
    """The format ``accel_compress`` writes, as configured."""
    return getattr(CONF, opts.COMPRESS_GROUP).format


def problems(engines, choices):
    """Configuration errors that would make imports fail."""
    found = config_check.check_engine_order(CONF, engines)
    wanted = stored_format()
    for choice in choices:
        if (choice.operation, choice.fmt) == (manager.COMPRESS, wanted) \
                and choice.engine is None:
            found.append('[%s] format = %s, but no engine may compress %s '
                         '(%s): every import of a compressed image would '
                         'fail' % (opts.COMPRESS_GROUP, wanted, wanted,
                                   '; '.join(choice.passed_over)))
    return found


def _status_line(s):
    return '%-8s %-13s %-8s reads=%s writes=%s  %s' % (
        s.name, 'available' if s.available else 'unavailable',
        'hardware' if s.hardware else 'software',
        ','.join(s.reads) or '-', ','.join(s.writes) or '-', s.reason)


def _choice_line(choice):
    line = '%-10s %-6s -> %s' % (choice.operation, choice.fmt,
                                 choice.engine or 'none')
    if (choice.operation, choice.fmt) == (manager.COMPRESS, stored_format()):
        line += '  [accel_compress stores images this way]'
    if choice.passed_over:
        line += '  (passed over: %s)' % '; '.join(choice.passed_over)
    return line


def report(engines, as_json, files):
    """Print the report; return 1 if the configuration has problems."""
    statuses = manager.describe(engines)
    choices = manager.plan(engines)
    errors = problems(engines, choices)
    if as_json:
        print(json.dumps({
            'config_files': files,
            'accel_compress_format': stored_format(),
            'engines': [dataclasses.asdict(s) for s in statuses],
            'choices': [dataclasses.asdict(c) for c in choices],
            'problems': errors,
        }, indent=2))
    else:
        print('Engines:')
        for status in statuses:
            print('  ' + _status_line(status))
        print('Configuration read: %s' % (', '.join(files) or
                                          'none (defaults)'))
        print('Engine for each job, by %s:' % manager.order_description(
            engines))
        for choice in choices:
            print('  ' + _choice_line(choice))
        for error in errors:
            print('glance-accel-import engines: error: %s' % error,
                  file=sys.stderr)
    return 1 if errors else 0


def self_test(engines, sample_bytes, as_json):
    """Self-test each engine, printing each as it finishes."""
    from glance_accel_import import selftest
    results = []
    for result in selftest.run(engines, sample_bytes):
        results.append(result)
        if not as_json:
            for line in _self_test_lines(result):
                print(line, flush=True)
    if as_json:
        print(json.dumps([dict(dataclasses.asdict(r), ok=r.ok)
                          for r in results], indent=2))
    return 0 if all(r.ok for r in results) else 1


def _self_test_lines(result):
    kind = 'hardware' if result.hardware else 'software'
    if not result.available:
        return ['%-8s %-8s skipped: %s' % (result.name, kind, result.reason)]
    lines = []
    for step in result.steps:
        if step.ok:
            extra = ['ratio %.2f' % step.ratio] if step.ratio else []
            extra += [step.detail] if step.detail else []
            lines.append(('%-8s %-8s ok      %-10s %-6s %7.0f MB/s  %s' % (
                result.name, kind, step.operation, step.fmt,
                step.mb_per_s, ', '.join(extra))).rstrip())
        else:
            lines.append('%-8s %-8s FAILED  %-10s %-6s %s' % (
                result.name, kind, step.operation, step.fmt, step.detail))
    return lines
