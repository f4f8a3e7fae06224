"""The memory scenario of webapp_browser.py: a learner changes the desired retention on the
settings screen (saved, kept across a reload, an out-of-range value refused at the field), reads
the list of questions most overdue first ten a page, narrows it to one bank, ticks three questions
and studies exactly those as flashcards; then a new learner sees the empty list.

Before it runs, the test has rated twelve questions of the bank `words` and two of `capitals`
good at different times in the past (through the API, with the runner's clock header), so that all
fourteen are overdue by different amounts.
"""

import json

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from webapp_browser import browser, find, page_checks, shot, sign_in, step, wait

ROWS = "return [...document.querySelectorAll('li.memory-item')].map((li) => li.dataset.bankId + '/' + li.dataset.questionId)"


def rows(driver):
    return driver.execute_script(ROWS)


def wait_rows(driver, count):
    return wait(driver, lambda d: (len(rows(d)) == count) and rows(d), f"the list did not show {count} questions")


def open_screen(driver, route, title):
    driver.find_element(By.CSS_SELECTOR, f"#nav a[data-route={route}]").click()
    wait(driver, lambda d: d.title.startswith(title) and d.execute_script("return document.activeElement.tagName") == "H1",
         f"the {route} screen did not open")


def set_retention(driver, value):
    field = find(driver, "#settings-retention")
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.BACK_SPACE, value)
    driver.find_element(By.CSS_SELECTOR, "form.settings button[type=submit]").click()


def settings(driver, args):
    step("settings: the default desired retention, 0.85 saved and kept across a reload, 0.99 refused")
    observed = {}
    open_screen(driver, "settings", "Settings")
    observed["initial"] = find(driver, "#settings-retention").get_attribute("value")
    shot(driver, args, "21-settings")
    page_checks(driver, "settings")
    set_retention(driver, "0.85")
    status = lambda d: d.find_element(By.CSS_SELECTOR, "form.settings .form-status").text  # noqa: E731
    observed["saved"] = wait(driver, lambda d: status(d) if status(d).startswith("Saved") else False, "no Saved status")
    driver.refresh()
    observed["afterReload"] = find(driver, "#settings-retention").get_attribute("value")
    set_retention(driver, "0.99")
    error = wait(driver, lambda d: d.find_element(By.ID, "settings-retention-error").is_displayed()
                 and d.find_element(By.ID, "settings-retention-error"), "no error at the field for 0.99")
    observed["refusedError"] = error.text
    observed["refusedInvalid"] = find(driver, "#settings-retention").get_attribute("aria-invalid")
    observed["refusedStatus"] = status(driver)
    observed["refusedFocus"] = driver.execute_script("return document.activeElement.id")
    shot(driver, args, "22-settings-refused")
    page_checks(driver, "settings refused")
    return observed


def memory(args):
    driver = browser(args)
    observed = {}
    try:
        driver.get(args.base_url + "/")
        sign_in(driver, "zoe")
        observed["settings"] = settings(driver, args)

        step("from the progress screen's link: every bank, ten a page, then Show more")
        open_screen(driver, "progress", "Progress")
        find(driver, "section.memory a[href='#/memory']").click()
        wait(driver, lambda d: d.title.startswith("Your questions") and d.find_elements(By.CSS_SELECTOR, "li.memory-item"), "no questions screen")
        Select(find(driver, "#memory-limit")).select_by_value("10")
        driver.find_element(By.CSS_SELECTOR, "form.memory-filter button[type=submit]").click()
        wait(driver, lambda d: len(rows(d)) == 10 and d.find_element(By.CSS_SELECTOR, "form.memory-study > button").is_displayed(),
             "no first page of 10 with Show more")
        observed["firstPage"] = len(rows(driver))
        observed["firstDue"] = driver.execute_script("return document.querySelector('li.memory-item .memory-facts dd').textContent")
        observed["firstText"] = driver.find_element(By.CSS_SELECTOR, "li.memory-item label").text
        shot(driver, args, "23-memory-list")
        page_checks(driver, "memory list")
        more = driver.find_element(By.CSS_SELECTOR, "form.memory-study > button")
        more.send_keys(Keys.ENTER)  # the keyboard, as a learner without a mouse
        observed["all"] = wait_rows(driver, 14)
        observed["moreAfterLast"] = driver.find_element(By.CSS_SELECTOR, "form.memory-study > button").is_displayed()

        step("two banks ticked: refused, with why")
        boxes = driver.find_elements(By.CSS_SELECTOR, "li.memory-item input[name=pick]")
        for box in [boxes[0], boxes[5]]:  # word-11 and a capital, with the keyboard
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
            box.send_keys(" ")
        observed["twoBanksPicked"] = driver.execute_script(
            "return [...document.querySelectorAll('li.memory-item input:checked')].map((b) => b.dataset.bankId + '/' + b.dataset.questionId)")
        driver.find_element(By.CSS_SELECTOR, "form.memory-study button.primary").click()
        def refused(d):
            assert d.execute_script("return location.hash") != "#/cards", f"a session of {observed['twoBanksPicked']} started"
            return d.find_element(By.CSS_SELECTOR, "form.memory-study .form-status").text or False
        observed["twoBanks"] = wait(driver, refused, "no message for two banks")

        step("one bank, at 360 px: its questions only; three ticked across two pages and studied")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True})
        bank = find(driver, "#memory-bank")
        bank.send_keys("words")
        driver.find_element(By.CSS_SELECTOR, "form.memory-filter button[type=submit]").click()
        wait(driver, lambda d: d.execute_script("return location.hash") == "#/memory/words" and len(rows(d)) == 10, "no page of the bank words")
        observed["wordsHash"] = driver.execute_script("return location.hash")
        driver.find_element(By.CSS_SELECTOR, "form.memory-study > button").click()
        observed["wordsOnly"] = wait_rows(driver, 12)
        for question in ["word-10", "word-6", "word-1"]:
            label = driver.find_element(By.CSS_SELECTOR, f"li.memory-item[data-question-id='{question}'] label")
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", label)
            label.click()
        observed["chosen"] = driver.find_element(By.ID, "memory-chosen").text
        shot(driver, args, "24-memory-selected-360")
        page_checks(driver, "memory list at 360 px")
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.find_element(By.CSS_SELECTOR, "form.memory-study button.primary").click()

        step("the flashcards: exactly the three ticked, in the order listed, each rated good")
        observed["cards"] = []
        last = None
        for _ in range(3):
            front = wait(driver, lambda d: d.execute_script(
                "const c = document.querySelector('.flashcard');"
                " return c && c.dataset.side === 'front' && c.dataset.questionId !== arguments[0] && c.dataset.questionId", last),
                "no next card front")
            if last is None:
                observed["cardsHash"] = driver.execute_script("return location.hash")
                observed["sessionId"] = driver.execute_script("return localStorage.getItem('aq.v1.zoe.session')")
            observed["cards"].append(front)
            ActionChains(driver).send_keys(" ").perform()
            wait(driver, lambda d: d.execute_script("return document.querySelector('.flashcard').dataset.side") == "back", "no back")
            ActionChains(driver).send_keys("3").perform()
            wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".stage .next button") or d.execute_script(
                "const c = document.querySelector('.flashcard'); return c && c.dataset.questionId !== arguments[0]", front),
                "no outcome of the rating")
            last = front
        find(driver, ".stage .next button")

        step("a new learner: the empty list")
        driver.find_element(By.ID, "sign-out").click()
        sign_in(driver, "newbie")
        open_screen(driver, "memory", "Your questions")
        observed["empty"] = wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, ".memory-count").text or False, "no empty state")
        observed["emptyList"] = driver.find_element(By.CSS_SELECTOR, "form.memory-study").is_displayed()
        shot(driver, args, "25-memory-empty")
        page_checks(driver, "empty memory list")
        print("RESULT " + json.dumps(observed), flush=True)
    finally:
        driver.quit()
