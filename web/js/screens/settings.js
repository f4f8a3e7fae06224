// The learner's settings (GET and PUT /users/me/settings): the desired retention, the chance of
// recall at which a question falls due (docs/memory-model.md), 0.70 to 0.97 as Anki's FSRS
// option takes it. The API judges the range: a value it refuses (422) is shown at the field with
// the API's own words.

import { ApiError } from '../api.js';
import { add, fill, h, percent } from '../dom.js';
import { field, fieldError } from '../forms.js';

const MIN = 0.7;
const MAX = 0.97;
const STEP = 0.01;

/** A retention as the field shows it: two decimals. */
function shown(value) {
  return Number(value).toFixed(2);
}

/** What a retention means for the learner, in a sentence. */
function meaning(value) {
  const retention = Number(value);
  if (!Number.isFinite(retention) || retention <= 0 || retention >= 1) return '';
  return `At ${percent(retention)}, you are expected to remember about ${Math.round(retention * 100)} of every 100 questions when they fall due.`;
}

/** The API's message for the retention field of a 422, as a sentence, or null. */
function retentionProblem(error) {
  const detail = error.details.find((candidate) => candidate.field === 'desiredRetention');
  if (!detail) return null;
  const message = String(detail.message ?? '').replace(/\.$/, '');
  return /^[a-z]/.test(message) ? `Desired retention ${message}.` : `${message}.`;
}

export async function renderSettings(app, container) {
  add(container, h('h1', {}, 'Settings'));
  const settings = await app.api.get('/users/me/settings');
  let saved = Number(settings.desiredRetention);

  const retention = h('input', {
    id: 'settings-retention', name: 'desiredRetention', type: 'number', min: MIN, max: MAX, step: STEP,
    inputmode: 'decimal', required: true, value: shown(saved),
  });
  const slider = h('input', {
    id: 'settings-retention-range', type: 'range', min: MIN, max: MAX, step: STEP, value: shown(saved),
    'aria-label': 'Desired retention, as a slider', 'aria-controls': 'settings-retention',
  });
  const explained = h('p', { class: 'hint', id: 'settings-retention-meaning' }, meaning(saved));
  const current = h('p', { class: 'current-setting' }, `Saved: ${shown(saved)}`);
  const status = h('div', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Save');

  retention.addEventListener('input', () => {
    const value = Number(retention.value);
    if (Number.isFinite(value) && value >= MIN && value <= MAX) slider.value = String(value);
    explained.textContent = meaning(retention.value);
    fieldError(retention, null);
  });
  slider.addEventListener('input', () => {
    retention.value = shown(slider.value);
    explained.textContent = meaning(slider.value);
    fieldError(retention, null);
  });

  const form = h('form', { class: 'card settings', novalidate: true },
    h('h2', {}, 'Reviews'),
    field('Desired retention', retention,
      `The chance of recalling a question at which it falls due, from ${shown(MIN)} to ${shown(MAX)} (the default is 0.90). `
      + 'Higher means more frequent reviews; lower, more forgetting. Questions already scheduled keep their due dates until their next review.'),
    slider, explained, current, submit, status);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = retention.value.trim();
    const value = Number(text);
    if (text === '' || !Number.isFinite(value)) {
      fieldError(retention, 'Enter a number such as 0.90.');
      return retention.focus();
    }
    fieldError(retention, null);
    submit.disabled = true;
    fill(status, 'Saving…');
    try {
      const result = await app.api.put('/users/me/settings', { desiredRetention: value });
      saved = Number(result.desiredRetention);
      retention.value = shown(saved);
      slider.value = shown(saved);
      current.textContent = `Saved: ${shown(saved)}`;
      fill(status, `Saved: desired retention ${shown(saved)}. Your next reviews are scheduled with it.`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const problem = error.status === 422 ? retentionProblem(error) : null;
      if (problem) {
        fill(status, `Not saved: the desired retention is still ${shown(saved)}.`);
        fieldError(retention, problem);
        retention.focus();
      } else {
        fill(status, `Not saved: ${error.message} The desired retention is still ${shown(saved)}; try again.`);
      }
    } finally {
      submit.disabled = false;
    }
  });
  add(container, form);
}
