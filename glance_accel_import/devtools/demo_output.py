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

"""How the demo speaks: numbered steps, usual times, reports and checks.

Invariants: results go to stdout (progress, on stderr, is ``progress``'s
job); every check is printed as it is made, and ``verdict`` turns the
checks into the exit status.
"""

import os

from oslo_utils import units


#: Seconds each step took on the 2-core development machine (December
#: 2026, load average about 9 from other jobs: a quiet machine is faster)
#: for the default 256 MiB image. Steps that depend on the size are
#: scaled to the image size asked for.
USUAL_SECONDS = {'build': 9, 'glance': 20, 'qcow2': 1, 'import_a': 12,
                 'check_a': 2, 'import_b': 10, 'check_b': 3}
_FIXED = {'glance'}
DEFAULT_IMAGE_MIB = 256


def usual(step, image_mib):
    seconds = USUAL_SECONDS[step]
    if step not in _FIXED:
        seconds = seconds * image_mib / DEFAULT_IMAGE_MIB
    return max(1, round(seconds))


class Checks:
    """Named pass/fail results, printed as they are made."""

    def __init__(self):
        self.results = []

    def check(self, name, ok, detail=''):
        ok = bool(ok)
        self.results.append((name, ok))
        print('  check  %-52s %s' % (name, 'ok' if ok else
                                     'FAILED' + (': ' + detail if detail
                                                 else '')))
        return ok

    @property
    def failed(self):
        return [name for name, ok in self.results if not ok]


def report(lines):
    width = max(len(k) for k, _ in lines)
    for key, value in lines:
        print('  %s  %s' % (key.ljust(width), value))


class _Steps:
    """Numbers the demo's steps: ``[3/7] what (usually ~N s)``."""

    total = 0
    done = 0


def start_steps(total):
    _Steps.total, _Steps.done = total, 0


def step(text, seconds):
    _Steps.done += 1
    print('\n[%d/%d] %s (usually ~%d s)'
          % (_Steps.done, _Steps.total, text, seconds), flush=True)


def mib(n):
    return '%.1f MiB' % (n / units.Mi)


def allocated(path):
    return os.stat(path).st_blocks * 512


def verdict(checks):
    """Print the summary; return the exit status (1 if any check failed)."""
    if checks.failed or not checks.results:
        print('\n%d of %d checks FAILED: %s' % (
            len(checks.failed), len(checks.results),
            '; '.join(checks.failed) or 'no check ran'))
        return 1
    print('\nAll %d checks passed.' % len(checks.results))
    return 0
