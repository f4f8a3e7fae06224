// A new session: the bank, a category, the mode and the length. The API has no list of banks:
// the bank is typed, with suggestions from config.json and from the learner's own pool; its
// categories come from listing the bank's questions.

import { ApiError } from '../api.js';
import { add, fill, h, plural } from '../dom.js';
import { field, fieldError, IDENTIFIER } from '../forms.js';
import { openSession } from '../local.js';
import { CARD_SOURCES, MODES, screenFor } from '../modes.js';
import { sessionCounts, startSession } from './session.js';

const LIST_PAGES = 10;
const TIME_LIMITS = [5, 10, 15, 30, 45, 60];
const MODE_NAMES = Object.fromEntries(MODES.map((mode) => [mode.id, mode.label]));

/**
 * The bank's questions as `GET /banks/{id}/questions` lists them, from at most LIST_PAGES pages of
 * 100; `complete` is false when there were more.
 */
export async function bankQuestions(api, bankId) {
  const questions = [];
  let cursor = null;
  for (let page = 0; page < LIST_PAGES; page += 1) {
    const query = new URLSearchParams({ limit: '100' });
    if (cursor) query.set('cursor', cursor);
    const data = await api.get(`/banks/${encodeURIComponent(bankId)}/questions?${query}`);
    questions.push(...(data.questions ?? []));
    cursor = data.nextCursor;
    if (!cursor) return { questions, complete: true };
  }
  return { questions, complete: false };
}

/** The bank's questions counted by category. */
async function bankCategories(api, bankId) {
  const { questions, complete } = await bankQuestions(api, bankId);
  const counts = new Map();
  for (const question of questions) {
    const category = question.category ?? '';
    counts.set(category, (counts.get(category) ?? 0) + 1);
  }
  return { total: questions.length, counts, complete };
}

/** A radio button of the group `name` with its label and description. */
function option(name, { id, label, description }, checked) {
  return h('div', { class: 'mode-option' },
    h('input', { type: 'radio', name, id: `${name}-${id}`, value: id, checked, 'aria-describedby': `${name}-${id}-text` }),
    h('label', { for: `${name}-${id}` }, label),
    h('p', { class: 'hint', id: `${name}-${id}-text` }, description));
}

/** "2 of 10 done" (a quiz) or "2 of 10 learned" (flashcards). */
function progressText(session) {
  const { done, total } = sessionCounts(session);
  return `${done} of ${total} ${session.mode === 'flashcards' ? 'learned' : 'done'}`;
}

/** A card offering to continue the open session, or null when there is none (any more). */
async function openSessionCard(app) {
  const id = openSession.get(app.auth.user);
  if (!id) return null;
  try {
    const { session } = await app.api.get(`/sessions/${encodeURIComponent(id)}`);
    if (session.status !== 'started' && session.status !== 'in_progress') {
      openSession.clear(app.auth.user);
      return null;
    }
    return h('section', { class: 'card resume', 'aria-labelledby': 'resume-title' },
      h('h2', { id: 'resume-title' }, 'Session in progress'),
      h('p', {}, `${MODE_NAMES[session.mode] ?? 'Quiz'}, bank ${session.bankId}${session.category ? `, ${session.category}` : ''}: ${progressText(session)}.`),
      h('a', { class: 'button primary', href: `#/${screenFor(session.mode)}` }, 'Continue'));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) openSession.clear(app.auth.user);
    else throw error;
    return null;
  }
}

export async function renderStart(app, container) {
  add(container, h('h1', {}, 'New session'));
  const resume = await openSessionCard(app);
  if (resume) add(container, resume);

  const suggestions = new Set(app.config.banks);
  try {
    const progress = await app.api.get('/users/me/progress');
    for (const entry of progress.pool?.entries ?? []) suggestions.add(entry.bankId);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
  }
  if (app.lastBank) suggestions.add(app.lastBank);

  const bank = h('input', { id: 'start-bank', name: 'bank', type: 'text', required: true, list: 'bank-suggestions',
    spellcheck: 'false', autocapitalize: 'none', autocomplete: 'off', value: app.lastBank ?? [...suggestions][0] ?? '' });
  const bankInfo = h('p', { class: 'hint', id: 'start-bank-info', 'aria-live': 'polite' });
  const category = h('select', { id: 'start-category', name: 'category' }, h('option', { value: '' }, 'All categories'));
  const count = h('input', { id: 'start-count', name: 'count', type: 'number', min: 1, max: 100, value: 10, required: true, inputmode: 'numeric' });
  const limit = h('select', { id: 'start-limit', name: 'limit' },
    TIME_LIMITS.map((minutes) => h('option', { value: minutes * 60, selected: minutes === 30 }, `${minutes} minutes`)));
  const modes = h('fieldset', { class: 'modes' }, h('legend', {}, 'Mode'),
    MODES.map((mode, index) => option('mode', mode, index === 0)));
  // The flashcards' source, shown while flashcards are chosen.
  const sources = h('fieldset', { class: 'modes sources', hidden: true }, h('legend', {}, 'Cards'),
    CARD_SOURCES.map((source, index) => option('source', source, index === 0)));
  const countLabel = h('span', {}, MODES[0].countLabel);
  const status = h('div', { class: 'form-status', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Start');

  let loaded = null;
  async function loadBank() {
    const id = bank.value.trim();
    if (!IDENTIFIER.test(id) || loaded?.id === id) return;
    bankInfo.textContent = 'Looking up the bank…';
    try {
      const { total, counts, complete } = await bankCategories(app.api, id);
      loaded = { id, total, counts };
      fieldError(bank, total === 0 ? 'This bank has no questions yet.' : null);
      bankInfo.textContent = `${complete ? '' : 'At least '}${plural(total, 'question')}.`;
      fill(category, h('option', { value: '' }, `All categories (${total})`),
        [...counts].filter(([name]) => name).sort().map(([name, n]) => h('option', { value: name }, `${name} (${n})`)));
      count.value = String(Math.min(Number(count.value) || 10, Math.max(total, 1)));
    } catch (error) {
      loaded = null;
      bankInfo.textContent = '';
      if (!(error instanceof ApiError)) throw error;
      fieldError(bank, error.status === 404 ? `There is no bank called “${id}”.` : error.message);
    }
  }
  bank.addEventListener('change', () => void loadBank());

  /** The mode chosen in the form. */
  function chosenMode() {
    return MODES.find((candidate) => candidate.id === form.elements.mode.value) ?? MODES[0];
  }
  /** The parts of the form that depend on the mode: the cards' source and what the count counts. */
  function modeChanged() {
    const mode = chosenMode();
    sources.hidden = mode.id !== 'flashcards';
    countLabel.textContent = mode.countLabel;
    fieldError(category, null);
  }

  const form = h('form', { class: 'card', novalidate: true },
    field('Question bank', bank, 'The bank id your teacher gave you, e.g. demo.'), bankInfo,
    h('datalist', { id: 'bank-suggestions' }, [...suggestions].map((id) => h('option', { value: id }))),
    field('Category', category),
    modes, sources,
    h('div', { class: 'field-row' }, field(countLabel, count), field('Time limit', limit)),
    submit, status);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const bankId = bank.value.trim();
    const questionCount = Number(count.value);
    const mode = chosenMode();
    const source = form.elements.source.value;
    fieldError(bank, IDENTIFIER.test(bankId) ? null : 'Enter the bank id: letters, digits, . _ : or -.');
    fieldError(category, mode.needsCategory({ source }) && !category.value ? 'Choose the category to draw the cards from.' : null);
    fieldError(count, Number.isInteger(questionCount) && questionCount >= 1 && questionCount <= 100 ? null : `Choose 1 to 100 ${mode.countLabel.toLowerCase()}.`);
    const invalid = form.querySelector('[aria-invalid="true"]');
    if (invalid) return invalid.focus();
    const body = mode.request({ bankId, category: category.value, count: questionCount, timeLimitSeconds: Number(limit.value), source });
    submit.disabled = true;
    fill(status, 'Starting…');
    await startSession(app, () => app.api.post('/sessions', body, { kind: 'start', context: { bankId } }), {
      bankId, screen: mode.screen, status, button: submit,
      refused: (error) => {
        if (error.code !== 'BANK_NOT_FOUND') return false;
        fill(status);
        fieldError(bank, `There is no bank called “${bankId}”.`);
        bank.focus();
        return true;
      },
    });
  });

  form.addEventListener('change', (event) => {
    if (event.target.name === 'mode' || event.target.name === 'source') modeChanged();
  });
  add(container, form);
  if (bank.value) void loadBank();
}
