"""The flashcards scenario of webapp_browser.py: a learner reviews a flashcard deck with the
keyboard (Space reveals, 1-4 rate), reloads with a card's back showing, rates while the runner is
stopped and started again, sees a card rated again come back, completes the session and reads the
memory figures and the due forecast on the progress screen; then another learner answers a review
session's question and is told when it comes back.

Before it runs, the test has reviewed two of the bank's cards ten days ago (through the API, with
the runner's clock header), so that they are due now and the daily review serves them first.
"""

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

import os

from webapp_browser import FIXTURES, answer_key, browser, find, page_checks, server, shot, sign_in, start_session, step, wait

KEY = answer_key(os.path.join(FIXTURES, "capitals.json"))

PENDING = "return JSON.parse(localStorage.getItem('aq.v1.mia.pending') || '[]').map((e) => e.kind)"

CARD = """
const card = document.querySelector('.flashcard');
if (!card) return null;
return {
  id: card.dataset.questionId, side: card.dataset.side,
  front: card.querySelector('.card-front').textContent,
  backHidden: card.querySelector('.card-back').hidden,
  choices: document.querySelectorAll('main input[name=choice]').length,
  answers: [...card.querySelectorAll('.back-answers li')].map((li) => li.textContent),
  explanation: (card.querySelector('.card-back .explanation') || {}).textContent || null,
  done: document.querySelector('.quiz-status .done').textContent.trim(),
};
"""


def card(driver):
    return driver.execute_script(CARD)


def press(driver, key):
    ActionChains(driver).send_keys(key).perform()


def wait_side(driver, side, question_id=None, timeout=60):
    """Waits for a card showing `side` (front or back); for a front, another card than
    `question_id` when given (the next card)."""
    def ready(d):
        shown = card(d)
        if not shown or shown["side"] != side:
            return False
        if question_id is not None and side == "front" and shown["id"] == question_id:
            return False
        return shown
    return wait(driver, ready, f"no card showing its {side}", timeout)


def reveal(driver):
    """Space, as a learner used to Anki presses it; returns the card with its back showing."""
    front = card(driver)
    press(driver, " ")
    back = wait_side(driver, "back")
    assert back["id"] == front["id"], f"Space revealed {back['id']}, not the card shown ({front['id']})"
    back["focus"] = driver.execute_script("return document.activeElement.dataset.rating || document.activeElement.textContent")
    return back


def rate(driver, key):
    """A rating key; returns the feedback once the next card (or the end) shows."""
    assert card(driver)["side"] == "back", "a rating key pressed before the reveal"
    press(driver, key)

    def moved(d):
        if d.find_elements(By.CSS_SELECTOR, ".stage .next button"):
            return "end"
        shown = card(d)
        return "next" if shown and shown["side"] == "front" else False
    outcome = wait(driver, moved, f"no outcome of the rating key {key}", 120)
    return outcome, driver.find_element(By.ID, "feedback").text


def flashcards(args):
    driver = browser(args)
    observed = {"seen": [], "ratings": []}
    try:
        driver.get(args.base_url + "/")
        step("signing in as mia and choosing flashcards, the daily review")
        sign_in(driver, "mia")
        start_session(driver, "capitals", 4)
        find(driver, "#mode-flashcards").click()
        wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "fieldset.sources").is_displayed(), "no choice of cards for flashcards")
        observed["sources"] = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "fieldset.sources label")]
        observed["countLabel"] = driver.find_element(By.CSS_SELECTOR, "label[for=start-count]").text
        observed["modes"] = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "fieldset.modes:not(.sources) label")]
        shot(driver, args, "15-new-flashcards")
        page_checks(driver, "new flashcard session")
        find(driver, "main form button[type=submit]").click()

        step("the first card: front only, Space reveals the back, rated again (1)")
        first = wait_side(driver, "front")
        observed["firstFront"] = first
        observed["hash"] = driver.execute_script("return location.hash")
        observed["sessionId"] = driver.execute_script("return localStorage.getItem('aq.v1.mia.session')")
        shot(driver, args, "16-flashcard-front")
        page_checks(driver, "flashcard front")
        back = reveal(driver)
        observed["firstBack"] = back
        shot(driver, args, "17-flashcard-back")
        page_checks(driver, "flashcard back")
        observed["seen"].append(back["id"])
        outcome, feedback = rate(driver, "1")
        observed["ratings"].append("again")
        observed["againFeedback"] = feedback

        step("the second card: revealed, then the page reloads at 360 px wide; the back is shown again; rated good (3)")
        second = reveal(driver)
        observed["seen"].append(second["id"])
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True})
        driver.refresh()
        after = wait_side(driver, "back")
        observed["reload"] = {"before": second["id"], "after": after["id"], "answers": after["answers"],
                              "width": driver.execute_script("return window.innerWidth")}
        shot(driver, args, "17-flashcard-back-360")
        page_checks(driver, "flashcard back at 360 px")
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        outcome, feedback = rate(driver, "3")
        observed["ratings"].append("good")
        observed["goodFeedback"] = feedback

        step("the third card: rated easy (4) while the runner is stopped, delivered once it is back")
        third = reveal(driver)
        observed["seen"].append(third["id"])
        server("stop")
        press(driver, "4")
        observed["ratings"].append("easy")
        observed["reconnecting"] = wait(driver, lambda d: d.find_element(By.ID, "connection").text if "Reconnecting" in d.find_element(By.ID, "connection").text else False,
                                        "no reconnecting state while the runner was down")
        observed["pendingWhileDown"] = driver.execute_script(PENDING)
        server("start")
        wait_side(driver, "front", third["id"], timeout=120)
        observed["easyFeedback"] = driver.find_element(By.ID, "feedback").text
        observed["pendingAfter"] = driver.execute_script(PENDING)

        step("the fourth card: rated hard (2) with the mouse")
        fourth = reveal(driver)
        observed["seen"].append(fourth["id"])
        driver.find_element(By.CSS_SELECTOR, "button.rating[data-rating=hard]").click()
        observed["ratings"].append("hard")
        wait_side(driver, "front", fourth["id"], timeout=120)

        step("the card rated again comes back last; rated good, the session completes")
        fifth = reveal(driver)
        observed["seen"].append(fifth["id"])
        outcome, feedback = rate(driver, "3")
        observed["ratings"].append("good")
        assert outcome == "end", f"the session did not complete: {feedback}"
        observed["endFeedback"] = feedback
        observed["endFocus"] = driver.execute_script("return document.activeElement.textContent")
        press(driver, "3")  # a rating key after the end does nothing
        find(driver, ".stage .next button").click()
        find(driver, "dl.figures[data-status]")
        observed["results"] = driver.execute_script(
            "return [...document.querySelectorAll('dl.figures dt')].map((dt) => [dt.textContent, dt.nextElementSibling.textContent])")
        shot(driver, args, "18-flashcard-results")
        page_checks(driver, "flashcard results")

        step("the progress screen: memory figures and the due forecast")
        driver.find_element(By.CSS_SELECTOR, "#nav a[data-route=progress]").click()
        find(driver, "figure[data-chart=forecast] svg")
        observed["memory"] = driver.execute_script(
            "return [...document.querySelectorAll('dl[data-memory] dt')].map((dt) => [dt.textContent, dt.nextElementSibling.textContent])")
        observed["memoryByCategory"] = driver.execute_script(
            "return [...document.querySelectorAll('table.memory-categories tbody tr')].map((tr) => [...tr.cells].map((c) => c.textContent))")
        observed["forecast"] = driver.execute_script("""
            const figure = document.querySelector('figure[data-chart=forecast]');
            return {
              columns: [...figure.querySelectorAll('svg rect')].map((r) => Number(r.getAttribute('height'))),
              rows: [...figure.querySelectorAll('table tbody tr')].map((tr) => [...tr.cells].map((c) => c.textContent)),
              label: figure.querySelector('svg').getAttribute('aria-labelledby').split(' ').map((id) => document.getElementById(id).textContent),
            };""")
        observed["emptyCharts"] = [p.get_attribute("data-chart") for p in driver.find_elements(By.CSS_SELECTOR, "p.empty")]
        shot(driver, args, "19-progress-memory")
        page_checks(driver, "progress with memory")

        step("another learner's review session: a right answer says when the question comes back")
        driver.find_element(By.ID, "sign-out").click()
        sign_in(driver, "ray")
        start_session(driver, "capitals", 1)
        find(driver, "#mode-review").click()
        find(driver, "main form button[type=submit]").click()
        question = find(driver, "form.question")
        observed["reviewHash"] = driver.execute_script("return location.hash")
        observed["reviewSessionId"] = driver.execute_script("return localStorage.getItem('aq.v1.ray.session')")
        wanted = KEY[question.get_attribute("data-question-id")]["correctAnswers"]
        for choice in wanted:
            driver.find_element(By.CSS_SELECTOR, f"form.question input[name=choice][value='{choice}']").click()
        driver.find_element(By.CSS_SELECTOR, "form.question button[type=submit]").click()
        observed["reviewComesBack"] = find(driver, "#feedback .comes-back").text
        shot(driver, args, "20-review-answer")
        page_checks(driver, "review answer")
        print("RESULT " + __import__("json").dumps(observed), flush=True)
    finally:
        driver.quit()
