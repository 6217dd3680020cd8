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

"""chromium logs in to Horizon and uploads a volume as a compressed image.

Usage: cloud_browser.py upload HORIZON_URL USER PASSWORD VOLUME_ID
IMAGE_NAME [SCREENSHOT], then cloud_browser.py image HORIZON_URL USER
PASSWORD IMAGE_NAME IMAGE_ID [SCREENSHOT]: the image is listed on the
Images panel and its detail page shows container format COMPRESSED (the
page upper-cases it) and status Active. Run by
tests/clients/test_horizon_cloud.py with .venv-horizon's python
(selenium); exits non-zero, saying why, on failure. Each step prints how
long it took.
"""

import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome import service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.wait import WebDriverWait


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = '/usr/bin/chromium'
    for arg in ('--headless=new', '--no-sandbox', '--disable-gpu',
                '--disable-dev-shm-usage', '--window-size=1280,900'):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=service.Service('/usr/bin/chromedriver'),
                              options=options)
    driver.implicitly_wait(30)
    return driver


def step(what, start):
    print('%6.1f s  %s' % (time.monotonic() - start, what), flush=True)


def login(driver, url, user, password):
    driver.get(url + '/auth/login/')
    driver.find_element(By.ID, 'id_username').send_keys(user)
    driver.find_element(By.ID, 'id_password').send_keys(password)
    driver.find_element(By.CSS_SELECTOR, '.btn-primary').click()
    WebDriverWait(driver, 120).until(
        lambda d: '/auth/login' not in d.current_url)


def upload(url, user, password, volume_id, image_name, screenshot=''):
    driver = browser()
    start = time.monotonic()
    try:
        login(driver, url, user, password)
        step('logged in', start)
        driver.get('%s/project/volumes/%s/upload_to_image/' % (url, volume_id))
        step('upload form loaded', start)
        select = driver.find_element(By.ID, 'id_container_format')
        offered = [o.get_attribute('value')
                   for o in select.find_elements(By.TAG_NAME, 'option')]
        assert offered == ['bare', 'compressed'], offered
        form = select.find_element(By.XPATH, './ancestor::form')
        form.find_element(By.ID, 'id_image_name').send_keys(image_name)
        dropdown = driver.find_element(
            By.XPATH, "//*[@for='id_container_format']/following-sibling::div")
        dropdown.find_element(By.CSS_SELECTOR, '.dropdown-toggle').click()
        option = dropdown.find_element(
            By.XPATH, ".//ul[contains(@class, 'dropdown-menu')]"
                      "//*[normalize-space()='Compressed']")
        WebDriverWait(driver, 10).until(EC.visibility_of(option))
        option.click()
        assert select.get_attribute('value') == 'compressed'
        if screenshot:
            driver.save_screenshot(screenshot)
        form.find_element(By.CSS_SELECTOR, '[type=submit]').click()
        step('form submitted', start)
        # Horizon returns to the volume list with its success message.
        # The volume list after the redirect calls several services.
        message = WebDriverWait(driver, 300).until(
            EC.presence_of_element_located(
                (By.CSS_SELECTOR, 'div.messages div.alert')))
        step('volume list shown: %s' % message.text, start)
        assert 'Successfully sent the request' in message.text, message.text
    finally:
        driver.quit()


def detail(driver, label):
    """The value Horizon's property list shows for ``label``."""
    return driver.find_element(
        By.XPATH, "//dt[normalize-space()='%s']/following-sibling::dd[1]"
        % label).text.strip()


def image(url, user, password, image_name, image_id, screenshot='',
          timeout=900):
    driver = browser()
    start = time.monotonic()
    try:
        login(driver, url, user, password)
        step('logged in', start)
        driver.get(url + '/project/images')
        WebDriverWait(driver, 300).until(EC.presence_of_element_located(
            (By.XPATH, "//a[normalize-space()='%s']" % image_name)))
        step('%s listed on the Images panel' % image_name, start)
        # The detail page does not refresh itself: reload until the
        # import has finished.
        seen = None
        while True:
            driver.get('%s/ngdetails/OS::Glance::Image/%s' % (url, image_id))
            WebDriverWait(driver, 120).until(EC.presence_of_element_located(
                (By.XPATH, "//dt[normalize-space()='Container Format']")))
            seen = (detail(driver, 'Container Format'),
                    detail(driver, 'Status'))
            if seen == ('COMPRESSED', 'Active'):
                break
            assert seen[1] not in ('Killed', 'Deleted'), seen
            assert time.monotonic() - start < timeout, (
                'after %d s the detail page shows %s' % (timeout, seen))
            time.sleep(5)
        step('detail page: container format %s, status %s' % seen, start)
        if screenshot:
            driver.save_screenshot(screenshot)
    finally:
        driver.quit()


if __name__ == '__main__':
    {'upload': upload, 'image': image}[sys.argv[1]](*sys.argv[2:])
