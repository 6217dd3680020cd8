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

"""Configuration for a throw-away glance-api that needs no Keystone.

Everything lives under one work directory so that a test or the demo can
delete it in one go, and so that two servers never share state.
"""

import configparser
import dataclasses
import os

#: The paste flavor written by :func:`write_config`.  Its pipeline trusts
#: the X-Identity-Status/X-Roles headers sent by the client, which is what
#: Glance's own functional tests do; the shipped ``unauthenticated-context``
#: flavor grants no roles, so it cannot create images.
PASTE_FLAVOR = 'trusted'

_PIPELINE = ('cors http_proxy_to_wsgi versionnegotiation osprofiler '
             'context rootapp')

STORE = 'fast'
# A second store, so that copy-image has somewhere to copy to.
SPARE_STORE = 'spare'


@dataclasses.dataclass(frozen=True)
class Layout:
    """Where one embedded Glance keeps its files."""

    workdir: str

    def _path(self, *parts):
        return os.path.join(self.workdir, *parts)

    @property
    def config_dir(self):
        return self._path('etc')

    @property
    def api_conf(self):
        return self._path('etc', 'glance-api.conf')

    @property
    def paste_ini(self):
        return self._path('etc', 'glance-api-paste.ini')

    @property
    def import_conf(self):
        return self._path('etc', 'glance-image-import.conf')

    @property
    def store_dir(self):
        return self._path('images')

    @property
    def spare_store_dir(self):
        return self._path('images-spare')

    @property
    def staging_dir(self):
        return self._path('staging')

    @property
    def tasks_dir(self):
        return self._path('tasks')

    @property
    def lock_dir(self):
        return self._path('locks')

    @property
    def sqlite_path(self):
        return self._path('glance.sqlite')

    @property
    def log_path(self):
        return self._path('glance-api.log')


def format_value(value):
    """Render a Python value the way oslo.config parses it back.

    Sequences become comma-separated, as a plain ListOpt expects; an option
    declared with ``bounds=True`` needs its value given as a "[...]" string.
    """
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (list, tuple, set, frozenset)):
        return ','.join(format_value(v) for v in value)
    if isinstance(value, dict):
        return ','.join('%s:%s' % (k, format_value(v))
                        for k, v in value.items())
    return str(value)


def bracketed(items):
    """A list for a ListOpt declared with ``bounds=True``, as Glance's are."""
    return '[%s]' % format_value(list(items))


def _write_ini(path, sections):
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # paste and oslo option names are case-sensitive
    for section, options in sections.items():
        if section != 'DEFAULT':
            parser.add_section(section)
        for name, value in options.items():
            parser.set(section, name, format_value(value))
    with open(path, 'w') as f:
        parser.write(f)


def api_conf_sections(layout, port, image_size_cap=None, database_url=None):
    default = {
        'enabled_backends': '%s:file,%s:file' % (STORE, SPARE_STORE),
        'enabled_import_methods': bracketed(['glance-direct', 'web-download',
                                             'copy-image']),
        'worker_self_reference_url': 'http://127.0.0.1:%d' % port,
        'use_stderr': True,
    }
    if image_size_cap is not None:
        default['image_size_cap'] = int(image_size_cap)
    return {
        'DEFAULT': default,
        'database': {
            # SQLite's default 5 s busy timeout is too short on a loaded
            # machine: the import task's writes then fail with "database is
            # locked" while a status poll holds the file.
            'connection': database_url or 'sqlite:///%s?timeout=60'
            % layout.sqlite_path,
        },
        'glance_store': {'default_backend': STORE},
        STORE: {'filesystem_store_datadir': layout.store_dir},
        SPARE_STORE: {'filesystem_store_datadir': layout.spare_store_dir},
        'os_glance_staging_store': {
            'filesystem_store_datadir': layout.staging_dir,
        },
        'os_glance_tasks_store': {
            'filesystem_store_datadir': layout.tasks_dir,
        },
        'image_format': {
            # Glance's default disk formats; only the containers matter here.
            'container_formats': ['bare', 'compressed', 'ovf', 'ova',
                                  'ami', 'ari', 'aki', 'docker'],
        },
        'paste_deploy': {
            'config_file': layout.paste_ini,
            'flavor': PASTE_FLAVOR,
        },
        'oslo_concurrency': {'lock_path': layout.lock_dir},
    }


def paste_sections(layout):
    root = {
        'paste.composite_factory': 'glance.api:root_app_factory',
        '/': 'api',
        '/healthcheck': 'healthcheck',
    }
    return {
        'composite:glance-api-%s' % PASTE_FLAVOR: root,
        'composite:api': {
            'paste.composite_factory': 'glance.api:pipeline_factory',
            PASTE_FLAVOR: _PIPELINE,
        },
        'composite:rootapp': {
            'paste.composite_factory': 'glance.api:root_app_factory',
            '/': 'apiversions',
            '/v2': 'apiv2app',
        },
        'app:apiversions': {
            'paste.app_factory': 'glance.api.versions:create_resource',
        },
        'app:apiv2app': {
            'paste.app_factory': 'glance.api.v2.router:API.factory',
        },
        'app:healthcheck': {
            'paste.app_factory': 'oslo_middleware:Healthcheck.app_factory',
            'backends': 'disable_by_file',
            'disable_by_file_path': os.path.join(layout.workdir,
                                                 'healthcheck_disable'),
        },
        'filter:versionnegotiation': {
            'paste.filter_factory': 'glance.api.middleware.'
                                    'version_negotiation:'
                                    'VersionNegotiationFilter.factory',
        },
        'filter:context': {
            'paste.filter_factory': 'glance.api.middleware.context:'
                                    'ContextMiddleware.factory',
        },
        'filter:osprofiler': {
            'paste.filter_factory': 'osprofiler.web:WsgiMiddleware.factory',
        },
        'filter:cors': {
            'paste.filter_factory': 'oslo_middleware.cors:filter_factory',
            'oslo_config_project': 'glance',
            'oslo_config_program': 'glance-api',
        },
        'filter:http_proxy_to_wsgi': {
            'paste.filter_factory': 'oslo_middleware:HTTPProxyToWSGI.factory',
        },
    }


def import_conf_sections(plugins=(), import_options=None):
    sections = {
        'image_import_opts': {'image_import_plugins': bracketed(plugins)},
    }
    for group, options in (import_options or {}).items():
        sections.setdefault(group, {}).update(options)
    return sections


def write_config(workdir, port, plugins=(), import_options=None,
                 image_size_cap=None, database_url=None, api_options=None):
    """Write the config files and create the directories; return the Layout.

    ``import_options`` is ``{group: {option: value}}`` for
    glance-image-import.conf, where the import plugins read their options;
    ``api_options``, in the same form, is merged into glance-api.conf.
    """
    layout = Layout(os.path.abspath(workdir))
    for path in (layout.config_dir, layout.store_dir,
                 layout.spare_store_dir, layout.staging_dir,
                 layout.tasks_dir, layout.lock_dir):
        os.makedirs(path, exist_ok=True)
    sections = api_conf_sections(layout, port, image_size_cap, database_url)
    for group, options in (api_options or {}).items():
        sections.setdefault(group, {}).update(options)
    _write_ini(layout.api_conf, sections)
    _write_ini(layout.paste_ini, paste_sections(layout))
    _write_ini(layout.import_conf,
               import_conf_sections(plugins, import_options))
    return layout
