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

"""The whole cloud's PostgreSQL phase from a checkout postgres cannot enter.

``tools/cloud/postgres.sh`` as ``tools/cloud.sh up`` runs it, with real
PostgreSQL, for a ``CLOUD_DIR`` in a 0700 directory (``mktemp -d``): the
cluster is kept in postgres's home, linked from the cloud, and removed by
the next ``up`` once its cloud is deleted. On its own port, so a cloud
running here is not disturbed.
"""

import os
import subprocess
import tempfile

import fixtures
import testtools

from glance_accel_import.devtools.embedded import server
from tests.functional import postgres
from tests import paths


class TestPrivateCheckout(testtools.TestCase):

    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest('needs root: only as root does the cluster belong '
                          'to the postgres user, who may not enter a 0700 '
                          'directory')
        if postgres.find_bindir() is None:
            self.skipTest('PostgreSQL server binaries not installed '
                          '(Debian: postgresql)')
        self.port = str(server.free_port())

    def private_cloud(self):
        """A CLOUD_DIR inside a new 0700 directory, removed at the end."""
        parent = tempfile.mkdtemp()  # 0700, as mktemp -d
        self.addCleanup(subprocess.run, ['rm', '-rf', parent])
        return os.path.join(parent, '.cloud')

    def phase(self, cloud_dir, *commands):
        """Run the postgres phase's functions, as tools/cloud.sh does."""
        script = ('set -euo pipefail; source tools/cloud/lib.sh; '
                  'source tools/cloud/postgres.sh; ' + '; '.join(commands))
        env = dict(os.environ, CLOUD_DIR=cloud_dir, CLOUD_PG_PORT=self.port)
        done = subprocess.run(['bash', '-c', script], cwd=paths.REPO, env=env,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        self.assertEqual(0, done.returncode, done.stdout)
        return done.stdout

    def aside(self, cloud_dir):
        link = os.readlink(os.path.join(cloud_dir, 'data', 'postgres'))
        return os.path.dirname(link)

    def test_cluster_aside_then_swept_with_its_cloud(self):
        first = self.private_cloud()
        out = self.phase(first, 'postgres_up', 'psql_q "SELECT 1"')
        self.assertIn('the postgres user cannot enter', out)
        self.assertEqual('1', out.strip().splitlines()[-1])
        first_aside = self.aside(first)
        self.addCleanup(subprocess.run, ['rm', '-rf', first_aside])
        self.assertTrue(first_aside.startswith(
            '/var/lib/postgresql/glance-accel-import/'))
        with open(os.path.join(first_aside, 'cloud-dir')) as f:
            self.assertEqual(first, f.read().strip())
        self.assertTrue(os.path.islink(
            os.path.join(first, 'log', 'postgres.log')))

        # A second up of the same cloud keeps its cluster and its data.
        self.phase(first, 'postgres_down', 'postgres_up',
                   'psql_q "CREATE DATABASE kept" >/dev/null')
        out = self.phase(first, 'postgres_up', 'psql_q "SELECT datname '
                         'FROM pg_database WHERE datname = \'kept\'"')
        self.assertEqual('kept', out.strip().splitlines()[-1])

        # Deleted with its server running: the next up of another cloud
        # stops that server and removes the cluster.
        subprocess.run(['rm', '-rf', os.path.dirname(first)], check=True)
        second = self.private_cloud()
        out = self.phase(second, 'postgres_up', 'psql_q "SELECT 1"')
        # Cleanups run last first: the server stops, then its files go.
        self.addCleanup(subprocess.run, ['rm', '-rf', self.aside(second)])
        self.addCleanup(self.phase, second, 'postgres_down')
        self.assertIn('removed the PostgreSQL cluster of the deleted %s'
                      % first, out)
        self.assertFalse(os.path.exists(first_aside))
        self.assertEqual('1', out.strip().splitlines()[-1])

    def test_a_reachable_checkout_keeps_the_cluster_inside(self):
        parent = self.useFixture(fixtures.TempDir()).path
        os.chmod(parent, 0o755)
        if subprocess.run(['runuser', '-u', 'postgres', '--', 'test', '-x',
                           parent]).returncode:
            self.skipTest('the postgres user cannot enter the temporary '
                          'directory %s either' % parent)
        cloud_dir = os.path.join(parent, '.cloud')
        self.addCleanup(self.phase, cloud_dir, 'postgres_down')
        out = self.phase(cloud_dir, 'postgres_up', 'psql_q "SELECT 1"')
        self.assertNotIn('cannot enter', out)
        data = os.path.join(cloud_dir, 'data', 'postgres')
        self.assertFalse(os.path.islink(data))
        self.assertTrue(os.path.isfile(os.path.join(data, 'PG_VERSION')))
