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

"""Every configuration snippet we publish loads in Glance as written.

Operators copy the ``[section]`` blocks of README.rst and doc/source/ into
their files, so each block is read here exactly as glance-api would read it:
written to a file, parsed by oslo.config with Glance's own option
declarations (glance-api's and the import plugins') and ours, and every
option it sets is read back, which is when oslo.config rejects a bad value.
"""

import configparser
import glob
import os
import re

from docutils import core
from docutils import nodes
import fixtures
from oslo_config import cfg
import testtools

from glance_accel_import.devtools import demo
from glance_accel_import.devtools.embedded import config as embedded_config
from glance_accel_import import opts
from tests import paths

SOURCES = ([os.path.join(paths.REPO, 'README.rst')]
           + sorted(glob.glob(os.path.join(paths.REPO, 'doc', 'source',
                                           '*.rst')))
           + sorted(glob.glob(os.path.join(paths.REPO, 'contrib', '*',
                                           'README.rst'))))
GLANCE_FILES = ('glance-api.conf', 'glance-image-import.conf')
_SECTION = re.compile(r'^\[[\w.-]+\]\s*$', re.MULTILINE)
_CONF_NAME = re.compile(r'([\w-]+\.conf)\b')


def _target(block):
    """The file a snippet belongs in: named in its text or just before it."""
    first = block.astext().splitlines()[0]
    names = _CONF_NAME.findall(first) if first.startswith('#') else []
    previous = block.previous_sibling()
    if not names and isinstance(previous, nodes.paragraph):
        names = _CONF_NAME.findall(previous.astext())
    return names[-1] if names else None


def snippets():
    """(source, target file, text) of every ini block we publish."""
    found = []
    for path in SOURCES:
        with open(path) as f:
            doctree = core.publish_doctree(
                f.read(), source_path=path,
                settings_overrides={'report_level': 5, 'halt_level': 5})
        for block in doctree.findall(nodes.literal_block):
            if _SECTION.search(block.astext()):
                found.append((os.path.relpath(path, paths.REPO),
                              _target(block), block.astext()))
    return found


def glance_conf(path):
    """A ConfigOpts with Glance's options and ours, loaded from ``path``."""
    from glance import opts as glance_opts
    conf = cfg.ConfigOpts()
    for group, group_opts in (glance_opts.list_api_opts()
                              + glance_opts.list_image_import_opts()
                              + opts.list_opts()):
        conf.register_opts(group_opts, group=group)
    conf([], project='glance', default_config_files=[path])
    return conf


def read_every_option(conf, text):
    """Read back every option ``text`` sets; the values as Glance sees them.

    Raises if an option is unknown to Glance and to us, or its value is
    invalid: both would leave an operator with a broken or ignored file.
    """
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    values = {}
    for section in ['DEFAULT'] + parser.sections():
        group = None if section == 'DEFAULT' else section
        own = (parser.defaults() if group is None
               else {k: v for k, v in parser.items(section, raw=True)
                     if k not in parser.defaults()})
        for name in own:
            holder = conf if group is None else conf[group]
            values[(section, name)] = getattr(holder, name)
    return values


class PublishedSnippetsTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir())

    def load(self, text):
        path = self.tmp.join('snippet.conf')
        with open(path, 'w') as f:
            f.write(text)
        return read_every_option(glance_conf(path), text)

    def test_snippets_are_found(self):
        found = snippets()
        self.assertIn('README.rst', [source for source, _, _ in found])
        self.assertGreaterEqual(len(found), 3)

    def test_every_snippet_names_its_file(self):
        for source, target, text in snippets():
            self.assertIsNotNone(
                target, '%s: a snippet does not say which file it belongs '
                        'in:\n%s' % (source, text))

    def test_every_glance_snippet_loads_in_glance(self):
        checked = 0
        for source, target, text in snippets():
            if target not in GLANCE_FILES:
                continue
            try:
                self.load(text)
            except Exception as exc:
                self.fail('%s: this %s snippet breaks Glance: %s\n%s'
                          % (source, target, exc, text))
            checked += 1
        self.assertGreaterEqual(checked, 2)

    def test_the_old_unbracketed_plugin_list_is_caught(self):
        # The check itself must be able to fail: this is the line the
        # README once published, which Glance refuses.
        self.assertRaises(
            cfg.ConfigFileValueError, self.load,
            '[image_import_opts]\nimage_import_plugins = '
            'accel_decompress,image_conversion,accel_compress\n')

    def test_an_unknown_option_is_caught(self):
        self.assertRaises(cfg.NoSuchOptError, self.load,
                          '[accel_compress]\nformats = gzip\n')


class EmbeddedGlanceFollowsTheReadmeTest(testtools.TestCase):
    """The demo and the functional tests configure Glance as we tell
    operators to.
    """

    def readme_import_conf(self):
        for source, target, text in snippets():
            if (source, target) == ('README.rst',
                                    'glance-image-import.conf'):
                return text
        self.fail('README.rst has no glance-image-import.conf snippet')

    def test_same_plugins_and_options_as_the_readme(self):
        tmp = self.useFixture(fixtures.TempDir())
        readme_text = self.readme_import_conf()
        readme_path = tmp.join('readme.conf')
        with open(readme_path, 'w') as f:
            f.write(readme_text)
        readme = read_every_option(glance_conf(readme_path), readme_text)

        layout = embedded_config.write_config(
            tmp.join('glance'), 9292, plugins=demo.plugin_order())
        with open(layout.import_conf) as f:
            written_text = f.read()
        written = read_every_option(glance_conf(layout.import_conf),
                                    written_text)
        plugins = ('image_import_opts', 'image_import_plugins')
        if 'image_conversion' in readme[plugins] and \
                'image_conversion' not in written[plugins]:
            self.skipTest('qemu-img is not installed, so the demo leaves '
                          'out image_conversion')
        self.assertEqual(readme[plugins], written[plugins])
