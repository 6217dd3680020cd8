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

"""Glance's own options, read when we run inside Glance.

The command line runs without Glance's options registered; then each
question gets the answer that applies outside Glance.
"""

from oslo_config import cfg

CONF = cfg.CONF


def value(name, default, group=None):
    """Glance's option ``[group] name``, or ``default`` outside Glance."""
    try:
        return getattr(getattr(CONF, group) if group else CONF, name)
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
        return default


def image_size_cap():
    """Glance's largest image, or None outside Glance."""
    return value('image_size_cap', None)


def import_plugins():
    return value('image_import_plugins', [], group='image_import_opts')


def or_image_size_cap(limit):
    """``limit`` where set (non-zero), else Glance's ``image_size_cap``."""
    return limit or image_size_cap()
