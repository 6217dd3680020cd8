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

"""A test case with its own glance-api, configured per test class."""

import fixtures
import testtools
from testtools import content


class GlanceFunctionalTest(testtools.TestCase):
    """Starts an EmbeddedGlance before each test and stops it after.

    Subclasses set ``plugins`` and ``import_options`` to the import plugin
    names and the glance-image-import.conf options they need.
    """

    plugins = ()
    import_options = None
    image_size_cap = None
    #: The Python whose Glance runs (None: this one's).
    glance_python = None
    #: ``{group: {option: value}}`` merged into glance-api.conf.
    api_options = None

    def setUp(self):
        super().setUp()
        try:
            import glance  # noqa: F401
        except ImportError:
            self.skipTest('functional tests need a real glance-api: '
                          'glance is not installed')
        from glance_accel_import.devtools.embedded import server

        workdir = self.useFixture(fixtures.TempDir()).path
        self.glance = server.EmbeddedGlance(
            workdir, plugins=self.plugins,
            import_options=self.import_options,
            image_size_cap=self.image_size_cap,
            database_url=self.database_url(), python=self.glance_python,
            api_options=self.api_options)
        # The work directory goes away with the test, so keep the server's
        # side of the story with the failure report.
        self.addOnException(self._attach_glance_log)
        self.addCleanup(self.glance.stop)
        self.glance.start()
        self.client = self.glance.client()

    def database_url(self):
        """SQLAlchemy URL of Glance's database; None means SQLite."""
        return None

    def _attach_glance_log(self, exc_info):
        self.addDetail('glance-api.log',
                       content.text_content(self.glance.log_tail(200)))
