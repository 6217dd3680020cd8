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

"""devstack/plugin.sh writes what tools/cloud.sh writes.

The plugin runs in bash with small stand-ins for the devstack functions it
calls (is_service_enabled, trueorfalse, setup_develop, echo_summary, die);
devstack itself is not needed.  The cloud's own writers
(glance_write_import_conf, cinder_write_conf in tools/cloud/*.sh) run in a
throwaway CLOUD_DIR, starting no service.  The files must agree: the
configuration the whole-cloud scenarios test is the one devstack deploys.
"""

import configparser
import os
import subprocess

import fixtures
import testtools

from tests import paths


STAND_INS = r'''
is_service_enabled() {
    local s
    for s in "$@"; do
        [[ ,$ENABLED_SERVICES, == *,$s,* ]] && return 0
    done
    return 1
}
trueorfalse() {
    local v=${!2:-$1}
    case $v in [Tt]rue|1|[Yy]es) echo True ;; *) echo False ;; esac
}
die() { shift; echo "die: $*" >&2; exit 1; }
echo_summary() { echo "summary: $*"; }
setup_develop() { echo "setup_develop $*" >> "$CALLS"; }
'''

DEVSTACK_IMPORT_CONF = '''[image_import_opts]
image_import_plugins = []

[inject_metadata_properties]
ignore_user_roles = admin
inject =
'''

PATCHED_CONFIG_PY = '''    cfg.BoolOpt('offload_image_compression_to_glance',
                default=False),
'''


def options(path):
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(path)
    return {(section, key): value
            for section in parser.sections() + ['DEFAULT']
            for key, value in parser.items(section, raw=True)}


class TestDevstackPlugin(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.calls = os.path.join(self.tmp, 'calls')
        self.cinder_dir = os.path.join(self.tmp, 'cinder-src')
        os.makedirs(os.path.join(self.cinder_dir, 'cinder', 'common'))
        self.glance_conf = os.path.join(self.tmp, 'etc-glance',
                                        'glance-image-import.conf')
        os.makedirs(os.path.dirname(self.glance_conf))
        self.cinder_conf = os.path.join(self.tmp, 'cinder.conf')

    def bash(self, script, **env):
        proc = subprocess.run(
            ['bash', '-c', 'set -euo pipefail\n' + script], cwd=paths.REPO,
            env=dict(os.environ, **env), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        out = proc.stdout.decode()
        self.assertEqual(0, proc.returncode, out)
        return out

    def devstack(self, phase, services='g-api,c-api,c-vol,cinder',
                 **env):
        """plugin.sh in ``stack PHASE`` with the stand-ins."""
        return self.bash(
            STAND_INS + 'source devstack/settings\n'
            'source devstack/plugin.sh stack %s\n' % phase,
            DEST=self.tmp, ACCEL_IMPORT_DIR=paths.REPO, CALLS=self.calls,
            ENABLED_SERVICES=services, CINDER_DIR=self.cinder_dir,
            GLANCE_IMAGE_IMPORT_CONF=self.glance_conf,
            CINDER_CONF=self.cinder_conf, **env)

    def cloud(self, function, *args):
        """A writer of tools/cloud/*.sh, in a throwaway CLOUD_DIR."""
        cloud_dir = os.path.join(self.tmp, 'cloud')
        return self.bash(
            'for f in lib postgres rabbitmq glance cinder; do\n'
            '    source tools/cloud/$f.sh\n'
            'done\n'
            '%s %s\n' % (function, ' '.join(args)),
            CLOUD_DIR=cloud_dir, CINDER_VENV=os.path.join(self.tmp, 'venv'))

    def cloud_glance_conf(self):
        path = os.path.join(self.tmp, 'cloud-glance-image-import.conf')
        self.cloud('glance_write_import_conf', path)
        return path

    def cloud_cinder_conf(self):
        self.cloud('cinder_write_conf')
        return os.path.join(self.tmp, 'cloud', 'etc', 'cinder',
                            'cinder.conf')

    def read(self, path):
        with open(path) as f:
            return f.read()

    def patch_cinder_source(self):
        with open(os.path.join(self.cinder_dir, 'cinder', 'common',
                               'config.py'), 'w') as f:
            f.write(PATCHED_CONFIG_PY)

    def test_glance_conf_is_the_clouds(self):
        self.devstack('post-config')
        self.assertEqual(self.read(self.cloud_glance_conf()),
                         self.read(self.glance_conf))
        self.assertEqual(
            '[accel_decompress, image_conversion, accel_compress]',
            options(self.glance_conf)[('image_import_opts',
                                       'image_import_plugins')])

    def test_glance_conf_over_what_devstack_wrote(self):
        # lib/glance's configure_glance writes the file first.
        with open(self.glance_conf, 'w') as f:
            f.write(DEVSTACK_IMPORT_CONF)
        self.devstack('post-config')
        written = options(self.glance_conf)
        for key, value in options(self.cloud_glance_conf()).items():
            self.assertEqual(value, written.get(key), key)
        self.assertEqual('admin', written[('inject_metadata_properties',
                                           'ignore_user_roles')])
        # Running post-config again changes nothing.
        before = self.read(self.glance_conf)
        self.devstack('post-config')
        self.assertEqual(before, self.read(self.glance_conf))

    def test_cinder_options_are_the_clouds(self):
        self.patch_cinder_source()
        with open(self.cinder_conf, 'w') as f:
            f.write('[DEFAULT]\ndebug = True\n\n[database]\nconnection = x\n')
        self.devstack('post-config')
        written = options(self.cinder_conf)
        cloud = options(self.cloud_cinder_conf())
        for option in ('allow_compression_on_image_upload',
                       'compression_format',
                       'offload_image_compression_to_glance'):
            key = ('DEFAULT', option)
            self.assertEqual(cloud[key], written.get(key), option)
        self.assertEqual('True', written[('DEFAULT', 'debug')])
        self.assertEqual('x', written[('database', 'connection')])

    def test_unpatched_cinder_is_left_alone(self):
        with open(self.cinder_conf, 'w') as f:
            f.write('[DEFAULT]\ndebug = True\n')
        out = self.devstack('post-config')
        self.assertEqual('[DEFAULT]\ndebug = True\n',
                         self.read(self.cinder_conf))
        self.assertIn('contrib/cinder not applied', out)

    def test_without_glance_nothing_is_written(self):
        self.devstack('post-config', services='key')
        self.assertFalse(os.path.exists(self.glance_conf))
        self.assertFalse(os.path.exists(self.cinder_conf))

    def test_install_installs_this_checkout_only(self):
        self.devstack('install')
        self.assertEqual('setup_develop %s\n' % paths.REPO,
                         self.read(self.calls))
        self.assertFalse(os.path.exists(os.path.join(
            self.cinder_dir, 'cinder', 'common', 'config.py')))


class TestAccelConf(testtools.TestCase):
    """tools/accel_conf.py on README.rst variants."""

    def run_conf(self, readme_text, *args):
        tmp = self.useFixture(fixtures.TempDir()).path
        readme = os.path.join(tmp, 'README.rst')
        with open(readme, 'w') as f:
            f.write(readme_text)
        out = os.path.join(tmp, 'out.conf')
        proc = subprocess.run(
            ['python3', os.path.join(paths.REPO, 'tools', 'accel_conf.py'),
             'glance', out, '--readme', readme] + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        written = self.read_if(out)
        return proc, written

    @staticmethod
    def read_if(path):
        if os.path.exists(path):
            with open(path) as f:
                return f.read()
        return None

    def test_unbracketed_plugin_list_is_bracketed_with_a_warning(self):
        proc, written = self.run_conf(
            'Then list the plugins in ``glance-image-import.conf``::\n\n'
            '    [image_import_opts]\n'
            '    image_import_plugins = accel_decompress, accel_compress\n'
            '\nMore text.\n')
        self.assertEqual(0, proc.returncode, proc.stderr)
        self.assertIn(b'without brackets', proc.stderr)
        self.assertEqual('[image_import_opts]\nimage_import_plugins = '
                         '[accel_decompress, accel_compress]\n', written)

    def test_readme_without_snippet_is_one_clear_error(self):
        proc, written = self.run_conf('Nothing here.\n')
        self.assertEqual(1, proc.returncode)
        self.assertEqual(1, len(proc.stderr.splitlines()), proc.stderr)
        self.assertIn(b'no glance-image-import.conf snippet', proc.stderr)
        self.assertIsNone(written)
