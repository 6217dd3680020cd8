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

"""The qat engine passes the engine contract on a fake QAT host.

The device is faked at the lowest level (sysfs tree, device nodes, a qzip
that behaves like the real one); the engine, its probe, its streaming and
its verification are the real code.
"""

from glance_accel_import import formats
from tests.unit import qat_fakes
from tests.unit import test_engine_contract as contract


class QatContractTest(contract.EngineContractTest):

    scenarios = [('qat-on-fake-host', {'engine_name': 'qat',
                                       'fmt': formats.GZIP})]

    def setUp(self):
        self.useFixture(qat_fakes.ReadyQat())
        super().setUp()
        self.assertTrue(self.engine.probe().available)
