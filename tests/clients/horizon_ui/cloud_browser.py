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
IMAGE_NAME [SCREENSHOT]. Run by tests/clients/test_horizon_cloud.py with
.venv-horizon's python (selenium); exits non-zero, saying why, on failure.
"""

import sys

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


def login(driver, url, user, password):
    driver.get(url + '/auth/login/')
    driver.find_element(By.ID, 'id_username').send_keys(user)
    driver.find_element(By.ID, 'id_password').send_keys(password)
    driver.find_element(By.CSS_SELECTOR, '.btn-primary').click()
    WebDriverWait(driver, 120).until(
        lambda d: '/auth/login' not in d.current_url)


def upload(url, user, password, volume_id, image_name, screenshot=''):
    driver = browser()
    try:
        login(driver, url, user, password)
        driver.get('%s/project/volumes/%s/upload_to_image/' % (url, volume_id))
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
        # Horizon returns to the volume list with its success message.
        # The volume list after the redirect calls several services.
        message = WebDriverWait(driver, 300).until(
            EC.presence_of_element_located(
                (By.CSS_SELECTOR, 'div.messages div.alert')))
        print(message.text)
        assert 'Successfully sent the request' in message.text, message.text
    finally:
        driver.quit()


if __name__ == '__main__':
    {'upload': upload}[sys.argv[1]](*sys.argv[2:])
