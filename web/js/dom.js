// Building the page without HTML strings: every node is made with createElement and every text
// goes in through textContent, so no server text can ever become markup (the policy's
// Trusted Types would refuse innerHTML anyway).

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Sets attributes, properties and listeners on `node` from `attributes`. */
function apply(node, attributes) {
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      node.addEventListener(name.slice(2), value);
    } else if (name === 'text') {
      node.textContent = String(value);
    } else if (name === 'dataset') {
      Object.assign(node.dataset, value);
    } else if (name === 'value' || name === 'checked' || name === 'disabled' || name === 'selected') {
      node[name] = value;
    } else {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
}

/** Appends children: nodes, strings (as text), arrays of either; null and false are skipped. */
function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of `node` with `children` (nodes, text, arrays; null and false skipped). */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** Appends `children` to `node`, as `fill` reads them. */
export function add(node, ...children) {
  append(node, children);
  return node;
}

/** An HTML element: `h('button', {type: 'button', onclick}, 'Next')`. */
export function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  apply(node, attributes);
  append(node, children);
  return node;
}

/** An SVG element, for the charts. */
export function s(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  apply(node, attributes);
  append(node, children);
  return node;
}

/** Says `message` to screen readers through the page's polite live region. */
export function announce(message) {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  // A change in a later frame is announced even when the text repeats.
  requestAnimationFrame(() => { region.textContent = message; });
}

/** Moves focus to the first heading of `container` (made focusable), as a screen change should. */
export function focusHeading(container) {
  const heading = container.querySelector('h1, h2');
  if (!heading) return;
  heading.setAttribute('tabindex', '-1');
  heading.focus({ preventScroll: false });
}

/** Formats whole seconds as m:ss (or h:mm:ss). */
export function clock(seconds) {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Milliseconds in a day. */
export const DAY_MS = 86_400_000;

/**
 * A due time (an ISO date, epoch milliseconds, or nothing) as the screens show it: the instant
 * (NaN for none), whole days from `now`, rounded, and the date for people ("Thu, 10 Dec"), with
 * the year when it is more than `yearAfterDays` away.
 */
export function dueDate(dueAt, now = Date.now(), yearAfterDays = Infinity) {
  const due = dueAt === undefined || dueAt === null ? NaN : new Date(dueAt).getTime();
  const days = Math.round((due - now) / DAY_MS);
  const date = Number.isFinite(due)
    ? new Date(due).toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short', year: days > yearAfterDays ? 'numeric' : undefined })
    : '';
  return { due, days, date };
}

/** A percentage for people: 0.8333 → "83%". */
export function percent(ratio) {
  return `${Math.round((Number(ratio) || 0) * 100)}%`;
}

/** "1 question", "2 questions". */
export function plural(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}
