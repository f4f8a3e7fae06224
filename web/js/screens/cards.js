// Flashcards: the card's front; "Show answer" (Space) reveals its back, the correct answers and the
// explanation (POST /sessions/{id}/reveal); then the learner rates how well they remembered it,
// again / hard / good / easy (keys 1-4, as in Anki), sent as the answer's `rating`. A card rated
// again comes back later in the session; the session ends when every card is rated better. The
// card shown, and whether its back is showing, are read from the API whenever the screen opens,
// so a reload or a restarted server continues where the session is.

import { ApiError, OutcomeUnknown } from '../api.js';
import { add, announce, fill, h, plural } from '../dom.js';
import { openSession } from '../local.js';
import { RATINGS, screenFor } from '../modes.js';
import { comesBack, ENDED, SessionView } from './session.js';

/** What a rating's response says of the card rated, as a sentence. */
function ratedText(rating, result) {
  const name = RATINGS.find((candidate) => candidate.id === rating)?.label ?? rating;
  if (rating === 'again') {
    const after = result.comesBackAfter;
    if (after === 0) return `${name}: this card comes back next, as the last one left.`;
    return Number.isInteger(after)
      ? `${name}: this card comes back after ${plural(after, 'other card')}.`
      : `${name}: this card comes back later in this session.`;
  }
  return [`${name}.`, comesBack(result.memory)].filter(Boolean).join(' ');
}

/** The correct answers' texts of a reveal's response, whatever form they come in. */
function backAnswers(back) {
  const answers = back.correctAnswers ?? back.answers ?? [];
  return answers.map((answer) => (typeof answer === 'string' ? answer : answer.text));
}

export async function renderCards(app, container) {
  const user = app.auth.user;
  const sessionId = openSession.get(user);
  if (!sessionId) {
    app.flash = { text: 'There is no session in progress: start one here.' };
    app.go('start');
    return null;
  }
  const view = new SessionView(app, sessionId, 'card', 'learned');
  const base = view.base;

  /** The card shown, its back once revealed, the version to send, when the front appeared. */
  let card = null;
  let back = null;
  let version = null;
  let shownAt = performance.now();
  let flipMs = null;
  /** A reveal whose outcome is unknown: the next press sends it again, under its own key. */
  let unconfirmedReveal = null;
  /** A reveal or rating on its way: keys and clicks meanwhile are ignored. */
  let busy = false;

  const heading = h('h1', { class: 'visually-hidden' }, 'Flashcards');
  const feedback = h('div', { class: 'feedback', id: 'feedback', role: 'status', 'aria-live': 'polite' });
  const stage = h('div', { class: 'stage' });
  const keys = h('p', { class: 'hint keys' }, 'Keys: ', h('kbd', {}, 'Space'), ' shows the answer; ',
    RATINGS.map((rating, index) => [h('kbd', {}, rating.key), ` ${rating.label.toLowerCase()}${index < RATINGS.length - 1 ? ', ' : '.'}`]));
  add(container, heading, view.statusLine(), feedback, stage, keys, view.finishControls());

  /** Reads the session and its card from the API and shows them (the back too, once revealed). */
  async function load() {
    try {
      const { session } = await app.api.get(base);
      if (ENDED.has(session.status)) return view.finished();
      if (screenFor(session.mode) !== 'cards') return app.go(screenFor(session.mode));
      card = await app.api.get(`${base}/question`);
      version = card.version ?? session.version;
      view.showCounts(session);
      view.startClock(session.timeRemainingSeconds);
      back = null;
      flipMs = null;
      showCard();
      // Revealed before this page load: the reveal again returns its back (a repeat changes nothing).
      if (card.revealed) await reveal();
    } catch (error) {
      if (view.handled(error)) return;
      throw error;
    }
  }

  function showCard() {
    shownAt = performance.now();
    const revealButton = h('button', { type: 'button', class: 'primary reveal', 'aria-keyshortcuts': 'Space' }, 'Show answer');
    revealButton.addEventListener('click', () => void reveal());
    const ratings = h('div', { class: 'ratings', role: 'group', 'aria-labelledby': 'ratings-label', hidden: true },
      h('p', { id: 'ratings-label', class: 'ratings-label' }, 'How well did you remember it?'),
      RATINGS.map((rating) => {
        const button = h('button', { type: 'button', class: `rating rating-${rating.id}`, dataset: { rating: rating.id }, 'aria-keyshortcuts': rating.key },
          h('span', { class: 'rating-name' }, rating.label), ' ', h('kbd', {}, rating.key),
          h('span', { class: 'rating-hint' }, ` ${rating.hint}`));
        button.addEventListener('click', () => void rate(rating.id));
        return button;
      }));
    const section = h('section', { class: 'flashcard card', 'aria-labelledby': 'card-front', dataset: { questionId: card.questionId, side: 'front' } },
      card.category ? h('p', { class: 'question-meta' }, card.category) : null,
      h('h2', { id: 'card-front', class: 'card-front' }, card.text),
      h('div', { class: 'card-back', hidden: true }),
      revealButton, ratings);
    fill(stage, section);
  }

  /** Shows the back of the card: its correct answers and explanation, and the ratings. */
  function showBack() {
    const section = stage.querySelector('.flashcard');
    const answers = backAnswers(back);
    fill(section.querySelector('.card-back'),
      h('h3', {}, answers.length === 1 ? 'Answer' : 'Answers'),
      h('ul', { class: 'back-answers' }, answers.map((text) => h('li', {}, text))),
      back.explanation ? h('p', { class: 'explanation' }, h('strong', {}, 'Why: '), back.explanation) : null);
    section.querySelector('.card-back').hidden = false;
    section.querySelector('.reveal').remove();
    section.querySelector('.ratings').hidden = false;
    section.dataset.side = 'back';
    // Focus on "Good": Space or Enter then rates good, as Anki's answer side does.
    section.querySelector('[data-rating="good"]').focus();
  }

  async function reveal() {
    if (busy || back || !card) return;
    busy = true;
    const button = stage.querySelector('.reveal');
    if (button) { button.disabled = true; button.textContent = 'Showing…'; }
    if (!card.revealed) flipMs = Math.min(Math.round(performance.now() - shownAt), 86_400_000);
    const body = { questionId: card.questionId };
    if (Number.isInteger(version)) body.expectedVersion = version;
    let data;
    try {
      ({ data } = await (unconfirmedReveal
        ? app.api.deliver(unconfirmedReveal)
        : app.api.post(`${base}/reveal`, body, { kind: 'reveal', context: { sessionId } })));
      unconfirmedReveal = null;
    } catch (error) {
      busy = false;
      unconfirmedReveal = error instanceof OutcomeUnknown ? error.entry : null;
      if (button) { button.disabled = false; button.textContent = 'Show answer'; }
      if (error instanceof OutcomeUnknown) return fill(feedback, h('p', {}, 'The server has not answered yet; press Show answer to try again.'));
      return refused(error, 'The answer could not be shown.');
    }
    busy = false;
    back = data.back ?? data;
    if (Number.isInteger(data.version)) version = data.version;
    showBack();
  }

  async function rate(rating) {
    if (busy || !back) return;
    busy = true;
    for (const button of stage.querySelectorAll('.rating')) button.disabled = true;
    const body = { questionId: card.questionId, rating };
    if (flipMs !== null) body.timeToFlipMs = flipMs;
    if (Number.isInteger(version)) body.expectedVersion = version;
    await send(() => app.api.post(`${base}/answer`, body, { kind: 'rate', context: { sessionId, rating } }), rating);
  }

  /** Sends a rating and goes on; an unconfirmed one is offered again under its own key. */
  async function send(request, rating) {
    try {
      const { data } = await request();
      busy = false;
      rated(rating, data);
    } catch (error) {
      if (error instanceof OutcomeUnknown) {
        // Still busy: no other rating of this card until this one's outcome is known.
        const again = h('button', { type: 'button', class: 'secondary' }, 'Send again');
        again.addEventListener('click', () => void send(() => app.api.deliver(error.entry), rating));
        fill(feedback, h('p', {}, 'Your rating has not been confirmed yet.'), again);
        return;
      }
      busy = false;
      for (const button of stage.querySelectorAll('.rating')) button.disabled = false;
      await refused(error, 'Your rating was not accepted.');
    }
  }

  /** A refused reveal or rating: the session's end, or where it stands now, or the server's words. */
  async function refused(error, what) {
    if (view.handled(error)) return;
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 409) {
      fill(feedback, h('p', {}, 'This session moved on elsewhere (another tab?). Here is where it stands now.'));
      return load();
    }
    fill(feedback, h('p', { class: 'flash-error' }, `${what} ${error.message}`));
  }

  /** The outcome of a rating: what it means for the card, then the next card or the end. */
  function rated(rating, result) {
    if (Number.isInteger(result.version)) version = result.version;
    if (result.progress) view.showCounts(result.progress);
    const text = ratedText(rating, result);
    if (result.nextAction === 'SESSION_COMPLETE' || !result.question) {
      openSession.clear(user);
      view.stop();
      card = null;
      back = null;
      const next = view.resultsButton();
      fill(feedback, h('p', { class: 'right' }, text), h('p', {}, h('strong', {}, 'All cards done.')));
      fill(stage, h('div', { class: 'next' }, next));
      next.focus();
      return;
    }
    fill(feedback, h('p', { class: rating === 'again' ? 'wrong' : 'right' }, text));
    card = result.question;
    back = null;
    flipMs = null;
    showCard();
    stage.querySelector('.reveal').focus();
    announce(`${text} Next card: ${card.text}`);
  }

  /** Space reveals; 1-4 rate once the back shows. Not while typing, nor with a modifier key. */
  function onKey(event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.repeat) return;
    const target = event.target;
    if (target.closest?.('input, select, textarea, .confirm, .session-actions')) return;
    if (event.key === ' ' && !back) {
      // Space on another focused control (a link, "Give up") does what it does there.
      if (target.closest?.('a, button') && !target.classList.contains('reveal')) return;
      event.preventDefault();
      void reveal();
      return;
    }
    const rating = RATINGS.find((candidate) => candidate.key === event.key);
    if (rating && back) {
      event.preventDefault();
      void rate(rating.id);
    }
  }
  document.addEventListener('keydown', onKey);

  // A rating a previous page load sent and only this load saw answered.
  const recovered = app.recoveredRating?.sessionId === sessionId ? app.recoveredRating : null;
  app.recoveredRating = null;
  await load();
  if (recovered) fill(feedback, h('p', {}, `Your last rating was received. ${ratedText(recovered.rating, recovered.result)}`));
  return () => {
    view.stop();
    document.removeEventListener('keydown', onKey);
  };
}
