// Sign in: a user name under `local-runner serve` (dev login), a pasted token when dev login is
// off, or the Cognito hosted UI when deployed.

import { add, h } from '../dom.js';
import { field, fieldError } from '../forms.js';

export function renderSignIn(app, container) {
  const { signIn } = app.config;
  add(container, h('h1', {}, 'Sign in'));

  if (signIn.method === 'cognito') {
    const button = h('button', { type: 'button', class: 'primary' }, 'Sign in or create an account');
    button.addEventListener('click', () => {
      button.disabled = true;
      void app.auth.beginCognito();
    });
    add(container, h('p', {}, 'You will be taken to the sign-in page, then straight back here.'), button);
    return;
  }

  const status = h('p', { class: 'form-status', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'card', novalidate: true });

  if (signIn.method === 'dev') {
    const name = h('input', {
      id: 'signin-user', name: 'user', type: 'text', autocomplete: 'username', required: true, maxlength: 64,
      pattern: '[A-Za-z0-9._\\-]{1,64}', spellcheck: 'false', autocapitalize: 'none',
    });
    const author = h('input', { id: 'signin-author', name: 'author', type: 'checkbox' });
    add(form, 
      h('p', {}, 'This is a local runner: pick any user name. Your progress is kept under that name on this runner.'),
      field('User name', name, 'Letters, digits, dot, underscore or dash.'),
      signIn.authors
        ? h('div', { class: 'field checkbox' }, author, h('label', { for: 'signin-author' }, 'Sign in as an author (may import questions)'))
        : null,
      submit, status);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const user = name.value.trim();
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(user)) {
        fieldError(name, 'Use 1 to 64 letters, digits, dots, underscores or dashes.');
        name.focus();
        return;
      }
      fieldError(name, null);
      submit.disabled = true;
      status.textContent = 'Signing in…';
      try {
        await app.auth.signInDev(user, signIn.authors && author.checked);
        status.textContent = '';
        await app.signedIn();
      } catch (error) {
        status.textContent = error.message;
        submit.disabled = false;
      }
    });
  } else {
    const token = h('textarea', { id: 'signin-token', name: 'token', rows: 4, required: true, spellcheck: 'false', autocomplete: 'off' });
    add(form, 
      h('p', {}, 'Paste a token from the person running this server (', h('code', {}, 'local-runner token YOUR-NAME'), ').'),
      field('Token', token),
      submit, status);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        app.auth.signInToken(token.value);
        fieldError(token, null);
        await app.signedIn();
      } catch (error) {
        fieldError(token, error.message);
        token.focus();
      }
    });
  }
  add(container, form);
}
