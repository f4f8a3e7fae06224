// The learner's memory of each question (GET /users/me/memory, docs/memory-model.md): most overdue
// first, with when it falls due, the chance of recall now (retrievability), stability and
// difficulty, a page at a time ("Show more" follows `nextCursor`), of one bank or all
// (#/memory/BANK keeps the filter across a reload). The learner ticks questions and studies
// exactly those as flashcards (POST /sessions, `source: list`, in the order listed).

import { ApiError } from '../api.js';
import { add, DAY_MS, dueDate, fill, h, percent, plural } from '../dom.js';
import { field, fieldError, IDENTIFIER } from '../forms.js';
import { bankQuestions } from './start.js';
import { startSession } from './session.js';

const PAGE_SIZES = [10, 20, 50, 100];
/** The most questions a `source: list` session takes (openapi.yaml, `questionIds`). */
const MAX_CARDS = 100;
/** Filtered pages may come back empty with a cursor (openapi.yaml); this many are followed at once. */
const EMPTY_PAGES = 10;

/** When a question falls due, relative to now, with its date. */
export function dueText(dueAt, now = Date.now()) {
  const { due, days, date } = dueDate(dueAt || null, now);
  if (!Number.isFinite(due)) return 'Not scheduled';
  if (due <= now) {
    const late = Math.floor((now - due) / DAY_MS);
    return late === 0 ? `Due now (${date})` : `Overdue by ${plural(late, 'day')} (${date})`;
  }
  if (days === 0) return `Due later today (${date})`;
  return days === 1 ? `Due tomorrow (${date})` : `Due in ${plural(days, 'day')} (${date})`;
}

/** A stability (days until recall falls to 90%) for people: "5 hours", "2.3 days", "1.4 years". */
export function duration(days) {
  const value = Number(days) || 0;
  if (value < 1) return plural(Math.max(1, Math.round(value * 24)), 'hour');
  if (value < 10) return `${Number(value.toFixed(1))} days`;
  if (value < 365) return plural(Math.round(value), 'day');
  return `${Number((value / 365).toFixed(1))} years`;
}

/** One question of the list, its checkbox labelled by the question's text. */
function row(item, text, index) {
  const id = `memory-pick-${index}`;
  const facts = [
    ['Due', dueText(item.dueAt)],
    ['Recall now', percent(item.retrievability)],
    ['Stability', duration(item.stability)],
    ['Difficulty', `${Number(item.difficulty ?? 0).toFixed(1)} of 10`],
    ['Reviews', String(item.reps ?? 0)],
    ['Lapses', String(item.lapses ?? 0)],
  ];
  return h('li', { class: 'memory-item', dataset: { bankId: item.bankId, questionId: item.questionId, due: item.dueAt ?? '' } },
    h('div', { class: 'memory-pick' },
      h('input', { type: 'checkbox', id, name: 'pick', dataset: { bankId: item.bankId, questionId: item.questionId } }),
      h('label', { for: id }, text ?? item.questionId)),
    h('p', { class: 'question-meta' }, [item.bankId, item.category, item.questionId].filter(Boolean).join(' · '),
      item.leech ? h('strong', { class: 'leech' }, ' · leech') : null),
    h('dl', { class: 'memory-facts' }, facts.map(([term, value]) => h('div', {}, h('dt', {}, term), h('dd', {}, value)))));
}

export async function renderMemory(app, container, params) {
  const bankId = params[0] ? decodeURIComponent(params[0]) : '';
  add(container, h('h1', {}, 'Your questions'),
    h('p', {}, 'Every question you have answered or rated, the most overdue first, with when it falls due and how likely you are to recall it now. Tick some and study exactly those as flashcards.'));

  const suggestions = new Set();
  const bank = h('input', { id: 'memory-bank', name: 'bank', type: 'text', list: 'memory-banks', spellcheck: 'false',
    autocapitalize: 'none', autocomplete: 'off', value: bankId });
  const banks = h('datalist', { id: 'memory-banks' });
  /** Adds the banks of `ids` to the bank field's suggestions. */
  const suggest = (ids) => {
    for (const id of ids) if (!suggestions.has(id)) { suggestions.add(id); add(banks, h('option', { value: id })); }
  };
  const pageSize = h('select', { id: 'memory-limit', name: 'limit' },
    PAGE_SIZES.map((size) => h('option', { value: size, selected: size === (app.memoryPageSize ?? 20) }, `${size}`)));
  const filter = h('form', { class: 'card memory-filter', novalidate: true, 'aria-label': 'Which questions' },
    h('div', { class: 'field-row' },
      field('Bank', bank, 'Empty for every bank.'),
      field('Per page', pageSize)),
    banks,
    h('button', { type: 'submit', class: 'secondary' }, 'Show'));
  filter.addEventListener('submit', (event) => {
    event.preventDefault();
    const wanted = bank.value.trim();
    if (wanted && !IDENTIFIER.test(wanted)) {
      fieldError(bank, 'Enter a bank id: letters, digits, . _ : or -; or leave it empty for every bank.');
      return bank.focus();
    }
    app.memoryPageSize = Number(pageSize.value);
    app.go(wanted ? `memory/${encodeURIComponent(wanted)}` : 'memory');
  });

  const count = h('p', { class: 'memory-count', role: 'status', 'aria-live': 'polite' });
  const list = h('ul', { class: 'memory-list', 'aria-label': 'Questions, most overdue first' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show more');
  const chosen = h('p', { class: 'hint', id: 'memory-chosen', 'aria-live': 'polite' }, 'None selected.');
  const study = h('button', { type: 'submit', class: 'primary', 'aria-describedby': 'memory-chosen' }, 'Study selected as flashcards');
  const status = h('div', { class: 'form-status', role: 'alert' });
  const studyForm = h('form', { class: 'memory-study', novalidate: true, hidden: true, 'aria-label': 'Study the selected questions' },
    list, more, h('div', { class: 'study-bar' }, chosen, study), status);
  add(container, filter, count, studyForm);
  suggest([...app.config.banks, app.lastBank].filter(Boolean));

  /** The text of each question of a bank, by id, looked up once per bank (null: unknown). */
  const texts = new Map();
  function textsOf(id) {
    if (!texts.has(id)) {
      texts.set(id, bankQuestions(app.api, id)
        .then(({ questions }) => new Map(questions.map((question) => [question.id, question.text])))
        .catch((error) => {
          if (error instanceof ApiError) return new Map();
          throw error;
        }));
    }
    return texts.get(id);
  }

  let cursor = null;
  let shown = 0;
  /** The next page (the first when `cursor` is null), following a filtered query's empty pages. */
  async function loadPage() {
    const items = [];
    for (let tries = 0; tries < EMPTY_PAGES; tries += 1) {
      const query = new URLSearchParams({ limit: String(app.memoryPageSize ?? 20) });
      if (bankId) query.set('bankId', bankId);
      if (cursor) query.set('cursor', cursor);
      const page = await app.api.get(`/users/me/memory?${query}`);
      items.push(...(page.items ?? []));
      cursor = page.nextCursor ?? null;
      if (items.length > 0 || !cursor) break;
    }
    const byBank = new Map();
    for (const id of new Set(items.map((item) => item.bankId))) byBank.set(id, await textsOf(id));
    suggest(byBank.keys());
    const rows = items.map((item) => row(item, byBank.get(item.bankId)?.get(item.questionId), shown++));
    add(list, rows);
    more.hidden = !cursor;
    studyForm.hidden = shown === 0;
    if (shown === 0) {
      count.textContent = bankId
        ? `You have no memory of questions of the bank “${bankId}” yet.`
        : 'You have no memory of any question yet: answer a quiz or review flashcards, and every question you meet is listed here with when it falls due.';
    } else {
      count.textContent = `${plural(shown, 'question')} shown${bankId ? ` of the bank “${bankId}”` : ''}${cursor ? ', more to come' : ''}.`;
    }
    return rows;
  }

  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const rows = await loadPage();
      // The button may go away with the last page: focus the first new question instead.
      rows[0]?.querySelector('input')?.focus();
    } finally {
      more.disabled = false;
    }
  });

  /** The ticked questions, in the order listed. */
  const picked = () => [...list.querySelectorAll('input[name=pick]:checked')].map((box) => ({ ...box.dataset }));
  list.addEventListener('change', () => {
    const n = picked().length;
    chosen.textContent = n === 0 ? 'None selected.' : `${plural(n, 'question')} selected.`;
    fill(status);
  });

  studyForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const cards = picked();
    const banks = [...new Set(cards.map((card) => card.bankId))];
    let problem = null;
    if (cards.length === 0) problem = 'Select the questions to study first.';
    else if (banks.length > 1) problem = `The selected questions are of ${banks.length} banks (${banks.join(', ')}); a flashcard session takes one bank's cards. Show one bank, or select questions of one bank.`;
    else if (cards.length > MAX_CARDS) problem = `Select at most ${MAX_CARDS} questions; ${cards.length} are selected.`;
    if (problem) {
      fill(status, h('p', {}, problem));
      return;
    }
    const body = { mode: 'flashcards', bankId: banks[0], source: 'list', questionIds: cards.map((card) => card.questionId) };
    study.disabled = true;
    fill(status, h('p', {}, 'Starting…'));
    await startSession(app, () => app.api.post('/sessions', body, { kind: 'start', context: { bankId: banks[0] } }),
      { bankId: banks[0], screen: 'cards', status, button: study });
  });

  try {
    await loadPage();
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 400) throw error;
    fieldError(bank, error.message);
  }
}
