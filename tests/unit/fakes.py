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

"""A stand-in for Glance's ImportActionWrapper, with the same rules.

It allows exactly the attributes Glance allows, drops ``os_glance`` keys as
Glance does, and records every save, so plugin tests run without a Glance
database while exercising the plugins' real file handling.
"""

import copy

ALLOWED_ATTRIBUTES = ('status', 'disk_format', 'container_format',
                      'virtual_size', 'size')
IMPORTING = 'os_glance_importing_to_stores'
FAILED = 'os_glance_failed_import'


class FakeImage:
    def __init__(self, image_id, disk_format='raw', container_format='bare',
                 stores=('fast',)):
        self.image_id = image_id
        self.status = 'importing'
        self.disk_format = disk_format
        self.container_format = container_format
        self.size = None
        self.virtual_size = None
        self.extra_properties = {IMPORTING: ','.join(stores), FAILED: ''}


class _Actions:
    def __init__(self, image):
        self._image = image

    @property
    def image_id(self):
        return self._image.image_id

    @property
    def image_status(self):
        return self._image.status

    @property
    def image_disk_format(self):
        return self._image.disk_format

    @property
    def image_container_format(self):
        return self._image.container_format

    @property
    def image_extra_properties(self):
        return dict(self._image.extra_properties)

    def set_image_attribute(self, **attrs):
        for name, value in attrs.items():
            if name not in ALLOWED_ATTRIBUTES:
                raise AttributeError('Setting %s is not allowed' % name)
            if name == 'status' and value == self._image.status:
                # Glance's state machine refuses a transition to itself.
                raise ValueError('Image status transition from %s to %s is '
                                 'not allowed' % (value, value))
            setattr(self._image, name, value)

    def set_image_extra_properties(self, properties):
        for key, value in properties.items():
            if not key.startswith('os_glance'):
                self._image.extra_properties[key] = value

    def _merge(self, key, stores, subtract):
        existing = set(filter(None,
                              self._image.extra_properties[key].split(',')))
        merged = existing - set(stores) if subtract else existing | set(
            stores)
        self._image.extra_properties[key] = ','.join(sorted(merged))

    def remove_importing_stores(self, stores):
        self._merge(IMPORTING, stores, subtract=True)

    def add_failed_stores(self, stores):
        self._merge(FAILED, stores, subtract=False)


class FakeActionWrapper:
    """Hands out actions on a copy and saves it on a clean exit only."""

    def __init__(self, image):
        self.image = image
        self.image_id = image.image_id
        self.saves = 0
        self._working = None

    def __enter__(self):
        self._working = copy.deepcopy(self.image)
        return _Actions(self._working)

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.image = self._working
            self.saves += 1


class FakeImageRepo:
    def __init__(self, image):
        self._image = image

    def get(self, image_id):
        assert image_id == self._image.image_id
        return self._image
