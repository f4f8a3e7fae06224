// The app shell: reads config.json, signs in, finishes the requests a previous page load left
// pending, then shows the screen the URL's hash names (#/start, #/quiz, #/cards, #/results/ID,
// #/progress, #/memory[/BANK], #/settings, #/import, #/signin). The hash keeps the screen across a
// reload; the state on it always comes from the API.

import { Api, ApiError, OutcomeUnknown, SignInRequired } from './api.js';
import { Auth } from './auth.js';
import { loadConfig } from './config.js';
import { add, announce, fill, focusHeading, h } from './dom.js';
import { openSession, pending } from './local.js';
import { renderCards } from './screens/cards.js';
import { renderImport } from './screens/import.js';
import { renderMemory } from './screens/memory.js';
import { renderProgress } from './screens/progress.js';
import { renderQuiz } from './screens/quiz.js';
import { renderResults } from './screens/results.js';
import { renderSettings } from './screens/settings.js';
import { renderSignIn } from './screens/signin.js';
import { renderStart } from './screens/start.js';

const SCREENS = {
  signin: { render: renderSignIn, title: 'Sign in', public: true },
  start: { render: renderStart, title: 'New session' },
  quiz: { render: renderQuiz, title: 'Quiz' },
  cards: { render: renderCards, title: 'Flashcards' },
  results: { render: renderResults, title: 'Results' },
  progress: { render: renderProgress, title: 'Progress' },
  memory: { render: renderMemory, title: 'Your questions' },
  settings: { render: renderSettings, title: 'Settings' },
  import: { render: renderImport, title: 'Import questions', authors: true },
};

/** What every screen gets: the configuration, the signed-in learner, the API, and navigation. */
const app = {
  config: null,
  auth: null,
  api: null,
  /** A message for the next screen shown: {text, tone}. */
  flash: null,
  /** The outcome of an answer sent by an earlier page load, for the quiz screen to show. */
  recoveredAnswer: null,
  /** The outcome of a flashcard rating sent by an earlier page load, for the flashcard screen. */
  recoveredRating: null,
  /** The outcome of an import sent by an earlier page load. */
  recoveredImport: null,
  cleanup: null,
  go(route) {
    if (window.location.hash === `#/${route}`) void show();
    else window.location.hash = `#/${route}`;
  },
  /** Ends the sign-in (expired token): back to the sign-in screen, the current screen kept to return to. */
  signInAgain(message) {
    app.returnTo = window.location.hash;
    app.flash = { text: message ?? 'Your sign-in has expired. Sign in again to continue; nothing you sent is lost.', tone: 'warning' };
    app.auth.forget();
    app.go('signin');
  },
  /** After a successful sign-in: finish pending requests, then the screen the learner came for. */
  async signedIn() {
    updateChrome();
    await resume();
    const target = app.returnTo && !app.returnTo.startsWith('#/signin') ? app.returnTo.slice(2) : null;
    app.returnTo = null;
    app.go(target ?? (openSession.get(app.auth.user) ? 'quiz' : 'start'));
  },
};

/** The header: navigation and account for a signed-in learner. */
function updateChrome() {
  const signedIn = app.auth.signedIn;
  document.getElementById('nav').hidden = !signedIn;
  document.getElementById('account').hidden = !signedIn;
  document.getElementById('nav-import').hidden = !app.auth.isAuthor;
  document.getElementById('account-name').textContent = signedIn ? `Signed in as ${app.auth.displayName}` : '';
  const route = window.location.hash.slice(2).split('/')[0];
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.dataset.route === route) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

/**
 * Sends again every POST an earlier page load left without a known outcome, with its original
 * key and body, and keeps what the answers say for the screens.
 */
async function resume() {
  const user = app.auth.user;
  const dropped = pending.dropExpired(user);
  if (dropped.length > 0) {
    app.flash = { text: `${dropped.length} request(s) from more than a day ago were not sent again; please check your session.`, tone: 'warning' };
  }
  for (const entry of pending.list(user)) {
    if (entry.bodyDropped) {
      pending.remove(user, entry.key);
      app.flash = { text: `An import into ${entry.context?.bankId ?? 'a bank'} was interrupted before the server answered; check the bank, and import the file again if it is not there.`, tone: 'warning' };
      continue;
    }
    try {
      const result = await app.api.deliver(entry);
      if (entry.kind === 'start') openSession.set(user, result.data.session.sessionId);
      if (entry.kind === 'answer') app.recoveredAnswer = { sessionId: entry.context.sessionId, result: result.data };
      if (entry.kind === 'rate') app.recoveredRating = { sessionId: entry.context.sessionId, rating: entry.context.rating, result: result.data };
      if (entry.kind === 'finish') openSession.clear(user);
      if (entry.kind === 'import') app.recoveredImport = { bankId: entry.context.bankId, result: result.data };
    } catch (error) {
      if (error instanceof SignInRequired) return app.signInAgain();
      if (error instanceof OutcomeUnknown) {
        app.flash = { text: 'The server has not confirmed an earlier request yet; it will be sent again.', tone: 'warning' };
        return;
      }
      if (!(error instanceof ApiError)) throw error;
      if (entry.kind === 'import') app.recoveredImport = { bankId: entry.context.bankId, error };
    }
  }
}

/** Shows the screen of the current hash. */
async function show() {
  app.cleanup?.();
  app.cleanup = null;
  const [name, ...params] = window.location.hash.replace(/^#\/?/, '').split('/');
  let screen = SCREENS[name];
  if (!app.auth.signedIn && !screen?.public) {
    app.returnTo = screen ? window.location.hash : null;
    screen = SCREENS.signin;
  } else if (!screen || (screen.authors && !app.auth.isAuthor) || (name === 'signin' && app.auth.signedIn)) {
    screen = SCREENS.start;
  }
  updateChrome();
  const main = document.getElementById('main');
  const flash = app.flash;
  app.flash = null;
  const content = h('div', { class: 'screen' });
  if (flash) add(content, h('p', { class: `flash flash-${flash.tone ?? 'info'}`, role: 'status' }, flash.text));
  fill(main, content);
  document.title = `${screen.title} · AdaptiveQuiz`;
  try {
    app.cleanup = (await screen.render(app, content, params)) ?? null;
  } catch (error) {
    if (error instanceof SignInRequired) return app.signInAgain();
    add(content, h('p', { class: 'flash flash-error', role: 'alert' }, `Something went wrong: ${error.message}`));
  }
  focusHeading(content);
  announce(flash ? `${screen.title}. ${flash.text}` : screen.title);
}

async function boot() {
  const main = document.getElementById('main');
  try {
    app.config = await loadConfig();
  } catch (error) {
    fill(main, h('h1', {}, 'AdaptiveQuiz cannot start'), h('p', { role: 'alert' }, error.message));
    return;
  }
  app.auth = new Auth(app.config);
  app.api = new Api(app.config.apiBaseUrl, app.auth);
  try {
    const returnTo = await app.auth.completeCognito();
    if (returnTo !== null) app.returnTo = returnTo;
  } catch (error) {
    app.flash = { text: error.message, tone: 'error' };
  }
  if (!app.auth.signedIn) app.auth.restore();

  document.getElementById('sign-out').addEventListener('click', () => {
    app.auth.signOut();
    app.flash = { text: 'You have signed out.' };
    app.go('signin');
  });
  window.addEventListener('hashchange', () => void show());
  // A token the API stopped accepting, met in any screen's event handler: sign in again; every
  // POST still pending stays kept and is sent after the sign-in.
  window.addEventListener('unhandledrejection', (event) => {
    if (!(event.reason instanceof SignInRequired)) return;
    event.preventDefault();
    app.signInAgain();
  });

  if (app.auth.signedIn) {
    try {
      await resume();
    } catch (error) {
      app.flash = { text: `Could not finish an earlier request: ${error.message}`, tone: 'error' };
    }
    if ((window.location.hash === '' || window.location.hash === '#/') && openSession.get(app.auth.user)) {
      window.history.replaceState(null, '', '#/quiz');
    }
  }
  await show();
  document.body.dataset.ready = 'true';
}

void boot();
