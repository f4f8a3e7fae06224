// What the quiz and the flashcard screens share: the session's status line (how many done, time
// left), the end of a session (its results), the errors that say a session cannot go on, "Finish
// now" and "Give up", when a question or card comes back (an answer's `memory.dueAt`), and
// starting a session.

import { ApiError, OutcomeUnknown } from '../api.js';
import { announce, clock, dueDate, fill, h, plural } from '../dom.js';
import { detailsTable } from '../forms.js';
import { openSession } from '../local.js';

/**
 * How far a session is: questions done of a quiz's, cards learned (rated better than again) of a
 * flashcard session's.
 */
export function sessionCounts(counts) {
  return {
    done: counts.completedCount ?? counts.learnedCount ?? 0,
    total: counts.questionCount ?? counts.cardCount ?? 0,
  };
}

/** The statuses of a session that has ended. */
export const ENDED = new Set(['completed', 'expired', 'abandoned']);

/**
 * The running session `sessionId` of the signed-in learner, as a screen shows it. `noun` names
 * what the session is made of ('question', 'card'). Call `stop()` when the screen goes away.
 */
export class SessionView {
  constructor(app, sessionId, noun, verb = 'done') {
    this.app = app;
    this.sessionId = sessionId;
    this.base = `/sessions/${encodeURIComponent(sessionId)}`;
    this.noun = noun;
    this.verb = verb;
    this.deadline = 0;
    this.warned = false;
    this.timer = null;
    this.done = h('span', { class: 'done' });
    this.bar = h('progress', { max: 1, value: 0, 'aria-label': `${noun[0].toUpperCase()}${noun.slice(1)}s ${verb}` });
    this.time = h('span', { class: 'time', role: 'timer', 'aria-label': 'Time left' });
  }

  /** The status line: done of total, a progress bar, time left. */
  statusLine(...more) {
    return h('div', { class: 'quiz-status' }, h('p', {}, this.done, this.bar), h('p', { class: 'time-row' }, 'Time left ', this.time), ...more);
  }

  /** Counts from `session` (GET) or an answer's `progress`. */
  showCounts(counts) {
    const { done, total } = sessionCounts(counts);
    this.done.textContent = `${done} of ${plural(total, this.noun)} ${this.verb} `;
    this.bar.max = Math.max(total, 1);
    this.bar.value = done;
  }

  /** Starts the countdown from the session's `timeRemainingSeconds`. */
  startClock(seconds) {
    this.deadline = performance.now() + seconds * 1000;
    clearInterval(this.timer);
    this.timer = setInterval(() => this.tick(), 1000);
    this.tick();
  }

  tick() {
    const left = Math.max(0, Math.round((this.deadline - performance.now()) / 1000));
    this.time.textContent = clock(left);
    this.time.classList.toggle('warn', left <= 60);
    if (left <= 60 && !this.warned) {
      this.warned = true;
      announce(left > 0 ? 'One minute left.' : 'Time is up.');
    }
    if (left === 0) {
      clearInterval(this.timer);
      this.finished('Time is up.');
    }
  }

  stop() {
    clearInterval(this.timer);
  }

  /** The session has ended (or cannot be continued): its results. */
  finished(message) {
    this.stop();
    openSession.clear(this.app.auth.user);
    if (message) this.app.flash = { text: message };
    this.app.go(`results/${encodeURIComponent(this.sessionId)}`);
  }

  /** A button to the results of the completed session. */
  resultsButton() {
    const button = h('button', { type: 'button', class: 'primary' }, 'See your results');
    button.addEventListener('click', () => this.app.go(`results/${encodeURIComponent(this.sessionId)}`));
    return button;
  }

  /** The errors that say the session cannot go on as shown; true when one was dealt with. */
  handled(error) {
    if (!(error instanceof ApiError)) return false;
    if (error.code === 'SESSION_NOT_FOUND') {
      this.stop();
      openSession.clear(this.app.auth.user);
      this.app.flash = { text: 'That session no longer exists. Start a new one.', tone: 'warning' };
      this.app.go('start');
      return true;
    }
    if (error.code === 'SESSION_EXPIRED') {
      this.finished('Time ran out for this session.');
      return true;
    }
    if (error.code === 'SESSION_NOT_ACTIVE') {
      this.finished();
      return true;
    }
    return false;
  }

  /** "Finish now" and "Give up", each behind a confirmation. */
  finishControls() {
    const panel = h('div', { class: 'confirm', hidden: true });
    const ask = (label, path, prompt) => {
      const button = h('button', { type: 'button', class: 'secondary' }, label);
      button.addEventListener('click', () => {
        const yes = h('button', { type: 'button', class: 'danger' }, `Yes, ${label.toLowerCase()}`);
        const no = h('button', { type: 'button', class: 'secondary' }, 'Keep going');
        no.addEventListener('click', () => { panel.hidden = true; button.focus(); });
        yes.addEventListener('click', async () => {
          yes.disabled = true;
          try {
            await this.app.api.post(`${this.base}/${path}`, null, { kind: 'finish', context: { sessionId: this.sessionId } });
            this.finished();
          } catch (error) {
            if (!this.handled(error)) fill(panel, h('p', { role: 'alert' }, error.message));
          }
        });
        fill(panel, h('p', {}, prompt), yes, no);
        panel.hidden = false;
        no.focus();
      });
      return button;
    };
    return h('div', { class: 'session-actions' },
      ask('Finish now', 'complete', `Finish now? ${this.noun[0].toUpperCase()}${this.noun.slice(1)}s not yet done will not count.`),
      ask('Give up', 'abandon', 'Give up this session?'),
      panel);
  }
}

/**
 * Waits for a new session (`send()`: the POST /sessions, or the delivery again of one) and opens
 * `screen`; a start whose outcome is unknown is offered again with its own key, never a new one.
 * `refused(error)` deals with an API error the caller knows (true when it did); any other goes to
 * `status` with its details. `button` is the one that sent it, enabled again on failure.
 */
export async function startSession(app, send, options) {
  const { bankId, screen, status, button, refused = () => false } = options;
  try {
    const { data } = await send();
    app.lastBank = bankId;
    openSession.set(app.auth.user, data.session.sessionId);
    app.go(screen);
  } catch (error) {
    button.disabled = false;
    if (error instanceof OutcomeUnknown) {
      const again = h('button', { type: 'button', class: 'secondary' }, 'Send again');
      again.addEventListener('click', () => {
        button.disabled = true;
        void startSession(app, () => app.api.deliver(error.entry), options);
      });
      return fill(status, h('p', {}, 'The server has not confirmed the new session yet.'), again);
    }
    if (!(error instanceof ApiError)) throw error;
    if (refused(error)) return;
    fill(status, h('p', {}, error.message), detailsTable(error.details, 'What to fix'));
  }
}

/**
 * When a question comes back, from an answer's or a rating's `memory` ({dueAt, …}), as a
 * sentence: "Next review in 3 days (Thu, 10 Dec)." Null when there is no due date.
 */
export function comesBack(memory, now = Date.now()) {
  const { due, days, date } = dueDate(memory?.dueAt, now, 300);
  if (!Number.isFinite(due)) return null;
  if (days <= 0) return `Next review: today (${date}).`;
  if (days === 1) return `Next review tomorrow (${date}).`;
  return `Next review in ${plural(days, 'day')} (${date}).`;
}
