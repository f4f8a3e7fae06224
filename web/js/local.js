// What the app keeps in the browser, and nothing more: the id of the learner's open session and
// the POST requests whose outcome is not known yet (each with its Idempotency-Key), per user, in
// localStorage; the sign-in token in sessionStorage (gone when the tab closes). Everything else
// (the question, the version, counts, time left) is read from the API on every load.

const PREFIX = 'aq.v1';

/**
 * Idempotency records live 24 hours on the server; a request older than this is dropped instead of
 * sent again, because after the record expires a repeat could be applied a second time.
 */
export const PENDING_MAX_AGE_MS = 23 * 3600 * 1000;

const memory = new Map();

/** A Storage that falls back to memory when the browser refuses (private mode, full quota). */
function store(kind) {
  try {
    const storage = kind === 'session' ? window.sessionStorage : window.localStorage;
    const probe = `${PREFIX}.probe`;
    storage.setItem(probe, '1');
    storage.removeItem(probe);
    return storage;
  } catch {
    return {
      getItem: (key) => (memory.has(key) ? memory.get(key) : null),
      setItem: (key, value) => memory.set(key, String(value)),
      removeItem: (key) => memory.delete(key),
    };
  }
}

const local = store('local');
const tab = store('session');

function readJSON(storage, key, fallback) {
  try {
    const text = storage.getItem(key);
    return text === null ? fallback : JSON.parse(text);
  } catch {
    return fallback;
  }
}

/** The signed-in user's credentials for this tab. */
export const credentials = {
  load: () => readJSON(tab, `${PREFIX}.auth`, null),
  save: (value) => tab.setItem(`${PREFIX}.auth`, JSON.stringify(value)),
  clear: () => tab.removeItem(`${PREFIX}.auth`),
};

/** Short-lived values of the sign-in redirect (PKCE verifier, state), for this tab only. */
export const handshake = {
  load: () => readJSON(tab, `${PREFIX}.handshake`, null),
  save: (value) => tab.setItem(`${PREFIX}.handshake`, JSON.stringify(value)),
  clear: () => tab.removeItem(`${PREFIX}.handshake`),
};

/** The id of `user`'s open session, if any. */
export const openSession = {
  get: (user) => local.getItem(`${PREFIX}.${user}.session`),
  set: (user, id) => local.setItem(`${PREFIX}.${user}.session`, id),
  clear: (user) => local.removeItem(`${PREFIX}.${user}.session`),
};

/** `user`'s POST requests with an unknown outcome, oldest first. */
export const pending = {
  list(user) {
    const entries = readJSON(local, `${PREFIX}.${user}.pending`, []);
    return Array.isArray(entries) ? entries : [];
  },
  /** Keeps `entry` ({key, path, body, contentType, kind, context}) until its outcome is known. */
  add(user, entry) {
    const entries = pending.list(user).filter((item) => item.key !== entry.key);
    entries.push({ ...entry, createdAt: Date.now() });
    try {
      local.setItem(`${PREFIX}.${user}.pending`, JSON.stringify(entries));
    } catch {
      // Over the storage quota (a large import): keep the key without the body. This page still
      // sends the body itself; a later load can only report that the request was interrupted.
      entries[entries.length - 1] = { ...entries[entries.length - 1], body: undefined, bodyDropped: true };
      try {
        local.setItem(`${PREFIX}.${user}.pending`, JSON.stringify(entries));
      } catch {
        // Storage refuses even that: the page keeps the request in memory only.
      }
    }
  },
  remove(user, key) {
    const entries = pending.list(user).filter((item) => item.key !== key);
    if (entries.length === 0) local.removeItem(`${PREFIX}.${user}.pending`);
    else local.setItem(`${PREFIX}.${user}.pending`, JSON.stringify(entries));
  },
  /** Removes and returns the entries too old to send again safely. */
  dropExpired(user, now = Date.now()) {
    const entries = pending.list(user);
    const expired = entries.filter((item) => now - (item.createdAt ?? 0) > PENDING_MAX_AGE_MS);
    for (const item of expired) pending.remove(user, item.key);
    return expired;
  },
};
