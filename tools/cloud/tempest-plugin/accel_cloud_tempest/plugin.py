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

"""tempest plugin: the scenarios in this checkout's tests/cloud.

``tempest run --regex tests.cloud`` in the workspace tools/cloud.sh writes
(.cloud/tempest) runs them.  The tests drive the cloud with openstacksdk
and the ``clouds.yaml`` named by ``[accel_cloud] clouds_yaml``.
"""

import os

from oslo_config import cfg
from tempest.test_discover import plugins

#: The checkout this plugin was installed from (pip install -e).
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__),
                                    '..', '..', '..', '..'))

group = cfg.OptGroup(name='accel_cloud',
                     title='glance-accel-import whole-cloud scenarios')
opts = [
    cfg.StrOpt('clouds_yaml',
               help='clouds.yaml with cloud-admin, cloud-alpha and '
                    'cloud-beta entries (written by tools/cloud.sh).'),
    cfg.ListOpt('glance_endpoints', default=[],
                help='Every glance-api node, for the two-node scenario.'),
    cfg.ListOpt('glance_logs', default=[],
                help="Each glance-api node's log, in the same order."),
    cfg.StrOpt('cinder_conversion_dir',
               help="cinder-volume's image_conversion_dir."),
    cfg.StrOpt('ceph_conf', help='ceph.conf with an admin keyring.'),
]


class AccelCloudPlugin(plugins.TempestPlugin):

    def load_tests(self):
        return os.path.join(REPO, 'tests', 'cloud'), REPO

    def register_opts(self, conf):
        conf.register_group(group)
        conf.register_opts(opts, group=group)

    def get_opt_lists(self):
        return [(group.name, opts)]
