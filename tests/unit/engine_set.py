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

"""Engines for a test, loaded the way the manager loads installed ones.

stevedore's ``make_test_instance`` stands in for the entry points, so a test
engine goes through ``manager.load_engines`` like a real one, with no
package installed.
"""

from stevedore import extension

from glance_accel_import.engines import manager


def load(engines):
    """``manager.load_engines`` over ``{name: engine}``, not entry points."""
    extensions = [extension.Extension(name, None, type(engine), engine)
                  for name, engine in engines.items()]
    return manager.load_engines(
        extension.ExtensionManager.make_test_instance(
            extensions, namespace=manager.NAMESPACE))
