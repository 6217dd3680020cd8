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

"""Where the tests find the repository's own files.

One place for the checkout's layout, so a test module at any depth names a
file by what it is (``REPO``, ``FUZZ_CORPUS``) instead of counting
directories up from itself.
"""

import os

#: The tests package.
TESTS = os.path.dirname(os.path.abspath(__file__))
#: The root of the checkout: README, setup.cfg, etc/, tools/, .venv.
REPO = os.path.dirname(TESTS)
#: Executables that stand in for hardware tools (the fake ``qzip``).
FAKE_BIN = os.path.join(TESTS, 'fakes', 'bin')
#: The whole cloud's state (tools/cloud/up), as the cloud tests find it.
CLOUD_DIR = os.environ.get('CLOUD_DIR', os.path.join(REPO, '.cloud'))
#: The cloud's clouds.yaml: its users and endpoints, for the clients.
CLOUDS_YAML = os.path.join(CLOUD_DIR, 'etc', 'clouds.yaml')
#: The inputs the fuzzer starts from, also replayed by unit tests.
FUZZ_CORPUS = os.path.join(TESTS, 'fuzz', 'corpus')
