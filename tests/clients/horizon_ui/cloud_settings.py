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

"""Horizon settings for the browser test against the cloud of tools/cloud.sh.

Horizon's own settings, pointed at the cloud's Keystone (HORIZON_KEYSTONE_URL);
sessions and caches in memory, as there is no memcached.
"""

import os

from openstack_dashboard.settings import *  # noqa: F401,F403

DEBUG = True
ALLOWED_HOSTS = ['127.0.0.1', 'localhost']
SECRET_KEY = 'glance-accel-import browser test only'
OPENSTACK_KEYSTONE_URL = os.environ['HORIZON_KEYSTONE_URL']
CACHES = {
    'default': {'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'}}
SESSION_ENGINE = 'django.contrib.sessions.backends.signed_cookies'
