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

"""Which configuration files the command reads: exactly glance-api's.

glance-api (``glance.common.wsgi_app``) reads, from the directory named by
``OS_GLANCE_CONFIG_DIR`` (``/etc/glance`` by default),
``glance-image-import.conf`` if it exists and then ``glance-api.conf``, so a
value in ``glance-api.conf`` wins over the same option in
``glance-image-import.conf``; files in a ``glance-api.conf.d`` directory come
last. The command line reads the same files in the same order, so
``glance-accel-import engines`` reports what the running Glance will do.

``--config-file`` and ``--config-dir`` replace those defaults with
oslo.config's own meaning (files in the order given, then each directory's
``*.conf`` sorted by name).
"""

import os

#: Glance's environment variable for its configuration directory.
CONFIG_DIR_ENV = 'OS_GLANCE_CONFIG_DIR'
DEFAULT_CONFIG_DIR = '/etc/glance'
IMPORT_CONF = 'glance-image-import.conf'
API_CONF = 'glance-api.conf'
#: The program glance-api passes to oslo.config (``glance-api.conf.d``).
PROG = 'glance-api'


def glance_config_files(env=None):
    """The files glance-api reads by default, lowest precedence first.

    Glance requires ``glance-api.conf``; a host without Glance (a Cinder
    node checking its engines) has none, so a missing file is left out
    rather than reported.
    """
    env = os.environ if env is None else env
    directory = env.get(CONFIG_DIR_ENV, DEFAULT_CONFIG_DIR).strip()
    candidates = [os.path.join(directory, name)
                  for name in (IMPORT_CONF, API_CONF)]
    return [path for path in candidates if os.path.exists(path)]


def cli_arguments(config_files, config_dirs):
    """oslo.config arguments for the files and directories given, if any."""
    args = []
    for path in config_files or ():
        args += ['--config-file', path]
    for path in config_dirs or ():
        args += ['--config-dir', path]
    return args


def load(conf, config_files=None, config_dirs=None, env=None):
    """Parse the configuration into ``conf`` the way glance-api does.

    :param conf: the ``cfg.ConfigOpts`` to fill
    :param config_files: files from ``--config-file``, or None for Glance's
    :param config_dirs: directories from ``--config-dir``, or None
    :param env: the environment (``os.environ`` by default)
    :returns: the files read, in the order read
    :raises cfg.ConfigFilesNotFoundError: a file given does not exist
    """
    conf(cli_arguments(config_files, config_dirs), project='glance',
         prog=PROG, default_config_files=glance_config_files(env))
    directories = conf.config_dir or []
    if isinstance(directories, str):
        directories = [directories]
    return list(conf.config_file) + [
        path for directory in directories for path in _dir_files(directory)]


def _dir_files(directory):
    """The ``*.conf`` files oslo.config reads from ``directory``, in order."""
    if not os.path.isdir(directory):
        return []
    return sorted(os.path.join(directory, name)
                  for name in os.listdir(directory) if name.endswith('.conf'))
