// config.json, read from beside index.html: where the API is and how learners sign in. Under
// `local-runner serve` the runner writes it; on a static host the deployer puts it there
// (docs/web-app.md shows both shapes).

/** A config.json that cannot be used; `problems` lists every reason. */
export class ConfigError extends Error {
  constructor(problems) {
    super(`config.json: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

const METHODS = ['dev', 'token', 'cognito'];
const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/** Whether `text` is a URL Cognito accepts as a callback: https, or http on a loopback host. */
function isRedirect(text) {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.includes(url.hostname));
  } catch {
    return false;
  }
}

/** An absolute http(s) URL without a trailing slash, or null. */
function baseUrl(text) {
  try {
    const url = new URL(text);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    if (url.search || url.hash || url.username || url.password) return null;
    return url.href.replace(/\/+$/, '');
  } catch {
    return null;
  }
}

/**
 * The configuration `raw` (the parsed JSON) describes, with defaults filled in, or a ConfigError.
 * `location` is the page's own URL: the default redirect URI of the Cognito flow.
 */
export function parseConfig(raw, location = window.location.href) {
  const problems = [];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(['must be a JSON object']);

  let apiBaseUrl = '';
  if (raw.apiBaseUrl !== undefined && raw.apiBaseUrl !== '') {
    apiBaseUrl = typeof raw.apiBaseUrl === 'string' ? baseUrl(raw.apiBaseUrl) : null;
    if (apiBaseUrl === null) problems.push('apiBaseUrl must be empty (same origin) or an absolute http(s) URL');
  }

  const signIn = raw.signIn ?? { method: 'token' };
  if (typeof signIn !== 'object' || !METHODS.includes(signIn.method)) {
    problems.push(`signIn.method must be one of ${METHODS.join(', ')}`);
  }
  const parsed = { method: signIn.method, authors: signIn.authors === true, authorGroup: signIn.authorGroup ?? 'authors' };
  if (typeof parsed.authorGroup !== 'string' || !parsed.authorGroup) problems.push('signIn.authorGroup must be a group name');

  if (signIn.method === 'cognito') {
    const domain = typeof signIn.domain === 'string' ? baseUrl(signIn.domain) : null;
    if (!domain || !domain.startsWith('https://')) problems.push('signIn.domain must be the https URL of the Cognito domain');
    if (typeof signIn.clientId !== 'string' || !/^[\w+]{1,128}$/.test(signIn.clientId)) {
      problems.push('signIn.clientId must be the app client id');
    }
    const page = new URL(location);
    const redirect = signIn.redirectUri === undefined ? `${page.origin}${page.pathname}` : signIn.redirectUri;
    if (!isRedirect(redirect)) problems.push('signIn.redirectUri must be an https URL (http only for localhost)');
    const scopes = signIn.scopes ?? ['openid', 'email'];
    if (!Array.isArray(scopes) || scopes.some((scope) => typeof scope !== 'string' || !/^[\x21-\x7e]+$/.test(scope))) {
      problems.push('signIn.scopes must be a list of scope names');
    }
    Object.assign(parsed, { domain, clientId: signIn.clientId, redirectUri: redirect, scopes });
  }

  const banks = raw.banks ?? [];
  if (!Array.isArray(banks) || banks.some((bank) => typeof bank !== 'string')) problems.push('banks must be a list of bank ids');

  if (problems.length > 0) throw new ConfigError(problems);
  return { apiBaseUrl, signIn: parsed, banks };
}

/** Fetches and parses config.json; a missing file means "the API on this origin, sign in with a token". */
export async function loadConfig() {
  const response = await fetch('config.json', { cache: 'no-cache', credentials: 'omit' });
  if (response.status === 404) return parseConfig({});
  if (!response.ok) throw new ConfigError([`could not be read (HTTP ${response.status})`]);
  let raw;
  try {
    raw = await response.json();
  } catch {
    throw new ConfigError(['is not valid JSON']);
  }
  return parseConfig(raw);
}
