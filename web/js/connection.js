// The connection to the API as the learner sees it: a "reconnecting…" banner while requests
// cannot get through, with when the next try is and a button to try at once, and "connected
// again" when one does. Requests wait here between tries (api.js).

import { fill, h } from './dom.js';

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 5000;
const MAX_RETRY_AFTER_MS = 120_000;

/**
 * The pause before try `attempt` (0-based): exponential, capped at 5 s, half of it random ("equal
 * jitter"), so that many learners reconnecting at once do not all knock in the same instant.
 */
export function backoff(attempt, random = Math.random) {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
  return ceiling / 2 + random() * (ceiling / 2);
}

/** Milliseconds a `Retry-After` header asks for (seconds or an HTTP date), or null. */
export function retryAfterMs(header, now = Date.now()) {
  if (!header) return null;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : null;
}

/** 'online', 'offline' (no answer at all) or 'busy' (the server asked us to wait). */
let state = 'online';
let wakers = new Set();
let nextTryAt = 0;
let ticker = null;
let hideTimer = null;

function banner() {
  return document.getElementById('connection');
}

function render(kind, message) {
  const element = banner();
  if (!element) return;
  clearTimeout(hideTimer);
  element.hidden = false;
  element.dataset.state = kind;
  if (kind === 'online') {
    fill(element, h('p', {}, h('strong', {}, message)));
    hideTimer = setTimeout(() => { element.hidden = true; fill(element); }, 4000);
    return;
  }
  const countdown = h('span', { class: 'countdown', 'aria-hidden': 'true' });
  const tryNow = h('button', { type: 'button', class: 'secondary', onclick: () => wakeAll() }, 'Try now');
  fill(element, h('p', {}, h('strong', {}, message), kind === 'busy' ? ' Retrying… ' : ' Reconnecting… ', countdown), tryNow);
  tick();
}

function tick() {
  const countdown = banner()?.querySelector('.countdown');
  if (!countdown) return;
  const seconds = Math.max(0, Math.ceil((nextTryAt - Date.now()) / 1000));
  countdown.textContent = seconds > 0 ? `Next try in ${seconds} s.` : 'Trying now…';
}

function wakeAll() {
  const waiting = wakers;
  wakers = new Set();
  for (const wake of waiting) wake();
}

window.addEventListener('online', () => wakeAll());

/**
 * Waits `ms` before the next try of a request that could not get through, showing why (`kind`:
 * 'offline' when the server could not be reached, 'busy' when it answered 5xx or 429). Resolves
 * early when the learner presses "Try now" or the browser comes back online.
 */
export function waitBeforeRetry(ms, kind) {
  const message = kind === 'busy' ? 'The server is busy.' : "Can't reach the server.";
  nextTryAt = Math.max(nextTryAt > Date.now() ? nextTryAt : 0, Date.now() + ms);
  if (state !== kind) {
    state = kind;
    render(kind, message);
  }
  clearInterval(ticker);
  ticker = setInterval(tick, 1000);
  tick();
  return new Promise((resolve) => {
    const wake = () => { clearTimeout(timer); wakers.delete(wake); resolve(); };
    const timer = setTimeout(wake, ms);
    wakers.add(wake);
  });
}

/** A request got an answer: ends a reconnecting state, saying so. */
export function reached() {
  if (state === 'online') return;
  state = 'online';
  nextTryAt = 0;
  clearInterval(ticker);
  ticker = null;
  render('online', 'Connected again.');
}
