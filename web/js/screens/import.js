// Authors: import a bank file (JSON array, JSON Lines or CSV; the layouts are in the README) into a
// bank. The API checks every row before it writes anything, and lists each bad row; this screen
// shows that list as a table.

import { ApiError, OutcomeUnknown } from '../api.js';
import { add, fill, h, plural } from '../dom.js';
import { detailsTable, field, fieldError, IDENTIFIER } from '../forms.js';

/** Lambda's 6 MB payload limit: a larger file could never be accepted. */
const MAX_BYTES = 6 * 1024 * 1024;
const TYPES = { json: 'application/json', jsonl: 'application/x-ndjson', ndjson: 'application/x-ndjson', csv: 'text/csv' };

/** The media type the API expects for a file name, or null. */
export function mediaTypeFor(name) {
  const extension = name.toLowerCase().split('.').pop();
  return TYPES[extension] ?? null;
}

function outcome(result, bankId) {
  return h('div', { class: 'import-result', dataset: { outcome: 'imported' } },
    h('p', {}, h('strong', {}, `Imported ${plural(result.imported, 'question')} into ${result.bankId ?? bankId}`),
      ` (${result.created} new, ${result.replaced} replaced; ${String(result.format).toUpperCase()}).`),
    h('a', { class: 'button secondary', href: '#/start' }, 'Start a session on it'));
}

function refusal(error) {
  const rows = new Set(error.details.map((detail) => detail.row).filter((row) => row !== undefined));
  const summary = rows.size > 0 ? `Nothing was imported: ${plural(rows.size, 'row')} ${rows.size === 1 ? 'has a problem' : 'have problems'}.` : error.message;
  return h('div', { class: 'import-result', dataset: { outcome: 'refused' } },
    h('p', {}, h('strong', {}, summary)),
    detailsTable(error.details, 'Problems by row'));
}

export function renderImport(app, container) {
  add(container, h('h1', {}, 'Import questions'),
    h('p', {}, 'A JSON array, JSON Lines (.jsonl) or CSV file of questions. Every row is checked first: if any row has a problem, nothing is imported and each problem is listed.'));

  const bank = h('input', { id: 'import-bank', name: 'bank', type: 'text', required: true, spellcheck: 'false', autocapitalize: 'none', value: app.lastBank ?? '' });
  const file = h('input', { id: 'import-file', name: 'file', type: 'file', required: true, accept: '.json,.jsonl,.ndjson,.csv' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Import');
  const result = h('div', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
  const form = h('form', { class: 'card', novalidate: true },
    field('Bank', bank, 'Questions with an id already in the bank replace it.'),
    field('File', file, '.json, .jsonl or .csv, up to 6 MB.'),
    submit);

  if (app.recoveredImport) {
    const { bankId, result: data, error } = app.recoveredImport;
    app.recoveredImport = null;
    fill(result, h('p', {}, 'Your import sent before the page reloaded:'), data ? outcome(data, bankId) : refusal(error));
  }

  async function send(request, bankId) {
    submit.disabled = true;
    fill(result, 'Importing…');
    try {
      const { data } = await request();
      app.lastBank = bankId;
      fill(result, outcome(data, bankId));
    } catch (error) {
      if (error instanceof OutcomeUnknown) {
        const again = h('button', { type: 'button', class: 'secondary' }, 'Send again');
        again.addEventListener('click', () => void send(() => app.api.deliver(error.entry), bankId));
        fill(result, h('p', {}, 'The server has not confirmed the import yet.'), again);
      } else if (error instanceof ApiError) {
        fill(result, error.status === 403 ? h('p', {}, 'Only authors may import questions.') : refusal(error));
      } else {
        throw error;
      }
    } finally {
      submit.disabled = false;
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const bankId = bank.value.trim();
    const chosen = file.files[0];
    const type = chosen ? mediaTypeFor(chosen.name) : null;
    fieldError(bank, IDENTIFIER.test(bankId) ? null : 'Enter a bank id: letters, digits, . _ : or -.');
    fieldError(file, !chosen ? 'Choose a file.' : !type ? 'Use a .json, .jsonl or .csv file.' : chosen.size > MAX_BYTES ? 'The file is over 6 MB.' : null);
    const invalid = form.querySelector('[aria-invalid="true"]');
    if (invalid) return invalid.focus();
    const text = await chosen.text();
    await send(() => app.api.post(`/banks/${encodeURIComponent(bankId)}/questions`, text,
      { kind: 'import', context: { bankId }, contentType: type }), bankId);
  });
  add(container, form, result);
}
