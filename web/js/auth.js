// Signing in, three ways (config.json's signIn.method): "dev" asks `local-runner serve` for a
// token for a user name (POST /dev/token); "token" takes a pasted token; "cognito" runs the OAuth
// 2.0 authorization code flow with PKCE (RFC 7636) against a Cognito user pool's hosted UI, and
// refreshes its access token when the API says it has expired.

import { credentials, handshake } from './local.js';

/** base64url without padding (RFC 4648 §5) of bytes. */
export function base64url(bytes) {
  let text = '';
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The PKCE S256 challenge of a verifier: base64url(SHA-256(verifier)). */
export async function pkceChallenge(verifier) {
  return base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
}

/** A token's claims, read only to show who is signed in; the API verifies the token itself. */
export function claimsOf(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(part.padEnd(Math.ceil(part.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === 'object' ? claims : null;
  } catch {
    return null;
  }
}

/** The groups of a token's claims: a JSON array, or the text forms API Gateway passes on. */
export function groupsOf(claims) {
  const value = claims?.['cognito:groups'] ?? claims?.groups ?? [];
  if (Array.isArray(value)) return value.map(String);
  return String(value).replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean);
}

export class Auth {
  constructor(config) {
    this.config = config;
    this.state = null;
  }

  get signedIn() { return this.state !== null; }
  get user() { return this.state?.user ?? null; }
  get displayName() { return this.state?.name ?? this.state?.user ?? ''; }
  get isAuthor() { return this.state?.groups?.includes(this.config.signIn.authorGroup) ?? false; }

  /** The Authorization header value. */
  header() { return `Bearer ${this.state?.token ?? ''}`; }

  /** Takes a token (and, for Cognito, its companions); false when it is unreadable or expired. */
  adopt(token, extra = {}) {
    const claims = claimsOf(token);
    if (!claims || typeof claims.sub !== 'string' || !claims.sub) return false;
    if (typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now()) return false;
    this.state = { token, user: claims.sub, groups: groupsOf(claims), exp: claims.exp, ...extra };
    credentials.save(this.state);
    return true;
  }

  /** Signs in again from this tab's stored credentials, when still valid. */
  restore() {
    const saved = credentials.load();
    if (saved?.token && this.adopt(saved.token, { name: saved.name, refreshToken: saved.refreshToken })) return true;
    // An expired Cognito access token can still be renewed with its refresh token.
    if (saved?.refreshToken && this.config.signIn.method === 'cognito') {
      this.state = saved;
      return true;
    }
    credentials.clear();
    return false;
  }

  /** Local sign-in under `local-runner serve`; throws an Error with the server's message. */
  async signInDev(user, author) {
    const response = await fetch(`${this.config.apiBaseUrl}/dev/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ user, author }),
      credentials: 'omit',
      cache: 'no-store',
    });
    const data = await response.json().catch(() => null);
    if (!response.ok || !data?.token) throw new Error(data?.error?.message ?? `Sign-in failed (HTTP ${response.status}).`);
    if (!this.adopt(data.token)) throw new Error('The runner returned a token this app cannot read.');
  }

  /** Sign-in with a token minted by `local-runner token USER`. */
  signInToken(token) {
    if (!this.adopt(token.trim())) throw new Error('That is not a valid, unexpired token.');
  }

  /** Starts the Cognito hosted UI sign-in: PKCE verifier and state kept in this tab, then redirect. */
  async beginCognito() {
    const { domain, clientId, redirectUri, scopes } = this.config.signIn;
    const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
    const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
    handshake.save({ verifier, state, returnTo: window.location.hash });
    const query = new URLSearchParams({
      response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: scopes.join(' '), state,
      code_challenge: await pkceChallenge(verifier), code_challenge_method: 'S256',
    });
    window.location.assign(`${domain}/oauth2/authorize?${query}`);
  }

  /**
   * Finishes a Cognito sign-in when the page was opened by its redirect (`?code=…&state=…`);
   * resolves to the hash to return to, or null when this is not such a page load.
   */
  async completeCognito() {
    const query = new URLSearchParams(window.location.search);
    if (this.config.signIn.method !== 'cognito' || (!query.has('code') && !query.has('error'))) return null;
    const saved = handshake.load();
    handshake.clear();
    window.history.replaceState(null, '', `${window.location.pathname}${saved?.returnTo ?? ''}`);
    if (query.has('error')) throw new Error(query.get('error_description') ?? query.get('error'));
    if (!saved || saved.state !== query.get('state')) throw new Error('The sign-in response does not match this tab; please sign in again.');
    const { clientId, redirectUri } = this.config.signIn;
    const tokens = await this.tokenRequest({
      grant_type: 'authorization_code', client_id: clientId, code: query.get('code'), redirect_uri: redirectUri,
      code_verifier: saved.verifier,
    });
    const name = claimsOf(tokens.id_token ?? '')?.email;
    if (!this.adopt(tokens.access_token, { name, refreshToken: tokens.refresh_token })) throw new Error('Cognito returned an unusable token.');
    return saved.returnTo || '';
  }

  /** A new access token from the refresh token (Cognito only); false when there is none to be had. */
  async refresh() {
    if (this.config.signIn.method !== 'cognito' || !this.state?.refreshToken) return false;
    try {
      const tokens = await this.tokenRequest({
        grant_type: 'refresh_token', client_id: this.config.signIn.clientId, refresh_token: this.state.refreshToken,
      });
      return this.adopt(tokens.access_token, { name: this.state.name, refreshToken: this.state.refreshToken });
    } catch {
      return false;
    }
  }

  async tokenRequest(fields) {
    const response = await fetch(`${this.config.signIn.domain}/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
      credentials: 'omit',
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok || !data.access_token) throw new Error(data.error_description ?? data.error ?? 'Sign-in failed.');
    return data;
  }

  /** Forgets a token the API no longer accepts (this tab only; no redirect). */
  forget() {
    this.state = null;
    credentials.clear();
  }

  /** Forgets the token; for Cognito also ends the hosted UI's session. */
  signOut() {
    const cognito = this.config.signIn.method === 'cognito' && this.state;
    this.state = null;
    credentials.clear();
    if (cognito) {
      const { domain, clientId, redirectUri } = this.config.signIn;
      const query = new URLSearchParams({ client_id: clientId, logout_uri: redirectUri });
      window.location.assign(`${domain}/logout?${query}`);
    }
  }
}
