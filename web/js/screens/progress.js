// The learner's progress (GET /users/me/progress) as figures and charts. Each chart says which
// data it needs; a chart whose data the API does not send (yet) is not drawn, so a new chart (the
// review forecast, once the API has one) is one more entry in CHARTS.

import { barChart } from '../charts.js';
import { add, h, percent, plural } from '../dom.js';

const STATUSES = [
  ['started', 'Started'],
  ['in_progress', 'In progress'],
  ['completed', 'Completed'],
  ['expired', 'Time ran out'],
  ['abandoned', 'Given up'],
];

/** The categories in alphabetical order. */
function byCategory(progress) {
  return [...progress.categories].sort((a, b) => String(a.category).localeCompare(String(b.category)));
}

/**
 * The charts, in order: `has` says whether the progress document carries the chart's data;
 * `draw(progress, width)` returns the figure, or null when there is nothing to show yet.
 */
export const CHARTS = [
  {
    id: 'accuracy',
    has: (progress) => Array.isArray(progress.categories),
    empty: 'No answers yet: accuracy per category appears after your first session.',
    draw: (progress, width) => progress.categories.length > 0 && barChart({
      id: 'accuracy',
      title: 'Accuracy by category',
      summary: byCategory(progress).map((c) => `${c.category || 'no category'}: ${percent(c.accuracy)} of ${plural(c.answers, 'answer')} right`).join('; '),
      rows: byCategory(progress).map((c) => ({
        label: c.category || '(none)', value: c.accuracy, shown: `${percent(c.accuracy)} of ${c.answers}`,
      })),
      max: 1,
      width,
      columns: ['Category', 'Right, of answers'],
    }),
  },
  {
    id: 'pool',
    has: (progress) => Array.isArray(progress.pool?.entries),
    empty: 'Your wrong-answer pool is empty.',
    draw: (progress, width) => {
      const entries = progress.pool.entries;
      if (entries.length === 0) return null;
      const byTries = new Map();
      for (const entry of entries) byTries.set(entry.remainingTries, (byTries.get(entry.remainingTries) ?? 0) + 1);
      const tries = [...byTries.keys()].sort((a, b) => b - a);
      return barChart({
        id: 'pool',
        title: 'Wrong-answer pool by tries left',
        summary: tries.map((n) => `${plural(byTries.get(n), 'question')} with ${plural(n, 'try', 'tries')} left`).join('; '),
        rows: tries.map((n) => ({ label: `${plural(n, 'try', 'tries')} left`, value: byTries.get(n), shown: String(byTries.get(n)) })),
        columns: ['Tries left', 'Questions'],
        tone: 'warn',
        width,
      });
    },
  },
  {
    id: 'sessions',
    has: (progress) => progress.sessions && typeof progress.sessions === 'object',
    empty: 'No sessions yet.',
    draw: (progress, width) => {
      const rows = STATUSES.map(([key, label]) => ({ label, value: progress.sessions[key] ?? 0, shown: String(progress.sessions[key] ?? 0) }));
      if (rows.every((row) => row.value === 0)) return null;
      return barChart({
        id: 'sessions',
        title: 'Sessions by status',
        summary: rows.map((row) => `${row.label} ${row.value}`).join('; '),
        rows,
        columns: ['Status', 'Sessions'],
        tone: 'muted',
        width,
      });
    },
  },
];

export async function renderProgress(app, container) {
  add(container, h('h1', {}, 'Your progress'));
  const progress = await app.api.get('/users/me/progress');
  const totals = progress.totals ?? { answers: 0, correct: 0, correctFirstTry: 0, accuracy: 0 };
  add(container, h('dl', { class: 'figures totals card' },
    h('dt', {}, 'Answers'), h('dd', {}, String(totals.answers)),
    h('dt', {}, 'Accuracy'), h('dd', {}, percent(totals.accuracy)),
    h('dt', {}, 'Right first time'), h('dd', {}, String(totals.correctFirstTry)),
    h('dt', {}, 'In your pool'), h('dd', {}, `${progress.pool?.size ?? 0} ${progress.penaltyIndicator ? progress.penaltyIndicator : ''}`.trim()),
    h('dt', {}, 'Mastered from the pool'), h('dd', {}, String(progress.mastered ?? 0))));

  const charts = h('div', { class: 'charts' });
  add(container, charts);
  // Drawn for the width they get (less the figure's padding and border), so text keeps its size.
  const width = charts.clientWidth - 26;
  for (const chart of CHARTS) {
    if (!chart.has(progress)) continue;
    add(charts, chart.draw(progress, width) || h('p', { class: 'empty', dataset: { chart: chart.id } }, chart.empty));
  }

  const entries = progress.pool?.entries ?? [];
  if (entries.length > 0) {
    add(container, h('section', { 'aria-labelledby': 'pool-title' },
      h('h2', { id: 'pool-title' }, 'Questions in your pool'),
      h('table', { class: 'pool' },
        h('thead', {}, h('tr', {}, ['Bank', 'Question', 'Tries left', 'Since'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, entries.map((entry) => h('tr', {},
          h('td', {}, entry.bankId), h('td', {}, entry.questionId), h('td', {}, String(entry.remainingTries)),
          h('td', {}, new Date(entry.enteredAt).toLocaleString())))))));
  }
}
