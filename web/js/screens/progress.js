// The learner's progress (GET /users/me/progress) as figures and charts: answers and accuracy, the
// memory model's figures (docs/memory-model.md, "Progress") and the due forecast, the wrong-answer
// pool and the sessions. Each chart says which data it needs; a chart whose data the API does not
// send is not drawn, so a new chart is one more entry in CHARTS.

import { barChart, columnChart } from '../charts.js';
import { add, DAY_MS, h, percent, plural } from '../dom.js';

const STATUSES = [
  ['started', 'Started'],
  ['in_progress', 'In progress'],
  ['completed', 'Completed'],
  ['expired', 'Time ran out'],
  ['abandoned', 'Given up'],
];

/**
 * The categories with answers, in alphabetical order (a category met only in flashcards has its
 * memory figures but no answers, so no accuracy).
 */
function answered(progress) {
  return progress.categories.filter((c) => c.answers > 0).sort((a, b) => String(a.category).localeCompare(String(b.category)));
}

/** The due count of a forecast entry: a number, or an object with `count` or `due`. */
function dueCount(entry) {
  return typeof entry === 'number' ? entry : Number(entry?.count ?? entry?.due ?? 0);
}

/**
 * The 30 days of the forecast as rows: day 0 is the rest of today (UTC days, as the API counts
 * them), labelled by date, with a tick under today and every seventh day.
 */
function forecastRows(forecast, now = Date.now()) {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  return forecast.map((entry, day) => {
    const date = new Date(today + day * DAY_MS);
    const short = date.toLocaleDateString(undefined, { timeZone: 'UTC', day: 'numeric', month: 'short' });
    const label = day === 0 ? 'Today' : day === 1 ? 'Tomorrow' : date.toLocaleDateString(undefined, { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short' });
    const value = dueCount(entry);
    return { label, value, shown: String(value), tick: day === 0 ? 'Today' : day % 7 === 0 ? short : null };
  });
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
    draw: (progress, width) => answered(progress).length > 0 && barChart({
      id: 'accuracy',
      title: 'Accuracy by category',
      summary: answered(progress).map((c) => `${c.category || 'no category'}: ${percent(c.accuracy)} of ${plural(c.answers, 'answer')} right`).join('; '),
      rows: answered(progress).map((c) => ({
        label: c.category || '(none)', value: c.accuracy, shown: `${percent(c.accuracy)} of ${c.answers}`,
      })),
      max: 1,
      width,
      columns: ['Category', 'Right, of answers'],
    }),
  },
  {
    id: 'forecast',
    has: (progress) => Array.isArray(progress.memory?.forecast),
    empty: 'Nothing falls due in the next 30 days.',
    draw: (progress, width) => {
      const rows = forecastRows(progress.memory.forecast);
      const total = rows.reduce((sum, row) => sum + row.value, 0);
      if (total === 0) return null;
      const busiest = rows.reduce((best, row) => (row.value > best.value ? row : best), rows[0]);
      return columnChart({
        id: 'forecast',
        title: 'Reviews due in the next 30 days',
        summary: `${plural(total, 'review')} fall due in the next 30 days (besides ${progress.memory.dueNow ?? 0} due now); the most on ${busiest.label}: ${busiest.value}. `
          + rows.filter((row) => row.value > 0).map((row) => `${row.label}: ${row.value}`).join('; '),
        rows,
        columns: ['Day', 'Due'],
        width,
      });
    },
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

  if (progress.memory) add(container, memorySection(progress));

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

/**
 * The memory figures of each category, sorted: from `memory.categories` (a list or an object by
 * category), or from each category entry's `memory`.
 */
function memoryByCategory(progress) {
  const listed = progress.memory.categories;
  let scopes = [];
  if (Array.isArray(listed)) scopes = listed;
  else if (listed && typeof listed === 'object') scopes = Object.entries(listed).map(([category, figures]) => ({ category, ...figures }));
  else if (Array.isArray(progress.categories)) {
    scopes = progress.categories.filter((entry) => entry.memory).map((entry) => ({ category: entry.category, ...entry.memory }));
  }
  return [...scopes].sort((a, b) => String(a.category).localeCompare(String(b.category)));
}

/** The memory model's figures: overall, and per category in a table. */
function memorySection(progress) {
  const memory = progress.memory;
  const figures = (scope) => [
    ['Questions tracked', String(scope.tracked ?? 0)],
    ['Due now', String(scope.dueNow ?? 0)],
    ['Mature (stable 21 days or more)', String(scope.mature ?? 0)],
    ['Leeches (forgotten 8 times or more)', String(scope.leeches ?? 0)],
    ['Expected recall today', scope.tracked ? percent(scope.meanRetrievability) : '–'],
  ];
  const categories = memoryByCategory(progress);
  return h('section', { class: 'memory', 'aria-labelledby': 'memory-title' },
    h('h2', { id: 'memory-title' }, 'Memory'),
    h('dl', { class: 'figures card', dataset: { memory: 'all' } },
      figures(memory).map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
    memory.tracked ? h('p', {}, h('a', { href: '#/memory' }, 'Each question, when it falls due, and flashcards of the ones you choose')) : null,
    categories.length > 0
      ? h('div', { class: 'table-scroll' }, h('table', { class: 'memory-categories' },
        h('caption', {}, 'By category'),
        h('thead', {}, h('tr', {}, ['Category', 'Tracked', 'Due now', 'Mature', 'Leeches', 'Expected recall'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, categories.map((scope) => h('tr', {},
          h('th', { scope: 'row' }, scope.category || '(none)'),
          figures(scope).map(([, value]) => h('td', {}, value)))))))
      : null);
}
