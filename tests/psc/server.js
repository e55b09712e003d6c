// Pro Santé Connect simulator for the integration tests: a real, certified OpenID Connect
// provider (panva's oidc-provider) configured like PSC (../../shared/docs/domain.md §1):
//
//   issuer          http://127.0.0.1:PORT/auth/realms/esante-wallet
//   metadata        {issuer}/.well-known/openid-configuration
//                   {issuer}/.well-known/wallet-openid-configuration (PSC's name, same JSON)
//   authorization   http://localhost:PORT/auth/realms/esante-wallet/protocol/openid-connect/auth
//                   (advertised on another host than the issuer, as PSC's `wallet.*` host)
//   token, userinfo, certs (JWKS), logout (end_session): {issuer}/protocol/openid-connect/…
//   RS256, acr `eidas1`, scopes `openid scope_all`, code flow only, PKCE S256 required,
//   client_secret_basic, RP-initiated logout, dev login form (any password) then consent form.
//
// Clients: `mss-json` (userinfo as JSON) and `mss-jwt` (userinfo as a signed JWT, RS256).
// Identities: see identities.js (`pharma:<rpps>`, `kit:<rpps>`, `edit:<ANS id>`).
//
// Usage: node server.js [--port 0] [--host 127.0.0.1]
//          [--redirect-uris URI,URI] [--post-logout-redirect-uris URI,URI] [--any-loopback-port]
//          [--json-client-id mss-json] [--jwt-client-id mss-jwt] [--signing-key key.pem]
// Each option also reads an environment variable: PSC_PORT, PSC_HOST, PSC_REDIRECT_URIS,
// PSC_POST_LOGOUT_REDIRECT_URIS, PSC_ANY_LOOPBACK_PORT=1, PSC_JSON_CLIENT_ID, PSC_JWT_CLIENT_ID,
// PSC_SIGNING_KEY; the client secrets come from PSC_JSON_CLIENT_SECRET and PSC_JWT_CLIENT_SECRET
// only (kept out of the process list). `--port 0` picks a free port.
//
// Redirect URIs: registered exactly as given. With --any-loopback-port, a registered URI on a
// loopback host (127.0.0.1, localhost, [::1]) also matches on any port (RFC 8252 §7.3 style),
// so the simulator can start before the app whose port is not known yet. Without any
// --redirect-uris, it registers http://127.0.0.1/psc/retour and post-logout http://127.0.0.1/
// and turns --any-loopback-port on.
//
// Once listening it prints one line on stdout:
//   PSC_SIMULATOR_READY {"port":…,"issuer":"…","discovery_url":"…"}
// and serves GET /_simulator/events: what happened so far (JSON array), for test assertions.

import { createPrivateKey, generateKeyPairSync, randomBytes, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';

import { identityFromLogin, claimNames, LOGIN_HELP } from './identities.js';

const REALM_PATH = '/auth/realms/esante-wallet';
const WALLET_DISCOVERY = '/.well-known/wallet-openid-configuration';
const STANDARD_DISCOVERY = '/.well-known/openid-configuration';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

// ---- options ------------------------------------------------------------------------------

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'redirect-uris': { type: 'string' },
    'post-logout-redirect-uris': { type: 'string' },
    'any-loopback-port': { type: 'boolean' },
    'json-client-id': { type: 'string' },
    'jwt-client-id': { type: 'string' },
    'signing-key': { type: 'string' },
  },
  strict: true,
});

const env = process.env;
const list = (value) => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);

const port = Number(args.port ?? env.PSC_PORT ?? 0);
const host = args.host ?? env.PSC_HOST ?? '127.0.0.1';
let redirectUris = list(args['redirect-uris'] ?? env.PSC_REDIRECT_URIS);
let postLogoutRedirectUris = list(args['post-logout-redirect-uris'] ?? env.PSC_POST_LOGOUT_REDIRECT_URIS);
let anyLoopbackPort = Boolean(args['any-loopback-port']) || env.PSC_ANY_LOOPBACK_PORT === '1';
if (redirectUris.length === 0) {
  redirectUris = ['http://127.0.0.1/psc/retour'];
  if (postLogoutRedirectUris.length === 0) postLogoutRedirectUris = ['http://127.0.0.1/'];
  anyLoopbackPort = true;
}
const jsonClientId = args['json-client-id'] ?? env.PSC_JSON_CLIENT_ID ?? 'mss-json';
const jwtClientId = args['jwt-client-id'] ?? env.PSC_JWT_CLIENT_ID ?? 'mss-jwt';
const jsonClientSecret = env.PSC_JSON_CLIENT_SECRET ?? 'mss-json-secret';
const jwtClientSecret = env.PSC_JWT_CLIENT_SECRET ?? 'mss-jwt-secret';
const signingKeyPath = args['signing-key'] ?? env.PSC_SIGNING_KEY;

function signingJwk() {
  const key = signingKeyPath
    ? createPrivateKey(readFileSync(signingKeyPath))
    : generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const jwk = key.export({ format: 'jwk' });
  const kid = createHash('sha256').update(jwk.n).digest('base64url').slice(0, 16);
  return { ...jwk, kid, use: 'sig', alg: 'RS256' };
}

// ---- what happened, for the tests -----------------------------------------------------------

const events = [];
function record(type, details) {
  events.push({ type, at: new Date().toISOString(), ...details });
}

// ---- the provider ------------------------------------------------------------------------

/** sub → identity, filled when a test identity signs in on the login form. */
const accounts = new Map();

function stripLoopbackPort(uri) {
  const url = URL.parse(uri);
  if (!url || url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  url.port = '';
  return url.href;
}

function sameIgnoringLoopbackPort(registered, value) {
  const a = stripLoopbackPort(registered);
  return a !== undefined && a === stripLoopbackPort(value);
}

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><title>${title}</title></head>
<body>
<h1>Pro Santé Connect (simulateur de test)</h1>
${body}
</body>
</html>`;
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  }[c]));
}

function buildProvider(issuer) {
  const client = (clientId, clientSecret, extra) => ({
    client_id: clientId,
    client_secret: clientSecret,
    client_name: `${clientId} (mss-onboarding tests)`,
    redirect_uris: redirectUris,
    post_logout_redirect_uris: postLogoutRedirectUris,
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
    ...extra,
  });

  const provider = new Provider(issuer, {
    clients: [
      client(jsonClientId, jsonClientSecret, {}),
      client(jwtClientId, jwtClientSecret, { userinfo_signed_response_alg: 'RS256' }),
    ],
    jwks: { keys: [signingJwk()] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    async findAccount(_ctx, sub) {
      const identity = accounts.get(sub);
      if (!identity) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { ...identity.claims, sub };
        },
      };
    },
    scopes: ['openid', 'scope_all'],
    claims: { openid: ['sub'], scope_all: claimNames() },
    acrValues: ['eidas1'],
    responseTypes: ['code'],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      userinfo: { enabled: true },
      jwtUserinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.body = page('Déconnexion', `<p>Voulez-vous vous déconnecter de ${escapeHtml(ctx.host)} ?</p>
${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Oui, me déconnecter</button>
<button type="submit" form="op.logoutForm">Non, rester connecté</button>`);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.body = page('Déconnecté', '<p>Vous êtes déconnecté de Pro Santé Connect.</p>');
        },
      },
    },
    routes: {
      authorization: '/protocol/openid-connect/auth',
      token: '/protocol/openid-connect/token',
      userinfo: '/protocol/openid-connect/userinfo',
      jwks: '/protocol/openid-connect/certs',
      end_session: '/protocol/openid-connect/logout',
      introspection: '/protocol/openid-connect/token/introspect',
      revocation: '/protocol/openid-connect/revoke',
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Erreur', `<p class="error">${escapeHtml(out.error)}: ${escapeHtml(out.error_description ?? '')}</p>`);
    },
  });

  // Registered redirect URIs, optionally on any port of a loopback host.
  const { prototype } = provider.Client;
  const redirectUriAllowed = prototype.redirectUriAllowed;
  const postLogoutRedirectUriAllowed = prototype.postLogoutRedirectUriAllowed;
  prototype.redirectUriAllowed = function allowed(value) {
    return redirectUriAllowed.call(this, value)
      || (anyLoopbackPort && this.redirectUris.some((u) => sameIgnoringLoopbackPort(u, value)));
  };
  prototype.postLogoutRedirectUriAllowed = function allowed(value) {
    return postLogoutRedirectUriAllowed.call(this, value)
      || (anyLoopbackPort && this.postLogoutRedirectUris.some((u) => sameIgnoringLoopbackPort(u, value)));
  };

  // The dev login form gives the typed login as the account id: turn it into the PSC `sub`
  // of the chosen test identity, and authenticate at the eIDAS "substantiel" level.
  const interactionFinished = provider.interactionFinished.bind(provider);
  provider.interactionFinished = async (req, res, result, options) => {
    if (result?.login?.accountId !== undefined) {
      const identity = identityFromLogin(result.login.accountId);
      if (!identity) {
        record('login.refused', { login: result.login.accountId });
        throw new errors.InvalidRequest(`unknown test identity "${result.login.accountId}": ${LOGIN_HELP}`);
      }
      accounts.set(identity.sub, identity);
      record('login', { login: identity.login, sub: identity.sub });
      return interactionFinished(req, res, {
        ...result,
        login: { accountId: identity.sub, acr: 'eidas1', amr: ['mfa'] },
      }, options);
    }
    return interactionFinished(req, res, result, options);
  };

  // After each request: PSC's authorization host in the metadata, and the event log.
  provider.use(async (ctx, next) => {
    await next();
    const route = ctx.oidc?.route;
    if (route === 'discovery' && ctx.body && typeof ctx.body === 'object') {
      const url = new URL(ctx.body.authorization_endpoint);
      url.hostname = 'localhost';
      ctx.body.authorization_endpoint = url.href;
    }
    const params = ctx.oidc?.params ? { ...ctx.oidc.params } : undefined;
    switch (route) {
      case 'authorization':
        record('authorization', { status: ctx.status, host: ctx.host, params });
        break;
      case 'token':
        record('token', {
          status: ctx.status,
          client_id: ctx.oidc?.client?.clientId,
          basic_auth: Boolean(ctx.headers.authorization?.startsWith('Basic ')),
          grant_type: params?.grant_type,
        });
        break;
      case 'userinfo':
        record('userinfo', {
          status: ctx.status,
          client_id: ctx.oidc?.client?.clientId,
          content_type: ctx.response.type,
        });
        break;
      case 'end_session':
        record('end_session', {
          status: ctx.status,
          client_id: ctx.oidc?.client?.clientId,
          id_token_hint_sub: ctx.oidc?.entities?.IdTokenHint?.payload?.sub,
          post_logout_redirect_uri: params?.post_logout_redirect_uri,
          state: params?.state,
        });
        break;
      case 'end_session_confirm':
        record('end_session_confirm', { status: ctx.status, location: ctx.response.get('location') });
        break;
      default:
    }
  });

  for (const name of ['authorization.error', 'grant.error', 'userinfo.error', 'end_session.error',
    'server_error', 'discovery.error', 'jwks.error']) {
    provider.on(name, (_ctx, err) => {
      record(name, { error: err?.error ?? err?.name, error_description: err?.error_description ?? err?.message });
      if (name === 'server_error') console.error(err);
    });
  }

  return provider;
}

// ---- HTTP: the realm path in front of the provider ------------------------------------------

let callback;
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://simulator');
  if (url.pathname === '/_simulator/events') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(events));
    return;
  }
  if (url.pathname !== REALM_PATH && !url.pathname.startsWith(`${REALM_PATH}/`)) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found (the PSC simulator serves /auth/realms/esante-wallet/…)\n');
    return;
  }
  let rest = req.url.slice(REALM_PATH.length) || '/';
  if (url.pathname === `${REALM_PATH}${WALLET_DISCOVERY}`) {
    rest = `${STANDARD_DISCOVERY}${url.search}`;
  }
  // oidc-provider derives its mount path from originalUrl minus url.
  req.originalUrl = `${REALM_PATH}${rest}`;
  req.url = rest;
  callback(req, res);
});

server.listen(port, host, () => {
  const actualPort = server.address().port;
  const issuer = `http://${host}:${actualPort}${REALM_PATH}`;
  callback = buildProvider(issuer).callback();
  const ready = { port: actualPort, issuer, discovery_url: `${issuer}${WALLET_DISCOVERY}` };
  process.stdout.write(`PSC_SIMULATOR_READY ${JSON.stringify(ready)}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
