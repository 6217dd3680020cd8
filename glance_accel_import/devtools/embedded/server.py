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

"""Run glance-api under gunicorn, as Glance 33 no longer serves itself.

The server gets its own work directory, port and process group, so that
stopping it also stops anything it started and leaves no state behind
except what is in the work directory.
"""

import collections
import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request

from glance_accel_import.devtools.embedded import config

#: Identity the trusted paste pipeline accepts in place of a Keystone token.
PROJECT_ID = '5c0de1a2b3c4d5e6f708192a3b4c5d6e'
USER_ID = 'accel-import-tester'
ROLES = 'admin,member,reader'


def free_port():
    """A port that was free a moment ago; good enough on a test machine."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _tool(python, script, module):
    """The console script installed beside ``python``, else ``-m module``."""
    path = os.path.join(os.path.dirname(python), script)
    if os.access(path, os.X_OK):
        return [path]
    return [python, '-m', module]


def identity_headers():
    return {
        'X-Identity-Status': 'Confirmed',
        'X-Roles': ROLES,
        'X-Project-Id': PROJECT_ID,
        'X-User-Id': USER_ID,
    }


class EmbeddedGlance:
    """A glance-api on 127.0.0.1 that trusts identity headers."""

    def __init__(self, workdir, plugins=(), import_options=None,
                 image_size_cap=None, database_url=None, port=None,
                 python=None, api_options=None):
        self.workdir = os.path.abspath(workdir)
        self.plugins = list(plugins)
        self.import_options = import_options or {}
        self.image_size_cap = image_size_cap
        self.database_url = database_url
        self.port = port
        self.python = python or sys.executable
        self.api_options = api_options
        self.layout = config.Layout(self.workdir)
        self._process = None

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.port

    @property
    def staging_dir(self):
        return self.layout.staging_dir

    @property
    def store_dir(self):
        return self.layout.store_dir

    @property
    def log_path(self):
        return self.layout.log_path

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def start(self, timeout=120, on_phase=None):
        """Start and wait for /healthcheck; ``on_phase(text)`` names steps."""
        on_phase = on_phase or (lambda text: None)
        if self.port is None:
            self.port = free_port()
        config.write_config(self.workdir, self.port, self.plugins,
                            self.import_options, self.image_size_cap,
                            self.database_url, self.api_options)
        deadline = time.monotonic() + timeout
        try:
            on_phase('creating its database (glance-manage db_sync)')
            self._db_sync(timeout)
            self._sqlite_wal()
            on_phase('loading Glance in gunicorn')
            self._spawn()
            self._wait_healthy(deadline)
        except Exception as exc:
            self.stop()
            raise RuntimeError('glance-api did not start (%s); last lines of '
                               '%s:\n%s' % (exc, self.log_path,
                                            self.log_tail())) from exc
        return self

    def _env(self):
        env = dict(os.environ, OS_GLANCE_CONFIG_DIR=self.layout.config_dir)
        env.setdefault('PYTHONUNBUFFERED', '1')
        return env

    def _db_sync(self, timeout):
        cmd = _tool(self.python, 'glance-manage', 'glance.cmd.manage') + [
            '--config-file', self.layout.api_conf, 'db_sync']
        with open(self.log_path, 'ab') as log:
            subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=log,
                           stderr=subprocess.STDOUT, env=self._env(),
                           cwd=self.workdir, timeout=timeout, check=True)

    def _sqlite_wal(self):
        """Put the SQLite database in write-ahead-log mode.

        The mode is stored in the file, so glance-api's connections use it:
        status polls then read without blocking the import task's writes,
        which otherwise fail with "database is locked" on a loaded machine.
        SQLite still serves one writer at a time: concurrency claims are
        measured on PostgreSQL.
        """
        if self.database_url is not None:
            return
        with contextlib.closing(sqlite3.connect(
                self.layout.sqlite_path)) as db:
            db.execute('PRAGMA journal_mode=WAL')

    def _spawn(self):
        cmd = _tool(self.python, 'gunicorn', 'gunicorn') + [
            '--bind', '127.0.0.1:%d' % self.port,
            '--workers', '1', '--threads', '4',
            '--timeout', '600', '--graceful-timeout', '10',
            # The default control socket is per user, shared by servers.
            '--no-control-socket',
            'glance.wsgi.api:application']
        with open(self.log_path, 'ab') as log:
            # A new session makes gunicorn's workers one process group
            # that stop() can signal as a whole.
            self._process = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, env=self._env(), cwd=self.workdir,
                start_new_session=True)

    def _wait_healthy(self, deadline):
        while True:
            code = self._process.poll()
            if code is not None:
                raise RuntimeError('gunicorn exited with status %d' % code)
            try:
                with urllib.request.urlopen(self.url + '/healthcheck',
                                            timeout=5) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise TimeoutError('no 200 from /healthcheck')
            time.sleep(0.2)

    def stop(self, timeout=30):
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        self._signal(process, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._signal(process, signal.SIGKILL)
            process.wait()
        # A worker that outlived its master would keep the port.
        self._signal(process, signal.SIGKILL)

    @staticmethod
    def _signal(process, signum):
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            pass

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, errors='replace') as f:
                return ''.join(collections.deque(f, maxlen=lines))
        except FileNotFoundError:
            return '(no log)'

    def client(self):
        """A glanceclient v2 Client that needs no Keystone.

        The headers go through a keystoneauth session: glanceclient's own
        ``identity_headers`` percent-encodes the commas in X-Roles, and
        Glance then sees one unknown role instead of three.
        """
        import glanceclient
        from keystoneauth1 import noauth
        from keystoneauth1 import session

        sess = session.Session(auth=noauth.NoAuth(endpoint=self.url),
                               additional_headers=identity_headers())
        return glanceclient.Client('2', session=sess)
