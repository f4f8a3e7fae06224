// A session's results, read from GET /sessions/{id} (the API keeps them once the session ends):
// a quiz's answers and accuracy, a flashcard session's cards learned and ratings.

import { ApiError } from '../api.js';
import { add, clock, h, percent } from '../dom.js';
import { RATINGS } from '../modes.js';
import { sessionCounts } from './session.js';

const STATUS_TEXT = {
  completed: 'Completed',
  expired: 'Time ran out',
  abandoned: 'Given up',
  started: 'Not started yet',
  in_progress: 'In progress',
};

export async function renderResults(app, container, [id]) {
  add(container, h('h1', {}, 'Results'));
  let envelope;
  try {
    envelope = await app.api.get(`/sessions/${encodeURIComponent(decodeURIComponent(id ?? ''))}`);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    add(container, h('p', {}, error.status === 404 ? 'This session no longer exists.' : error.message),
      h('a', { class: 'button primary', href: '#/start' }, 'Start a session'));
    return;
  }
  const { session, results } = envelope;
  const status = ['Status', STATUS_TEXT[session.status] ?? session.status];
  const { done, total } = sessionCounts(session);
  let figures;
  if (session.mode === 'flashcards') {
    figures = results
      ? [
        status,
        ['Cards learned', `${results.learnedCount} of ${results.cardCount}`],
        ['Ratings given', String(results.reviews)],
        ...RATINGS.map((rating) => [`Rated ${rating.label.toLowerCase()}`, String(results.ratings?.[rating.id] ?? 0)]),
        results.durationSeconds !== undefined && results.durationSeconds !== null ? ['Time taken', clock(results.durationSeconds)] : null,
      ].filter(Boolean)
      : [status, ['Cards learned', `${done} of ${total}`]];
  } else {
    figures = results
      ? [
        status,
        ['Questions done', `${results.completedCount} of ${results.questionCount}`],
        ['Accuracy', percent(results.accuracy)],
        ['Right first time', String(results.correctFirstTry)],
        ['Answers given', String(results.answersSubmitted)],
        ['Wrong answers', String(results.wrongAnswers)],
        ['Sent to your pool', results.sentToPool.length ? results.sentToPool.join(', ') : 'none'],
        ['Mastered from your pool', results.mastered.length ? results.mastered.join(', ') : 'none'],
        results.durationSeconds !== undefined ? ['Time taken', clock(results.durationSeconds)] : null,
      ].filter(Boolean)
      : [status, ['Questions done', `${done} of ${total}`]];
  }
  add(container, 
    h('p', {}, `${session.mode === 'flashcards' ? 'Flashcards, b' : 'B'}ank ${session.bankId}${session.category ? `, category ${session.category}` : ''}.`),
    h('dl', { class: 'figures card', dataset: { status: session.status } },
      figures.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
    h('p', { class: 'actions' },
      h('a', { class: 'button primary', href: '#/progress' }, 'See your progress'),
      h('a', { class: 'button secondary', href: '#/start' }, 'Start another session')));
}
