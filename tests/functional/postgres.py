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

"""A throwaway PostgreSQL server on 127.0.0.1 for Glance's database.

SQLite serialises writers and loses tasks under concurrent imports, so the
load test runs Glance on a real server database: Debian's postgresql
binaries, a fresh cluster in a temporary directory, trust authentication on
loopback only. PostgreSQL refuses to run as root, so as root the cluster
belongs to the ``postgres`` system user.
"""

import glob
import os
import pwd
import shutil
import subprocess

import fixtures

from glance_accel_import.devtools.embedded import server


def find_bindir():
    """The newest Debian PostgreSQL bin directory, or None."""
    candidates = sorted(glob.glob('/usr/lib/postgresql/*/bin/postgres'),
                        key=lambda p: int(p.split('/')[4]))
    return os.path.dirname(candidates[-1]) if candidates else None


class PostgresServer(fixtures.Fixture):

    def __init__(self, bindir):
        super().__init__()
        self.bindir = bindir
        self.port = None

    def _run(self, *args):
        command = [os.path.join(self.bindir, args[0])] + list(args[1:])
        if os.geteuid() == 0:
            command = ['runuser', '-u', 'postgres', '--'] + command
        subprocess.run(command, check=True, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)

    def _setUp(self):
        self.root = self.useFixture(fixtures.TempDir()).path
        if os.geteuid() == 0:
            user = pwd.getpwnam('postgres')
            os.chmod(self.root, 0o755)
            shutil.chown(self.root, user.pw_uid, user.pw_gid)
        self.datadir = os.path.join(self.root, 'data')
        self.port = server.free_port()
        self._run('initdb', '-D', self.datadir, '-A', 'trust', '-U',
                  'glance', '--no-sync')
        self._run('pg_ctl', '-D', self.datadir, '-w', '-l',
                  os.path.join(self.root, 'postgres.log'), '-o',
                  '-c listen_addresses=127.0.0.1 -p %d -k %s '
                  '-c fsync=off -c max_connections=200'
                  % (self.port, self.root), 'start')
        self.addCleanup(self._run, 'pg_ctl', '-D', self.datadir, '-m',
                        'fast', '-w', 'stop')
        self._run('createdb', '-h', '127.0.0.1', '-p', str(self.port), '-U',
                  'glance', 'glance')

    @property
    def url(self):
        return ('postgresql+psycopg2://glance@127.0.0.1:%d/glance'
                % self.port)


class OnPostgres:
    """Mixin for a functional test class whose glance-api uses PostgreSQL.

    For concurrency claims: Glance on SQLite answers concurrent writes with
    "database is locked". Skips, saying why, where PostgreSQL is missing.
    """

    def database_url(self):
        bindir = find_bindir()
        if bindir is None:
            self.skipTest('PostgreSQL server binaries not installed '
                          '(Debian: postgresql)')
        return self.useFixture(PostgresServer(bindir)).url
