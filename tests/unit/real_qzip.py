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

"""Where a real QATzip ``qzip`` is, or why there is none.

One finder for every test that needs the real tool (never the fake in
``tests/fakes/bin``): ``$QATZIP_QZIP`` first (a qzip built from source, see
"Checked against the real QATzip" in doc/source/qat-operator-guide.rst),
then ``PATH`` (apt's ``qatzip`` where the system offers it), then Debian
13's package that ``tools/qatzip-env.sh`` unpacks into ``.venv/qatzip``
elsewhere. Without one, the reason says why.
"""

import functools
import os
import shutil
import subprocess

from tests import paths

#: Where tools/qatzip-env.sh puts Debian 13's qzip (run by setup-env.sh).
UNPACKED_QZIP = os.path.join(paths.REPO, '.venv', 'qatzip', 'qzip')


def _os_name():
    try:
        with open('/etc/os-release') as f:
            for line in f:
                if line.startswith('PRETTY_NAME='):
                    return line.split('=', 1)[1].strip().strip('"')
    except OSError:
        pass
    return 'this system'


def _why_none():
    try:
        policy = subprocess.run(['apt-cache', 'policy', 'qatzip'],
                                stdout=subprocess.PIPE, text=True).stdout
    except OSError:
        return ('qzip is not installed and apt-cache is not available '
                'to look for the qatzip package')
    candidate = [line.split(':', 1)[1].strip()
                 for line in policy.splitlines()
                 if line.strip().startswith('Candidate:')]
    if not candidate or candidate[0] == '(none)':
        return ('real QATzip qzip not installed: apt offers no qatzip '
                'package on %s (Debian ships it from 13, trixie) and %s is '
                'missing: run tools/qatzip-env.sh (its log: .venv/qatzip/'
                'fetch.log), or set $QATZIP_QZIP to one built from source '
                '(see "Checked against the real QATzip" in doc/source/'
                'qat-operator-guide.rst)' % (_os_name(), UNPACKED_QZIP))
    return ('real QATzip qzip not installed although apt offers qatzip %s: '
            'run tools/setup-env.sh' % candidate[0])


@functools.lru_cache()
def find():
    """(path, None) for a real QATzip qzip, or (None, why not)."""
    fake_bin = os.path.realpath(paths.FAKE_BIN)
    unpacked = UNPACKED_QZIP if os.access(UNPACKED_QZIP, os.X_OK) else None
    for path in (os.environ.get('QATZIP_QZIP'), shutil.which('qzip'),
                 unpacked):
        if path and os.path.dirname(os.path.realpath(path)) != fake_bin:
            return path, None
    return None, _why_none()
