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

"""Options are documented and the committed sample is current."""

import os
import subprocess
import sys

import fixtures
import testtools

from glance_accel_import import opts
from tests import paths

GENERATOR_CONF = os.path.join(paths.REPO, 'etc', 'oslo-config-generator',
                              'glance-accel-import.conf')
SAMPLE = os.path.join(paths.REPO, 'etc', 'glance-image-import.conf.sample')


class OptionsTest(testtools.TestCase):

    def test_every_option_says_possible_values_and_related_options(self):
        for group, options in opts.list_opts():
            for opt in options:
                self.assertIn('Possible values:', opt.help,
                              '%s.%s' % (group, opt.name))
                self.assertIn('Related options:', opt.help,
                              '%s.%s' % (group, opt.name))

    def test_list_opts_is_sorted(self):
        groups = [group for group, _ in opts.list_opts()]
        self.assertEqual(sorted(groups), groups)

    def test_sample_is_current(self):
        out = self.useFixture(fixtures.TempDir()).join('sample')
        subprocess.run(
            [sys.executable, '-m', 'oslo_config.generator',
             '--config-file', GENERATOR_CONF, '--output-file', out],
            check=True, cwd=paths.REPO)
        with open(out) as f, open(SAMPLE) as committed:
            self.assertEqual(
                f.read(), committed.read(),
                'etc/glance-image-import.conf.sample is stale: run '
                '"tox -e genconfig" and commit the result')
