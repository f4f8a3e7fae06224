// Charts drawn by the app as inline SVG (nothing fetched, no library): a horizontal bar chart whose
// figures are also in a table under it, so that they can be read without seeing the bars.

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
  chartCount += 1;
  const titleId = `chart-${chartCount}-title`;
  const descId = `chart-${chartCount}-desc`;
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

  const chart = s('svg', {
    viewBox: `0 0 ${WIDTH} ${height}`, role: 'img', 'aria-labelledby': `${titleId} ${descId}`,
    width: WIDTH, height, class: 'chart-svg', preserveAspectRatio: 'xMinYMin meet',
  },
  s('title', { id: titleId, text: title }),
  s('desc', { id: descId, text: summary }),
  bars);

  const table = h('table', { class: 'chart-data' },
    h('thead', {}, h('tr', {}, columns.map((column) => h('th', { scope: 'col' }, column)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, h('th', { scope: 'row' }, row.label), h('td', {}, row.shown)))));

  return h('figure', { class: 'chart', id, dataset: { chart: id } },
    h('figcaption', {}, title),
    chart,
    h('details', {}, h('summary', {}, 'Show the figures'), table));
}
