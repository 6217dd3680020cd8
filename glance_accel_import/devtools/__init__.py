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

"""Tools around the product, not the product: kept out of the runtime.

``embedded`` starts a real glance-api whose paste pipeline trusts identity
headers (no Keystone), ``demo*`` and ``progress`` are ``glance-accel-import
demo``, ``bench`` is ``glance-accel-import bench`` and ``diskimage`` builds
the disk images both use. They need the ``demo`` and ``bench`` extras
(``setup.cfg``).

Invariant: nothing outside this package imports it, except the CLI
commands that run these tools (``cmd.cli``, lazily, after checking the
extra) and the tests. The import plugins and the engines never load it, so
a Glance node does not carry a header-trusting launcher in its import path;
``tests/unit/test_runtime_isolation.py`` proves it.
"""
