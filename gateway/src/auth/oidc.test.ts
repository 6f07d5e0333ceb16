import { describe, expect, it } from 'vitest';
import {
  FLOW_TTL_SECONDS,
  identityFromClaims,
  type OidcSignInError,
  openFlowCookie,
  safeReturnTo,
  sealFlowCookie,
} from './oidc.js';

const secret = 'x'.repeat(64);
const flow = { state: 's'.repeat(43), nonce: 'n'.repeat(43), codeVerifier: 'v'.repeat(43), returnTo: '/keys?page=2' };

describe('flow cookie', () => {
  it('opens what it sealed', () => {
    expect(openFlowCookie(secret, sealFlowCookie(secret, flow))).toEqual(flow);
  });

  it('refuses another secret, a changed payload or signature, and other shapes', () => {
    const sealed = sealFlowCookie(secret, flow);
    const [version, payload, mac] = sealed.split('.') as [string, string, string];
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), returnTo: '/x' }),
    ).toString('base64url');
    expect(openFlowCookie('y'.repeat(64), sealed)).toBeNull();
    expect(openFlowCookie(secret, `${version}.${forged}.${mac}`)).toBeNull();
    expect(openFlowCookie(secret, `${version}.${payload}.${mac.slice(0, -2)}`)).toBeNull();
    expect(openFlowCookie(secret, `v2.${payload}.${mac}`)).toBeNull();
    expect(openFlowCookie(secret, `${version}.${payload}`)).toBeNull();
    expect(openFlowCookie(secret, undefined)).toBeNull();
    expect(openFlowCookie(secret, 'a'.repeat(5000))).toBeNull();
  });

  it('expires after ten minutes', () => {
    const now = Date.now();
    const sealed = sealFlowCookie(secret, flow, now);
    expect(openFlowCookie(secret, sealed, now + (FLOW_TTL_SECONDS - 1) * 1000)).toEqual(flow);
    expect(openFlowCookie(secret, sealed, now + FLOW_TTL_SECONDS * 1000)).toBeNull();
  });
});

describe('safeReturnTo', () => {
  it('keeps paths on the dashboard, defaulting to /', () => {
    expect(safeReturnTo(undefined)).toBe('/');
    expect(safeReturnTo('/')).toBe('/');
    expect(safeReturnTo('/keys/abc?tab=usage#recent')).toBe('/keys/abc?tab=usage#recent');
  });

  it.each([
    '//evil.example',
    '//evil.example/path',
    '/\\evil.example',
    '\\\\evil.example',
    'https://evil.example/',
    'javascript:alert(1)',
    'keys',
    '',
    '/\t/evil.example',
    '/\n/evil.example',
    `/${'a'.repeat(3000)}`,
  ])('refuses %j', (value) => {
    expect(safeReturnTo(value)).toBeNull();
  });

  it('refuses repeated and non-string parameters', () => {
    expect(safeReturnTo(['/a', '/b'])).toBeNull();
    expect(safeReturnTo({ a: '/b' })).toBeNull();
  });
});

describe('identityFromClaims', () => {
  const config = { OIDC_ADMIN_CLAIM: 'groups', OIDC_ADMIN_VALUES: ['ops', 'platform'] };
  const reason = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return (err as OidcSignInError).reason;
    }
    return 'accepted';
  };

  it('needs an email whose email_verified is literally true', () => {
    expect(identityFromClaims({ email: ' Ada@Example.com', email_verified: true }, config)).toEqual({
      email: 'ada@example.com',
      admin: false,
    });
    expect(reason(() => identityFromClaims({ email_verified: true }, config))).toBe('no_email');
    expect(reason(() => identityFromClaims({ email: 'a@example.com' }, config))).toBe('email_not_verified');
    expect(reason(() => identityFromClaims({ email: 'a@example.com', email_verified: 'true' }, config))).toBe(
      'email_not_verified',
    );
    expect(reason(() => identityFromClaims({ email: 'not an email', email_verified: true }, config))).toBe(
      'invalid_email',
    );
  });

  it('makes an admin when the claim, a list or a string, holds one of the values', () => {
    const base = { email: 'a@example.com', email_verified: true };
    expect(identityFromClaims({ ...base, groups: ['dev', 'platform'] }, config).admin).toBe(true);
    expect(identityFromClaims({ ...base, groups: 'ops' }, config).admin).toBe(true);
    expect(identityFromClaims({ ...base, groups: ['dev'] }, config).admin).toBe(false);
    expect(identityFromClaims({ ...base, groups: 'ops,dev' }, config).admin).toBe(false);
    expect(identityFromClaims({ ...base, groups: [['ops']] }, config).admin).toBe(false);
    expect(identityFromClaims({ ...base, groups: ['ops'] }, { ...config, OIDC_ADMIN_VALUES: [] }).admin).toBe(false);
  });

  it('follows a dotted path when no claim has that exact name', () => {
    const keycloak = { email: 'a@example.com', email_verified: true, realm_access: { roles: ['ops'] } };
    expect(identityFromClaims(keycloak, { ...config, OIDC_ADMIN_CLAIM: 'realm_access.roles' }).admin).toBe(true);
    const auth0 = { email: 'a@example.com', email_verified: true, 'https://example.com/roles': ['ops'] };
    expect(identityFromClaims(auth0, { ...config, OIDC_ADMIN_CLAIM: 'https://example.com/roles' }).admin).toBe(true);
  });
});
