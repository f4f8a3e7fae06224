// Form pieces shared by the screens: a labelled field with its hint and error line, and the
// API's per-field or per-row problems as a table.

import { h } from './dom.js';

/** A bank or question id as the app accepts one typed: letters, digits, . _ : or - (a subset of openapi.yaml's `Identifier`). */
export const IDENTIFIER = /^[A-Za-z0-9._:-]{1,128}$/;

/** A labelled form field with its error line; `describedBy` links the hint and the error. */
export function field(label, input, hint) {
  const id = input.id;
  const hintNode = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  input.setAttribute('aria-describedby', [hintNode ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(' '));
  return h('div', { class: 'field' }, h('label', { for: id }, label), hintNode, input, error);
}

/** Shows (or clears, with null) the error of the field of `input`. */
export function fieldError(input, message) {
  const error = document.getElementById(`${input.id}-error`);
  if (!error) return;
  error.textContent = message ?? '';
  error.hidden = !message;
  if (message) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

/** The `details` of an API error ({field?, row?, message}) as a table, or null when there are none. */
export function detailsTable(details, caption) {
  if (!details?.length) return null;
  const byRow = details.some((detail) => detail.row !== undefined);
  return h('table', { class: 'details' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, byRow ? h('th', { scope: 'col' }, 'Row') : null, h('th', { scope: 'col' }, 'Field'), h('th', { scope: 'col' }, 'Problem'))),
    h('tbody', {}, details.map((detail) => h('tr', { dataset: { row: detail.row ?? '' } },
      byRow ? h('td', {}, detail.row ?? '') : null, h('td', {}, detail.field ?? ''), h('td', {}, detail.message)))));
}
