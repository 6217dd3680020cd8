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

"""A real browser chooses ``compressed`` in Horizon's Upload to Image form.

Run by tests/clients/test_horizon_ui.py with .venv-horizon's pytest, in the
patched Horizon source tree, as Horizon's own ``ui`` selenium tests run:
Horizon served by pytest-django's ``live_server`` on 127.0.0.1, its API
layer (api.cinder, api.glance) mocked, and the fixtures of Horizon's ui
tests (a logged in ``user``, ``dashboard_data``, no outgoing requests)
imported from their conftest. The browser is Debian's chromium, headless,
through chromium-driver.

(The file name keeps it out of this repository's unittest discovery.)
"""

import os
from unittest import mock

import pytest
from selenium import webdriver
from selenium.webdriver.chrome import service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.wait import WebDriverWait

from openstack_dashboard import api
# Horizon's ui fixtures; imported here, as pytest-django must have set up
# Django before that conftest can be imported.
from openstack_dashboard.test.selenium.ui.conftest import (  # noqa: F401
    _django_db_helper, auth_data, dashboard_data,  # noqa: H301
    disable_requests, mock_keystoneclient, no_warnings,
    settings_debug, user)

CHROMEDRIVER = os.environ.get('CHROMEDRIVER', '/usr/bin/chromedriver')
CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
#: Where to save a screenshot of the form with ``compressed`` chosen.
SCREENSHOT = os.environ.get('UPLOAD_FORM_SCREENSHOT')


@pytest.fixture(autouse=True)
def local_cache(settings):
    # Horizon's default settings cache in a memcached on 127.0.0.1:11211.
    settings.CACHES = {
        'default': {
            'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'}}


@pytest.fixture(scope='session')
def driver():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ('--headless=new', '--no-sandbox', '--disable-gpu',
                '--disable-dev-shm-usage', '--window-size=1280,900'):
        options.add_argument(arg)
    browser = webdriver.Chrome(service=service.Service(CHROMEDRIVER),
                               options=options)
    browser.implicitly_wait(10)
    yield browser
    browser.quit()


@pytest.fixture()
def upload_form(live_server, driver, user, dashboard_data):  # noqa: F811
    volume = dashboard_data.cinder_volumes.get(name='v3_volume')
    obj = mock.patch.object
    with obj(api.cinder, 'volume_get') as volume_get, \
            obj(api.glance, 'get_image_schemas') as schemas, \
            obj(api.cinder, 'volume_upload_to_image') as upload:
        volume_get.return_value = volume
        schemas.return_value = dashboard_data.image_schemas.first()
        upload.return_value = {'container_format': 'compressed',
                               'disk_format': 'raw', 'status': 'uploading'}
        driver.get('%s/project/volumes/%s/upload_to_image/'
                   % (live_server.url, volume.id))
        yield driver, volume, upload


def choose(driver, field_id, label):
    """Pick ``label`` in a ThemableSelectWidget, as a user clicks it."""
    dropdown = driver.find_element(
        By.XPATH, "//*[@for='%s']/following-sibling::div" % field_id)
    dropdown.find_element(By.CSS_SELECTOR, '.dropdown-toggle').click()
    option = dropdown.find_element(
        By.XPATH, ".//ul[contains(@class, 'dropdown-menu')]"
                  "//*[normalize-space()='%s']" % label)
    WebDriverWait(driver, 10).until(EC.visibility_of(option))
    option.click()


def test_upload_to_image_compressed(upload_form):
    driver, volume, upload = upload_form
    select = driver.find_element(By.ID, 'id_container_format')
    form = select.find_element(By.XPATH, './ancestor::form')
    assert select.get_attribute('value') == 'bare'
    offered = [o.get_attribute('value')
               for o in select.find_elements(By.TAG_NAME, 'option')]
    assert offered == ['bare', 'compressed']
    assert 'Compressed' in form.text  # the help text and the description

    form.find_element(By.ID, 'id_image_name').send_keys('data-compressed')
    choose(driver, 'id_container_format', 'Compressed')
    assert select.get_attribute('value') == 'compressed'
    if SCREENSHOT:
        driver.save_screenshot(SCREENSHOT)

    form.find_element(By.CSS_SELECTOR, '[type=submit]').click()
    WebDriverWait(driver, 30).until(lambda d: upload.called)
    upload.assert_called_once_with(mock.ANY, volume.id, False,
                                   'data-compressed', 'compressed', 'raw')
