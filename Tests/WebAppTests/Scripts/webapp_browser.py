#!/usr/bin/env python3
"""Drives the AdaptiveQuiz web app in headless Chromium (Debian's chromium and chromedriver,
through Selenium) for the Swift tests in Tests/WebAppTests.

Protocol on standard output, one line each:
  STEP <text>            progress, shown when the test fails
  SERVER stop|start|new-secret
                         asks the test to stop or start the runner, or to restart it with another
                         JWT secret; the test answers "ok" on stdin
  RESULT <json>          what the scenario observed, for the test to check against the API
Any failure raises: the traceback goes to standard error and the exit status is 1.

Scenarios: learner, author, keyboard, faults (see each function's docstring), flashcards
(flashcards_scenario.py) and memory (memory_scenario.py).
"""

import argparse
import json
import os
import sys
import tempfile
import threading
import time

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
WAIT = 60  # seconds: a guard against hangs on a loaded machine, never a measurement


def step(text):
    print(f"STEP {text}", flush=True)


def server(command):
    print(f"SERVER {command}", flush=True)
    answer = sys.stdin.readline().strip()
    if answer != "ok":
        raise RuntimeError(f"the test answered {answer!r} to SERVER {command}")


def watch_parent():
    """Ends this process group if the test process goes away without stopping us."""
    parent = os.getppid()
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os.killpg(0, 9)


# MARK: - Browser


def browser(args, width=1000, height=1100):
    options = webdriver.ChromeOptions()
    options.binary_location = args.chromium
    for flag in ["--headless=new", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
                 f"--window-size={width},{height}", f"--user-data-dir={tempfile.mkdtemp(dir=args.work, prefix='chromium-')}"]:
        options.add_argument(flag)
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")  # Chromium's sandbox refuses to run as root
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=args.chromedriver, log_output=os.path.join(args.work, "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(WAIT)
    return driver


def wait(driver, condition, message, timeout=WAIT):
    def probe(d):
        try:
            return condition(d)
        except (StaleElementReferenceException, WebDriverException):
            return False
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(probe, message)


def find(driver, selector):
    return wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, selector), f"no {selector}")


def shot(driver, args, name):
    """The whole page (the body, however tall), as `name`.png."""
    driver.find_element(By.TAG_NAME, "body").screenshot(os.path.join(args.screenshots, f"{name}.png"))


def console_errors(driver):
    """Errors the page logged (exceptions, policy violations), except the browser's notes on
    failed connections (expected while the runner is down) and on API answers with an error status
    (the app shows those itself)."""
    allowed = ("ERR_CONNECTION_REFUSED", "ERR_CONNECTION_RESET", "ERR_EMPTY_RESPONSE", "ERR_CONNECTION_CLOSED",
               "Failed to load resource: the server responded with a status of")
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE" and not any(text in entry["message"] for text in allowed)]


def no_horizontal_scroll(driver):
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


UNLABELLED = """
return [...document.querySelectorAll('main input, main select, main textarea, main button, main a[href], header button, header a[href]')]
  .filter((el) => el.offsetParent !== null || el.type === 'radio' || el.type === 'checkbox')
  .filter((el) => !((el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.textContent.trim()))
  .map((el) => el.outerHTML.slice(0, 120));
"""


def page_checks(driver, screen):
    """What every screen must satisfy: no horizontal scrolling, every control named, no page errors."""
    assert no_horizontal_scroll(driver), f"{screen}: the page scrolls sideways at {driver.execute_script('return window.innerWidth')} px"
    unlabelled = driver.execute_script(UNLABELLED)
    assert not unlabelled, f"{screen}: controls without a name: {unlabelled}"
    errors = console_errors(driver)
    assert not errors, f"{screen}: the page logged errors: {errors}"


# MARK: - The app's screens


def sign_in(driver, user, author=False):
    find(driver, "#signin-user").send_keys(user)
    if author:
        find(driver, "#signin-author").click()
    find(driver, "main form button[type=submit]").click()
    wait(driver, lambda d: d.find_element(By.ID, "account-name").text.endswith(user), "not signed in")


def start_session(driver, bank, count):
    field = find(driver, "#start-bank")
    field.clear()
    field.send_keys(bank, Keys.TAB)
    wait(driver, lambda d: "question" in d.find_element(By.ID, "start-bank-info").text, "the bank's categories did not load")
    count_field = find(driver, "#start-count")
    count_field.clear()
    count_field.send_keys(str(count))


def current_question(driver):
    form = find(driver, "form.question")
    return {
        "id": form.get_attribute("data-question-id"),
        "attempt": int(form.get_attribute("data-attempt")),
        "order": [i.get_attribute("value") for i in form.find_elements(By.CSS_SELECTOR, "input[name=choice]")],
    }


def choose(driver, ids):
    for choice in ids:
        driver.find_element(By.CSS_SELECTOR, f"form.question input[name=choice][value='{choice}']").click()


def submit_answer(driver):
    driver.find_element(By.CSS_SELECTOR, "form.question button[type=submit]").click()


def feedback(driver):
    return driver.find_element(By.ID, "feedback").text


def wait_outcome(driver, previous_form, timeout=WAIT):
    """Waits for the answer's outcome: a next/results button, or the retried question."""
    def done(d):
        if d.find_elements(By.CSS_SELECTOR, ".stage .next button"):
            return "next"
        forms = d.find_elements(By.CSS_SELECTOR, "form.question")
        if forms and forms[0] != previous_form:
            return "retry"
        return False
    return wait(driver, done, "no outcome of the answer", timeout)


def answer_key(bank_path):
    with open(bank_path) as file:
        return {question["id"]: question for question in json.load(file)}


# MARK: - Scenarios


def learner(args):
    """Signs in, starts a session, answers wrong then right (retry reshuffled, indicator,
    explanation), reloads mid-session, answers while the runner is stopped and restarted,
    finishes, and reads the progress charts."""
    key = answer_key(os.path.join(FIXTURES, "capitals.json"))
    driver = browser(args)
    answers = 0
    observed = {}
    try:
        driver.get(args.base_url + "/")
        find(driver, "#signin-user")
        shot(driver, args, "01-sign-in")
        page_checks(driver, "sign in")
        step("signing in as grace")
        sign_in(driver, "grace")
        observed["importLinkVisible"] = driver.find_element(By.ID, "nav-import").is_displayed()

        start_session(driver, "capitals", 4)
        observed["categories"] = [o.text for o in driver.find_elements(By.CSS_SELECTOR, "#start-category option")]
        shot(driver, args, "02-new-session")
        page_checks(driver, "new session")
        find(driver, "main form button[type=submit]").click()

        step("answering the first question wrong")
        first = current_question(driver)
        question = key[first["id"]]
        wrong = next(choice["id"] for choice in question["answers"] if choice["id"] not in question["correctAnswers"])
        form = driver.find_element(By.CSS_SELECTOR, "form.question")
        choose(driver, [wrong])
        submit_answer(driver)
        answers += 1
        assert wait_outcome(driver, form) == "retry", "a wrong answer did not serve the question again"
        retry = current_question(driver)
        assert retry["id"] == first["id"] and retry["attempt"] == 2, f"retry {retry} after {first}"
        observed["retryNotice"] = find(driver, ".retry-notice").text
        observed["wrongFeedback"] = feedback(driver)
        observed["orderBefore"], observed["orderAfter"] = first["order"], retry["order"]
        shot(driver, args, "03-quiz-retry")
        page_checks(driver, "quiz retry")

        step("answering it right on the second try")
        form = driver.find_element(By.CSS_SELECTOR, "form.question")
        choose(driver, question["correctAnswers"])
        submit_answer(driver)
        answers += 1
        assert wait_outcome(driver, form) == "next"
        observed["rightFeedback"] = feedback(driver)
        observed["explanation"] = driver.find_element(By.CSS_SELECTOR, "#feedback .explanation").text
        observed["comesBack"] = driver.find_element(By.CSS_SELECTOR, "#feedback .comes-back").text
        observed["indicator"] = wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, ".penalty-value").text, "no indicator")
        shot(driver, args, "04-quiz-explanation")
        driver.find_element(By.CSS_SELECTOR, ".stage .next button").click()

        step("reloading mid-session")
        before = current_question(driver)
        done_before = driver.find_element(By.CSS_SELECTOR, ".quiz-status .done").text
        driver.refresh()
        after = current_question(driver)
        observed["reload"] = {"before": before["id"], "after": after["id"], "doneBefore": done_before,
                              "doneAfter": find(driver, ".quiz-status .done").text,
                              "indicatorAfter": find(driver, ".penalty-value").text}

        step("answering while the runner is stopped, then restarted")
        server("stop")
        question = key[after["id"]]
        form = driver.find_element(By.CSS_SELECTOR, "form.question")
        choose(driver, question["correctAnswers"])
        submit_answer(driver)
        answers += 1
        banner = wait(driver, lambda d: d.find_element(By.ID, "connection") if "Reconnecting" in d.find_element(By.ID, "connection").text else False,
                      "no reconnecting state while the runner was down")
        observed["reconnecting"] = banner.text
        observed["pendingWhileDown"] = driver.execute_script(
            "return JSON.parse(localStorage.getItem('aq.v1.grace.pending') || '[]').map((e) => e.kind)")
        shot(driver, args, "05-reconnecting")
        server("start")
        outcome = wait_outcome(driver, form, timeout=120)
        observed["afterRestart"] = {"outcome": outcome, "feedback": feedback(driver),
                                    "banner": driver.find_element(By.ID, "connection").text}
        observed["pendingAfter"] = driver.execute_script("return localStorage.getItem('aq.v1.grace.pending')")

        step("answering while the runner is down, reloading on the dead server, then loading again once it is back")
        driver.find_element(By.CSS_SELECTOR, ".stage .next button").click()
        server("stop")
        unsent = current_question(driver)
        choose(driver, key[unsent["id"]]["correctAnswers"])
        submit_answer(driver)
        answers += 1
        wait(driver, lambda d: "Reconnecting" in d.find_element(By.ID, "connection").text, "no reconnecting state")
        # Another URL than the page's own (a hash change would not reload): the browser's error page.
        try:
            driver.get(args.base_url + "/index.html#/quiz")
        except WebDriverException:
            pass
        observed["deadPage"] = driver.execute_script("return location.href")
        server("start")
        driver.get(args.base_url + "/")
        resumed = wait(driver, lambda d: d.find_element(By.ID, "feedback").text if "last answer" in d.find_element(By.ID, "feedback").text else False,
                       "the pending answer was not sent again after the reload")
        observed["resumed"] = {"feedback": resumed, "answered": unsent["id"], "now": current_question(driver)["id"],
                               "pending": driver.execute_script("return localStorage.getItem('aq.v1.grace.pending')")}

        step("the runner comes back with another secret: the answer meets a 401, the learner signs in again, it is sent then")
        server("new-secret")
        refused = current_question(driver)
        choose(driver, key[refused["id"]]["correctAnswers"])
        submit_answer(driver)
        answers += 1
        flash = find(driver, "main .flash")
        observed["signInAgain"] = {
            "flash": flash.text, "hash": driver.execute_script("return location.hash"),
            "pending": driver.execute_script("return JSON.parse(localStorage.getItem('aq.v1.grace.pending') || '[]').map((e) => e.kind)"),
        }
        sign_in(driver, "grace")
        resent = wait(driver, lambda d: d.find_element(By.ID, "feedback").text if "last answer" in d.find_element(By.ID, "feedback").text else False,
                      "the answer kept through the sign-in was not sent")
        observed["signInAgain"].update({"feedback": resent, "now": current_question(driver)["id"], "answered": refused["id"],
                                        "pendingAfter": driver.execute_script("return localStorage.getItem('aq.v1.grace.pending')")})

        step("answering the rest right (one of them submitted twice at once)")
        doubled = False
        for _ in range(40):
            if driver.find_elements(By.CSS_SELECTOR, ".stage .next button"):
                button = driver.find_element(By.CSS_SELECTOR, ".stage .next button")
                if button.text == "See your results":
                    break
                button.click()
            current = current_question(driver)
            form = driver.find_element(By.CSS_SELECTOR, "form.question")
            choose(driver, key[current["id"]]["correctAnswers"])
            if not doubled:
                driver.execute_script("const f = document.querySelector('form.question'); f.requestSubmit(); f.requestSubmit();")
                doubled = True
            else:
                submit_answer(driver)
            answers += 1
            assert wait_outcome(driver, form) == "next", f"a right answer to {current['id']} was not accepted"
        else:
            raise AssertionError("the session did not complete")
        find(driver, ".stage .next button").click()

        find(driver, "dl.figures[data-status]")
        observed["sessionId"] = driver.execute_script("return decodeURIComponent(location.hash.split('/')[2])")
        observed["results"] = driver.find_element(By.CSS_SELECTOR, "dl.figures").text
        shot(driver, args, "06-results")
        page_checks(driver, "results")

        step("reading the progress charts")
        driver.find_element(By.CSS_SELECTOR, "#nav a[data-route=progress]").click()
        find(driver, "figure[data-chart=accuracy] svg")
        observed["charts"] = driver.execute_script("""
            return Object.fromEntries([...document.querySelectorAll('figure[data-chart]')].map((figure) => [figure.dataset.chart, {
              bars: figure.querySelectorAll('svg rect.bar').length,
              label: figure.querySelector('svg desc').textContent,
              rows: [...figure.querySelectorAll('table tbody tr')].map((tr) => [...tr.cells].map((c) => c.textContent)),
            }]));""")
        observed["emptyCharts"] = [p.get_attribute("data-chart") for p in driver.find_elements(By.CSS_SELECTOR, "p.empty")]
        shot(driver, args, "07-progress")
        page_checks(driver, "progress")
        observed["answers"] = answers
        print("RESULT " + json.dumps(observed), flush=True)
    finally:
        driver.quit()


def author(args):
    """Signs in as an author, imports a CSV with one bad row (refused, the row's problem shown),
    then the corrected file; starts a session on it and gives it up."""
    driver = browser(args)
    try:
        driver.get(args.base_url + "/")
        step("signing in as an author")
        sign_in(driver, "ada", author=True)
        link = find(driver, "#nav a[data-route=import]")
        assert link.is_displayed(), "authors see no Import link"
        link.click()
        find(driver, "#import-bank").send_keys("rivers")

        step("importing a file with one bad row")
        find(driver, "#import-file").send_keys(os.path.join(FIXTURES, "rivers-one-bad-row.csv"))
        find(driver, "main form button[type=submit]").click()
        refused = find(driver, ".import-result[data-outcome=refused]")
        rows = driver.execute_script(
            "return [...document.querySelectorAll('.import-result table tbody tr')].map((tr) => [...tr.cells].map((c) => c.textContent))")
        observed = {"refusedSummary": refused.find_element(By.TAG_NAME, "strong").text, "errors": rows}
        shot(driver, args, "08-import-errors")
        page_checks(driver, "import errors")

        step("importing the corrected file")
        file_input = driver.find_element(By.ID, "import-file")
        file_input.clear()
        file_input.send_keys(os.path.join(FIXTURES, "rivers.csv"))
        driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        observed["imported"] = find(driver, ".import-result[data-outcome=imported] strong").text
        shot(driver, args, "09-import-done")
        page_checks(driver, "import done")

        step("starting a session on the new bank and giving it up")
        driver.find_element(By.CSS_SELECTOR, ".import-result a.button").click()
        wait(driver, lambda d: d.find_element(By.ID, "start-bank").get_attribute("value") == "rivers", "the start screen does not offer the bank just imported")
        wait(driver, lambda d: "question" in d.find_element(By.ID, "start-bank-info").text, "the bank's categories did not load")
        find(driver, "main form button[type=submit]").click()
        find(driver, "form.question")
        observed["sessionId"] = driver.execute_script("return localStorage.getItem('aq.v1.ada.session')")
        next(b for b in driver.find_elements(By.CSS_SELECTOR, ".session-actions button") if b.text == "Give up").click()
        confirm = find(driver, ".confirm button.danger")
        observed["confirm"] = driver.find_element(By.CSS_SELECTOR, ".confirm p").text
        confirm.click()
        observed["ended"] = find(driver, "dl.figures[data-status]").get_attribute("data-status")
        observed["openSessionAfter"] = driver.execute_script("return localStorage.getItem('aq.v1.ada.session')")
        print("RESULT " + json.dumps(observed), flush=True)
    finally:
        driver.quit()


CONFIG_CHECKS = """
const done = arguments[arguments.length - 1];
(async () => {
  const { parseConfig } = await import('/js/config.js');
  const { pkceChallenge } = await import('/js/auth.js');
  const { backoff, retryAfterMs } = await import('/js/connection.js');
  const httpDate = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
  const attempt = (raw, location) => { try { return parseConfig(raw, location); } catch (error) { return { problems: error.problems }; } };
  return {
    empty: attempt({}),
    local: attempt({ apiBaseUrl: '', signIn: { method: 'dev', authors: true } }),
    cognito: attempt({
      apiBaseUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/',
      signIn: { method: 'cognito', domain: 'https://quiz-1234.auth.eu-west-1.amazoncognito.com', clientId: '4pq1example' },
      banks: ['demo'],
    }, 'https://d111.cloudfront.net/index.html?code=x#/quiz'),
    bad: attempt({ apiBaseUrl: 'ftp://example.com', signIn: { method: 'cognito', domain: 'http://plain.example.com', clientId: '' } }),
    notObject: attempt([]),
    pkce: await pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
    retryAfter: [retryAfterMs('3'), retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', httpDate), retryAfterMs('soon'),
      retryAfterMs(null), retryAfterMs('100000')],
    backoff: [backoff(0, () => 0), backoff(0, () => 1), backoff(3, () => 0.5), backoff(20, () => 0), backoff(20, () => 1)],
  };
})().then(done, (error) => done({ error: String(error) }));
"""


RENDER_CHECKS = """
const done = arguments[arguments.length - 1];
(async () => {
  const { renderProgress } = await import('/js/screens/progress.js');
  const { comesBack } = await import('/js/screens/session.js');
  const forecast = Array(30).fill(0);
  forecast[1] = 2; forecast[8] = 3;
  const progress = {
    totals: { answers: 0, correct: 0, correctFirstTry: 0, accuracy: 0 }, categories: [], pool: { size: 0, entries: [] },
    memory: { tracked: 6, dueNow: 1, forecast, meanRetrievability: 0.8765, mature: 2, leeches: 1,
      categories: [{ category: 'maths', tracked: 2, dueNow: 0, forecast: Array(30).fill(0), meanRetrievability: 0.5, mature: 0, leeches: 1 },
        { category: 'geography', tracked: 4, dueNow: 1, forecast, meanRetrievability: 1, mature: 2, leeches: 0 }] },
  };
  const container = document.createElement('div');
  document.body.append(container);
  await renderProgress({ api: { get: async () => progress } }, container);
  const figure = container.querySelector('figure[data-chart=forecast]');
  const pairs = (selector) => [...container.querySelectorAll(selector)].map((dt) => [dt.textContent, dt.nextElementSibling.textContent]);
  const result = {
    memory: pairs('dl[data-memory] dt'),
    byCategory: [...container.querySelectorAll('table.memory-categories tbody tr')].map((tr) => [...tr.cells].map((c) => c.textContent)),
    forecastRows: [...figure.querySelectorAll('table tbody tr')].map((tr) => [...tr.cells].map((c) => c.textContent)),
    columns: [...figure.querySelectorAll('svg rect')].map((r) => Number(r.getAttribute('height'))),
    role: figure.querySelector('svg').getAttribute('role'),
    named: figure.querySelector('svg').getAttribute('aria-labelledby').split(' ').map((id) => document.getElementById(id).textContent),
  };
  container.remove();
  const now = Date.UTC(2026, 11, 7, 12);
  result.comesBack = [
    comesBack({ dueAt: new Date(now + 3 * 86400000).toISOString() }, now), comesBack({ dueAt: now + 86400000 }, now),
    comesBack({ dueAt: null }, now), comesBack(undefined, now),
  ];
  const { dueText, duration } = await import('/js/screens/memory.js');
  const day = 86400000;
  result.dueText = [dueText(new Date(now - 12.5 * day).toISOString(), now), dueText(now - 3600000, now), dueText(now + 3600000, now),
    dueText(now + day, now), dueText(now + 5 * day, now), dueText(null, now)];
  result.duration = [duration(0.212), duration(2.3065), duration(2), duration(45.4), duration(500)];
  return result;
})().then(done, (error) => done({ error: String(error) }));
"""


def keyboard(args):
    """At 360 px wide, with the keyboard only: signs in (as an author), starts a session, answers
    every question and reaches the results and progress; checks focus is visible, nothing
    scrolls sideways and every control has a name, on every screen. Also runs the config.json
    parser and the PKCE helper in the page."""
    driver = browser(args, width=500, height=900)
    observed = {"focus": []}
    key = answer_key(os.path.join(FIXTURES, "capitals.json"))
    try:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True})
        driver.get(args.base_url + "/")
        find(driver, "#signin-user")
        observed["config"] = driver.execute_async_script(CONFIG_CHECKS)
        observed["rendered"] = driver.execute_async_script(RENDER_CHECKS)
        observed["width"] = driver.execute_script("return window.innerWidth")

        def press(*keys):
            webdriver.ActionChains(driver).send_keys(*keys).perform()

        def replace_text(text):
            webdriver.ActionChains(driver).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).send_keys(text).perform()

        def active():
            return driver.switch_to.active_element

        def tab_to(predicate, what, limit=30):
            if predicate(active()):
                return active()  # already there: the app moved focus itself
            for _ in range(limit):
                press(Keys.TAB)
                element = active()
                if predicate(element):
                    return element
            raise AssertionError(f"Tab never reached {what}")

        def focus_ring(element, what):
            style = driver.execute_script(
                "const s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth];", element)
            observed["focus"].append([what, style[0], style[1]])

        step("signing in with the keyboard")
        tab_to(lambda e: e.get_attribute("id") == "signin-user", "the user name")
        press("kim")
        author = tab_to(lambda e: e.get_attribute("id") == "signin-author", "the author box")
        press(Keys.SPACE)
        assert author.is_selected(), "Space did not tick the author box"
        button = tab_to(lambda e: e.tag_name == "button" and e.text == "Sign in", "Sign in")
        focus_ring(button, "sign-in button")
        page_checks(driver, "sign in at 360 px")
        press(Keys.ENTER)
        wait(driver, lambda d: d.find_element(By.ID, "account-name").text.endswith("kim"), "keyboard sign-in failed")

        step("starting a session with the keyboard")
        find(driver, "#start-bank")
        tab_to(lambda e: e.get_attribute("id") == "start-bank", "the bank field")
        replace_text("capitals")
        tab_to(lambda e: e.get_attribute("id") == "start-category", "the category")
        wait(driver, lambda d: "question" in d.find_element(By.ID, "start-bank-info").text, "categories did not load")
        count = tab_to(lambda e: e.get_attribute("id") == "start-count", "the question count")
        replace_text("2")
        assert count.get_attribute("value") == "2"
        start = tab_to(lambda e: e.tag_name == "button" and e.text == "Start", "Start")
        focus_ring(start, "start button")
        shot(driver, args, "10-new-session-360")
        page_checks(driver, "new session at 360 px")
        press(Keys.ENTER)

        step("answering with the keyboard")
        for _ in range(20):
            question = current_question(driver)
            wanted = key[question["id"]]["correctAnswers"]
            tab_to(lambda e: e.get_attribute("name") == "choice", "the first choice")
            if len(wanted) > 1:
                # Checkboxes: Tab through them, Space on each right one.
                for _ in question["order"]:
                    if active().get_attribute("value") in wanted:
                        press(Keys.SPACE)
                    press(Keys.TAB)
            else:
                # A radio group is one Tab stop; the arrow keys move through it, Space checks.
                for _ in question["order"]:
                    if active().get_attribute("value") in wanted:
                        break
                    press(Keys.ARROW_DOWN)
                press(Keys.SPACE)
                press(Keys.TAB)
            check = active()
            assert check.text == "Check answer", f"focus after the choices is on {check.text!r}"
            focus_ring(check, "check answer button")
            if not observed.get("quizShot"):
                observed["quizShot"] = True
                shot(driver, args, "11-quiz-360")
                page_checks(driver, "quiz at 360 px")
            press(Keys.ENTER)
            next_button = wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, ".stage .next button"), "no outcome")
            assert active() == next_button, "focus did not move to the next step"
            if next_button.text == "See your results":
                press(Keys.ENTER)
                break
            press(Keys.ENTER)
        else:
            raise AssertionError("the session did not complete")

        step("results and progress at 360 px")
        find(driver, "dl.figures[data-status]")
        page_checks(driver, "results at 360 px")
        link = tab_to(lambda e: e.text == "See your progress", "the progress link")
        press(Keys.ENTER)
        find(driver, "figure[data-chart=accuracy] svg")
        shot(driver, args, "12-progress-360")
        page_checks(driver, "progress at 360 px")

        driver.get(args.base_url + "/#/import")
        find(driver, "#import-file")
        shot(driver, args, "13-import-360")
        page_checks(driver, "import at 360 px")
        observed["announcer"] = driver.find_element(By.ID, "announcer").get_attribute("aria-live")
        observed["connectionRole"] = driver.find_element(By.ID, "connection").get_attribute("role")
        print("RESULT " + json.dumps(observed), flush=True)
    finally:
        driver.quit()


# MARK: - Faults between the browser and the runner


class FaultyProxy:
    """A forwarding HTTP proxy on 127.0.0.1 between the browser and the runner that can fail the
    next answer (POST /sessions/ID/answer), or the next settings change (PUT /users/ID/settings),
    in one of two ways, once:
      "503"         answer 503 STORAGE_UNAVAILABLE with Retry-After, without forwarding;
      "lose-reply"  forward it (the runner applies it), then close the connection unanswered.
    It logs every answer it sees (`log`) and every settings change (`settings_log`): when, its
    Idempotency-Key, the fault, the runner's status and whether the runner replayed a stored
    response; for a settings change, its body too."""

    def __init__(self, upstream_port):
        import http.server
        proxy = self
        self.upstream_port = upstream_port
        self.fault = None
        self.target = "answer"
        self.retry_after = 2
        self.log = []
        self.settings_log = []
        self.lock = threading.Lock()
        self.started = time.monotonic()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                proxy.handle(self)

            do_POST = do_PUT = do_HEAD = do_GET

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def arm(self, fault, retry_after=2, target="answer"):
        with self.lock:
            self.fault, self.retry_after, self.target = fault, retry_after, target

    def handle(self, request):
        import http.client
        import re
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else None
        is_answer = request.command == "POST" and re.fullmatch(r"/sessions/[^/]+/answer", request.path) is not None
        is_settings = request.command == "PUT" and re.fullmatch(r"/users/[^/]+/settings", request.path) is not None
        watched = self.log if is_answer else self.settings_log if is_settings else None
        fault = None
        if watched is not None:
            with self.lock:
                if self.target == ("answer" if is_answer else "settings"):
                    fault, self.fault = self.fault, None
        entry = {"at": round(time.monotonic() - self.started, 3), "key": request.headers.get("Idempotency-Key"), "fault": fault}
        if is_settings:
            entry["body"] = json.loads(body or b"null")
        if fault == "503":
            entry["status"] = 503
            watched.append(entry)
            payload = json.dumps({"error": {"code": "STORAGE_UNAVAILABLE", "message": "Storage is unavailable.", "requestId": "proxy"}}).encode()
            request.send_response(503)
            request.send_header("Content-Type", "application/json")
            request.send_header("Retry-After", str(self.retry_after))
            request.send_header("Content-Length", str(len(payload)))
            request.end_headers()
            request.wfile.write(payload)
            return
        headers = {name: value for name, value in request.headers.items() if name.lower() not in ("connection", "keep-alive", "content-length")}
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=120)
        try:
            upstream.request(request.command, request.path, body=body, headers=headers)
            response = upstream.getresponse()
            payload = response.read()
        finally:
            upstream.close()
        if watched is not None:
            entry.update(status=response.status, replayed=response.getheader("Idempotency-Replayed"))
            watched.append(entry)
        if fault == "lose-reply":
            request.close_connection = True
            request.connection.shutdown(2)  # the runner has applied it; the browser hears nothing
            return
        request.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in ("connection", "keep-alive", "transfer-encoding", "content-length", "date", "server"):
                request.send_header(name, value)
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(payload)


def faults(args):
    """Behind a proxy that loses the reply to one answer (after the runner applied it) and answers
    another with 503 and Retry-After: the app sends each again under its own key, waits as told,
    and the learner sees each answered once; then the same two faults on settings changes (PUT,
    no key: sent again as it is)."""
    from urllib.parse import urlparse
    proxy = FaultyProxy(urlparse(args.base_url).port)
    base = f"http://127.0.0.1:{proxy.port}"
    key = answer_key(os.path.join(FIXTURES, "capitals.json"))
    driver = browser(args)
    observed = {}
    try:
        driver.get(base + "/")
        step("signing in and starting a two-question session through the proxy")
        sign_in(driver, "lee")
        start_session(driver, "capitals", 2)
        find(driver, "main form button[type=submit]").click()
        question = current_question(driver)
        observed["sessionId"] = driver.execute_script("return localStorage.getItem('aq.v1.lee.session')")

        step("an answer whose reply is lost after the runner applied it")
        proxy.arm("lose-reply")
        form = driver.find_element(By.CSS_SELECTOR, "form.question")
        choose(driver, key[question["id"]]["correctAnswers"])
        submit_answer(driver)
        assert wait_outcome(driver, form) == "next"
        observed["lostReplyFeedback"] = feedback(driver)
        driver.find_element(By.CSS_SELECTOR, ".stage .next button").click()

        step("an answer refused with 503 and Retry-After: 2")
        question = current_question(driver)
        proxy.arm("503", retry_after=2)
        form = driver.find_element(By.CSS_SELECTOR, "form.question")
        choose(driver, key[question["id"]]["correctAnswers"])
        submit_answer(driver)
        observed["busyBanner"] = wait(driver, lambda d: d.find_element(By.ID, "connection").text if "busy" in d.find_element(By.ID, "connection").text else False,
                                      "no busy state after a 503")
        shot(driver, args, "14-server-busy")
        assert wait_outcome(driver, form) == "next"
        observed["busyFeedback"] = feedback(driver)
        page_checks(driver, "after the faults")

        step("a settings change whose reply is lost, then one refused with 503 and Retry-After: 2")
        driver.find_element(By.CSS_SELECTOR, "#nav a[data-route=settings]").click()
        retention = find(driver, "#settings-retention")
        saved = lambda d: d.find_element(By.CSS_SELECTOR, "form.settings .form-status").text  # noqa: E731
        for fault, value in [("lose-reply", "0.80"), ("503", "0.75")]:
            proxy.arm(fault, retry_after=2, target="settings")
            retention.send_keys(Keys.CONTROL, "a")
            retention.send_keys(Keys.BACK_SPACE, value)
            driver.find_element(By.CSS_SELECTOR, "form.settings button[type=submit]").click()
            observed[f"settings-{fault}"] = wait(driver, lambda d: saved(d) if saved(d).startswith("Saved") and value in saved(d) else False,
                                                 f"{value} not saved after {fault}")
        observed["proxyLog"] = proxy.log
        observed["settingsLog"] = proxy.settings_log
        print("RESULT " + json.dumps(observed), flush=True)
    finally:
        driver.quit()
        proxy.server.shutdown()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=["learner", "author", "keyboard", "faults", "flashcards", "memory"])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--screenshots", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = parser.parse_args()
    threading.Thread(target=watch_parent, daemon=True).start()
    if args.scenario == "flashcards":
        # Its own module, which takes this one's helpers; imported here, once this one is loaded.
        from flashcards_scenario import flashcards
        flashcards(args)
        return
    if args.scenario == "memory":
        from memory_scenario import memory
        memory(args)
        return
    {"learner": learner, "author": author, "keyboard": keyboard, "faults": faults}[args.scenario](args)


if __name__ == "__main__":
    main()
