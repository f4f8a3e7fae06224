// The quiz: the question being served with its choices in the served order, time left, how many
// are done, the wrong-answer pool's indicator; after a wrong answer the same question with its
// choices reshuffled, marked as a retry; after a right one the explanation and when the question
// comes back for review (the answer's `memory.dueAt`). Quiz and review sessions. Everything shown is
// read from the API (GET /sessions/{id}/question and GET /sessions/{id}) whenever the screen
// opens, so a reload or a restarted server continues exactly where the session is.

import { ApiError, OutcomeUnknown } from '../api.js';
import { add, announce, fill, h } from '../dom.js';
import { openSession } from '../local.js';
import { screenFor } from '../modes.js';
import { comesBack, ENDED, SessionView } from './session.js';

export async function renderQuiz(app, container) {
  const user = app.auth.user;
  const sessionId = openSession.get(user);
  if (!sessionId) {
    app.flash = { text: 'There is no session in progress: start one here.' };
    app.go('start');
    return null;
  }
  const view = new SessionView(app, sessionId, 'question');
  const base = view.base;

  let question = null;
  let version = null;
  let shownAt = performance.now();

  // The parts of the screen, built once and updated in place.
  const heading = h('h1', { class: 'visually-hidden' }, 'Quiz');
  const penalty = h('p', { class: 'penalty', hidden: true }, h('span', { class: 'penalty-label' }, 'Wrong-answer pool '), h('span', { class: 'penalty-value' }));
  const status = view.statusLine(penalty);
  const feedback = h('div', { class: 'feedback', id: 'feedback', role: 'status', 'aria-live': 'polite' });
  const stage = h('div', { class: 'stage' });
  const actions = view.finishControls();
  add(container, heading, status, feedback, stage, actions);

  function showPenalty(indicator) {
    const value = penalty.querySelector('.penalty-value');
    if ((indicator ?? '') !== value.textContent && indicator) announce(`Wrong-answer pool: ${indicator}`);
    value.textContent = indicator ?? '';
    penalty.hidden = !indicator;
  }

  /** Reads the session and its question from the API and shows them. */
  async function load() {
    try {
      const { session } = await app.api.get(base);
      if (ENDED.has(session.status)) return view.finished();
      // A flashcard session opened here (an old link, the open session of another tab): its own screen.
      if (screenFor(session.mode) !== 'quiz') return app.go(screenFor(session.mode));
      question = await app.api.get(`${base}/question`);
      // The question's own version when the API sends it; the session's otherwise.
      version = question.version ?? session.version;
      view.showCounts(session);
      showPenalty(session.penaltyIndicator);
      view.startClock(session.timeRemainingSeconds);
      showQuestion();
    } catch (error) {
      if (view.handled(error)) return;
      throw error;
    }
  }

  function showQuestion() {
    shownAt = performance.now();
    const retry = question.attempt > 1;
    const type = question.multiSelect ? 'checkbox' : 'radio';
    const choices = question.answers.map((answer, index) => h('li', {},
      h('input', { type, name: 'choice', id: `choice-${index}`, value: answer.id }),
      h('label', { for: `choice-${index}` }, answer.text)));
    const meta = [question.category, question.review ? 'from your wrong-answer pool' : null].filter(Boolean).join(' · ');
    const error = h('p', { class: 'field-error', id: 'choice-error', hidden: true }, 'Choose an answer first.');
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Check answer');
    const form = h('form', { class: 'question card', dataset: { questionId: question.questionId, attempt: String(question.attempt) } },
      retry
        ? h('p', { class: 'retry-notice' }, h('strong', {}, `Try again (attempt ${question.attempt}).`),
          question.shuffled ? ' The choices have been reshuffled.' : '')
        : null,
      h('fieldset', { 'aria-describedby': 'choice-error' },
        h('legend', {}, meta ? h('span', { class: 'question-meta' }, meta) : null, h('span', { class: 'question-text' }, question.text)),
        question.multiSelect ? h('p', { class: 'hint' }, 'Select every correct answer.') : null,
        h('ul', { class: `choices${retry ? ' reshuffled' : ''}` }, choices)),
      error, submit);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void answer(form, submit, error);
    });
    fill(stage, form);
  }

  async function answer(form, submit, error) {
    // One answer per serving: a second submit while the first is on its way is ignored (the
    // button is disabled too, but a form can be submitted without it).
    if (form.dataset.sent) return;
    const selected = [...form.querySelectorAll('input[name="choice"]:checked')].map((input) => input.value);
    error.hidden = selected.length > 0;
    if (selected.length === 0) {
      form.querySelector('input[name="choice"]').focus();
      return;
    }
    const body = {
      questionId: question.questionId, selectedAnswers: selected,
      timeSpentMs: Math.min(Math.round(performance.now() - shownAt), 86_400_000),
    };
    if (Number.isInteger(version)) body.expectedVersion = version;
    form.dataset.sent = 'true';
    form.querySelector('fieldset').disabled = true;
    submit.disabled = true;
    submit.textContent = 'Checking…';
    await send(() => app.api.post(`${base}/answer`, body, { kind: 'answer', context: { sessionId } }), form, submit);
  }

  /** Sends an answer and shows its outcome; an unconfirmed one is offered again under its own key. */
  async function send(request, form, submit) {
    try {
      const { data } = await request();
      showResult(data);
    } catch (error) {
      if (view.handled(error)) return;
      if (error instanceof OutcomeUnknown) {
        const again = h('button', { type: 'button', class: 'secondary' }, 'Send again');
        again.addEventListener('click', () => void send(() => app.api.deliver(error.entry), form, submit));
        fill(feedback, h('p', {}, 'Your answer has not been confirmed yet.'), again);
        return;
      }
      if (error instanceof ApiError && (error.code === 'VERSION_CONFLICT' || error.code === 'STALE_QUESTION')) {
        fill(feedback, h('p', {}, 'This session moved on elsewhere (another tab?). Here is where it stands now.'));
        return load();
      }
      if (error instanceof ApiError) {
        fill(feedback, h('p', { class: 'flash-error' }, error.message));
        delete form.dataset.sent;
        form.querySelector('fieldset').disabled = false;
        submit.disabled = false;
        submit.textContent = 'Check answer';
        return;
      }
      throw error;
    }
  }

  /** The outcome of an answer: retry, explanation and next, or the end. */
  function showResult(result) {
    version = result.version;
    showPenalty(result.penaltyIndicator);
    if (result.progress) view.showCounts(result.progress);
    if (result.nextAction === 'RETRY_SAME_QUESTION') {
      question = result.question;
      fill(feedback, h('p', { class: 'wrong' }, h('strong', {}, 'Not quite.'), ' Try again: the same question, choices reshuffled.'));
      showQuestion();
      stage.querySelector('input[name="choice"]').focus();
      return;
    }
    const lines = [h('p', { class: 'right' }, h('strong', {}, result.message || 'Correct!'))];
    if (result.explanation) lines.push(h('p', { class: 'explanation' }, h('strong', {}, 'Why: '), result.explanation));
    const back = comesBack(result.memory);
    if (back) lines.push(h('p', { class: 'comes-back' }, back));
    let next;
    if (result.nextAction === 'SESSION_COMPLETE') {
      openSession.clear(user);
      view.stop();
      next = view.resultsButton();
    } else {
      next = h('button', { type: 'button', class: 'primary' }, 'Next question');
      next.addEventListener('click', () => {
        question = result.question;
        fill(feedback);
        showQuestion();
        stage.querySelector('input[name="choice"]').focus();
      });
    }
    fill(feedback, ...lines);
    // The answered question stays in view, the chosen choices marked right, with the way on below it.
    const form = stage.querySelector('form.question');
    if (form) {
      form.classList.add('answered');
      form.querySelector('.retry-notice')?.remove();
      for (const input of form.querySelectorAll('input[name="choice"]:checked')) {
        add(input.labels[0], h('span', { class: 'visually-hidden' }, ' (your answer: right)'));
        input.closest('li').classList.add('chosen');
      }
      form.querySelector('button[type="submit"]')?.remove();
    }
    add(stage, h('div', { class: 'next' }, next));
    next.focus();
  }

  // An answer a previous page load sent and only this load saw answered.
  const recovered = app.recoveredAnswer?.sessionId === sessionId ? app.recoveredAnswer.result : null;
  app.recoveredAnswer = null;
  await load();
  if (recovered) {
    fill(feedback, h('p', {}, `Your last answer was received: ${recovered.correct ? 'correct' : 'not correct'}.`),
      recovered.explanation ? h('p', { class: 'explanation' }, h('strong', {}, 'Why: '), recovered.explanation) : null,
      recovered.correct && comesBack(recovered.memory) ? h('p', { class: 'comes-back' }, comesBack(recovered.memory)) : null);
  }
  return () => view.stop();
}
