// Charts drawn by the app as inline SVG (nothing fetched, no library): a horizontal bar chart and
// a column chart over time, each with its figures also in a table under it, so that they can be
// read without seeing the bars.

import { h, s } from './dom.js';

const ROW_HEIGHT = 28;
const BAR_HEIGHT = 18;
/** About the width of one character of the chart's 12 px text. */
const CHARACTER = 7.2;

let chartCount = 0;

/** `text` cut to `length` characters with an ellipsis. */
function shorten(text, length) {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

/**
 * A bar chart in a <figure>: `rows` are {label, value, shown}, where `shown` is the value as
 * text; bars are scaled to `max` (default: the largest value). `summary` is what a screen reader
 * says of the whole chart. `tone` names the bars' colour class. `width` is the width in CSS
 * pixels the chart is drawn for, so that its text keeps its size on any screen.
 */
export function barChart({ id, title, summary, rows, max, columns = ['', 'Value'], tone = 'accent', width = 320 }) {
  const scale = max ?? Math.max(1, ...rows.map((row) => row.value));
  const height = rows.length * ROW_HEIGHT + 8;
  const WIDTH = Math.max(240, Math.round(width));
  const LABEL_WIDTH = Math.min(WIDTH * 0.4, 8 + CHARACTER * Math.max(4, ...rows.map((row) => Math.min(row.label.length, 16))));
  const VALUE_WIDTH = 12 + CHARACTER * Math.max(2, ...rows.map((row) => row.shown.length));
  const barSpace = WIDTH - LABEL_WIDTH - VALUE_WIDTH;

  const bars = rows.map((row, index) => {
    const y = 4 + index * ROW_HEIGHT;
    const width = row.value > 0 ? Math.max(2, (row.value / scale) * barSpace) : 0;
    return s('g', { class: 'bar-row' },
      s('title', { text: `${row.label}: ${row.shown}` }),
      s('text', { x: LABEL_WIDTH - 8, y: y + BAR_HEIGHT / 2, class: 'bar-label', 'text-anchor': 'end', 'dominant-baseline': 'central' },
        shorten(row.label, 16)),
      s('rect', { x: LABEL_WIDTH, y, width: barSpace, height: BAR_HEIGHT, rx: 3, class: 'bar-track' }),
      s('rect', { x: LABEL_WIDTH, y, width: width.toFixed(1), height: BAR_HEIGHT, rx: 3, class: `bar bar-${tone}` }),
      s('text', { x: WIDTH - 2, y: y + BAR_HEIGHT / 2, class: 'bar-value', 'text-anchor': 'end', 'dominant-baseline': 'central' }, row.shown));
  });

  return figure({ id, title, summary, width: WIDTH, height, columns, rows, content: bars });
}

/**
 * The chart's <figure>: the SVG (`role="img"`, named by its title and described by `summary`)
 * and a table of `rows` ({label, shown}) under `columns`, folded away under "Show the figures".
 */
function figure({ id, title, summary, width, height, columns, rows, content }) {
  chartCount += 1;
  const titleId = `chart-${chartCount}-title`;
  const descId = `chart-${chartCount}-desc`;
  const chart = s('svg', {
    viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': `${titleId} ${descId}`,
    width, height, class: 'chart-svg', preserveAspectRatio: 'xMinYMin meet',
  },
  s('title', { id: titleId, text: title }),
  s('desc', { id: descId, text: summary }),
  content);

  const table = h('table', { class: 'chart-data' },
    h('thead', {}, h('tr', {}, columns.map((column) => h('th', { scope: 'col' }, column)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, h('th', { scope: 'row' }, row.label), h('td', {}, row.shown)))));

  return h('figure', { class: 'chart', id, dataset: { chart: id } },
    h('figcaption', {}, title),
    chart,
    h('details', {}, h('summary', {}, 'Show the figures'), table));
}

const COLUMN_AREA = 110;
const AXIS_SPACE = 20;

/**
 * A column chart of values over time in a <figure>: `rows` are {label, tick, value, shown, tone},
 * one column each from left to right; `tick` (short text or null) is written under the column;
 * `tone` names a column's colour class (default `column`). Columns are scaled to the largest
 * value, whose figure is written at the top left. `summary`, `columns` and `width` as for `barChart`.
 */
export function columnChart({ id, title, summary, rows, columns = ['', 'Value'], width = 320 }) {
  const WIDTH = Math.max(240, Math.round(width));
  const scale = Math.max(1, ...rows.map((row) => row.value));
  const left = 8 + CHARACTER * String(scale).length;
  const step = (WIDTH - left) / Math.max(rows.length, 1);
  const gap = Math.min(3, step * 0.25);
  const top = 8;
  const height = top + COLUMN_AREA + AXIS_SPACE;
  const base = top + COLUMN_AREA;

  const content = [
    s('text', { x: left - 4, y: top, class: 'axis-label', 'text-anchor': 'end', 'dominant-baseline': 'hanging' }, String(scale)),
    s('text', { x: left - 4, y: base, class: 'axis-label', 'text-anchor': 'end' }, '0'),
    s('line', { x1: left, x2: WIDTH, y1: base + 0.5, y2: base + 0.5, class: 'axis-line' }),
    rows.map((row, index) => {
      const x = left + index * step + gap / 2;
      const columnHeight = row.value > 0 ? Math.max(2, (row.value / scale) * COLUMN_AREA) : 0;
      return s('g', { class: 'column-row' },
        s('title', { text: `${row.label}: ${row.shown}` }),
        s('rect', { x: x.toFixed(1), y: (base - columnHeight).toFixed(1), width: Math.max(1, step - gap).toFixed(1), height: columnHeight.toFixed(1), class: row.tone ?? 'column' }),
        row.tick ? s('text', { x: (x + (step - gap) / 2).toFixed(1), y: base + 14, class: 'axis-label', 'text-anchor': 'middle' }, row.tick) : null);
    }),
  ];
  return figure({ id, title, summary, width: WIDTH, height, columns, rows, content });
}