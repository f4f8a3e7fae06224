// The API client, used the way the API is meant to be used (openapi.yaml): every POST carries an
// Idempotency-Key that is kept in localStorage until the request's outcome is known, and is sent
// again, with the same key and body, after a network error, a 5xx or a 429 (after Retry-After
// when the server gives one), after a reload, or after the runner restarts. A repeat is answered
// with the first response, so nothing is applied twice.

import { backoff, reached, retryAfterMs, waitBeforeRetry } from './connection.js';
import { pending } from './local.js';

/** The API refused a request: `code` and `details` from its error document. */
export class ApiError extends Error {
  constructor(status, document) {
    const error = document?.error ?? {};
    super(error.message ?? `The server answered ${status}.`);
    this.status = status;
    this.code = error.code ?? `HTTP_${status}`;
    this.details = Array.isArray(error.details) ? error.details : [];
    this.requestId = error.requestId;
  }
}

/** The token is missing or no longer valid: sign in again. A POST stays pending meanwhile. */
export class SignInRequired extends Error {}

/** A POST's outcome is still unknown after many tries; it stays pending and can be sent again. */
export class OutcomeUnknown extends Error {
  constructor(entry, cause) {
    super('The server has not confirmed this yet.');
    this.entry = entry;
    this.cause = cause;
  }
}

/** How many tries each kind of failure gets before the caller hears of it (network errors: no limit). */
function triesFor(status, code) {
  if (status === 503 || status === 429 || code === 'REQUEST_IN_PROGRESS') return Infinity;
  if (status === 502 || status === 504) return 10;
  if (status >= 500) return 3;
  return 0;
}

async function readBody(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { error: { code: `HTTP_${response.status}`, message: text.slice(0, 200) } };
  }
}

export class Api {
  /**
   * `baseUrl`: '' for the same origin; `auth`: {user, header(), refresh()} of the signed-in
   * learner (`refresh` resolves true when it obtained a new token).
   */
  constructor(baseUrl, auth) {
    this.baseUrl = baseUrl;
    this.auth = auth;
  }

  /** GET `path`; resolves to the JSON body. */
  async get(path) {
    return (await this.exchange({ method: 'GET', path })).data;
  }

  /**
   * PUT `body` (an object, sent as JSON) to `path`; resolves to the JSON body. A PUT replaces a
   * whole resource, so sending it twice changes nothing: the routes that take one have no
   * Idempotency-Key (openapi.yaml), and it is sent again as it is after a network error, a 5xx or a
   * 429, like every request. It is not kept across page loads: a learner who left the page did not
   * see it saved, and a stale value sent later could undo a newer one.
   */
  async put(path, body) {
    return (await this.exchange({ method: 'PUT', path, body: JSON.stringify(body), contentType: 'application/json' })).data;
  }

  /**
   * POST `body` (an object, sent as JSON; a string with `contentType`; null for none) to `path` under a new
   * idempotency key. `kind` and `context` say what the request was for, so that a reload can
   * finish what it started (main.js). Resolves to {status, data, replayed}.
   */
  post(path, body, { kind, context = {}, contentType = 'application/json' } = {}) {
    const entry = {
      key: crypto.randomUUID(),
      path,
      body: body === null ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      contentType,
      kind,
      context,
    };
    pending.add(this.auth.user, entry);
    return this.deliver(entry);
  }

  /** Sends a pending POST (again); forgets it once its outcome is known. */
  async deliver(entry) {
    try {
      const result = await this.exchange({ method: 'POST', ...entry });
      pending.remove(this.auth.user, entry.key);
      return result;
    } catch (error) {
      // A 5xx after every try leaves the outcome unknown: the entry stays, to be sent again.
      if (error instanceof ApiError && triesFor(error.status, error.code) > 0) throw new OutcomeUnknown(entry, error);
      if (error instanceof ApiError) pending.remove(this.auth.user, entry.key);
      throw error;
    }
  }

  async exchange({ method, path, body, contentType, key }) {
    let refreshed = false;
    for (let attempt = 0; ; attempt += 1) {
      const headers = { Accept: 'application/json', Authorization: this.auth.header() };
      if (body !== undefined) headers['Content-Type'] = contentType;
      if (key) headers['Idempotency-Key'] = key;
      let response;
      let data;
      try {
        response = await fetch(`${this.baseUrl}${path}`, { method, headers, body, cache: 'no-store', credentials: 'omit' });
        data = await readBody(response);
      } catch {
        // No answer, or the connection broke while the answer was read: the outcome is unknown,
        // and sending the same key again is how it becomes known.
        await waitBeforeRetry(backoff(attempt), 'offline');
        continue;
      }
      const code = data?.error?.code;
      if (response.ok) {
        reached();
        return { status: response.status, data, replayed: response.headers.get('Idempotency-Replayed') === 'true' };
      }
      if (attempt < triesFor(response.status, code) - 1) {
        const wait = retryAfterMs(response.headers.get('Retry-After')) ?? backoff(attempt);
        await waitBeforeRetry(wait, 'busy');
        continue;
      }
      reached();
      if (response.status === 401) {
        if (!refreshed && (await this.auth.refresh())) {
          refreshed = true;
          continue;
        }
        throw new SignInRequired(data?.error?.message ?? 'Please sign in again.');
      }
      throw new ApiError(response.status, data);
    }
  }
}
