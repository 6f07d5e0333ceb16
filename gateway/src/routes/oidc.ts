// Placeholder until single sign-on lands: OIDC_ISSUER is refused at start-up meanwhile (src/services.ts).
import { Router } from 'express';
import type { RouteDeps } from './types.js';

export type OidcClient = { readonly issuer: string };

export function oidcRouter(_deps: RouteDeps & { oidc: OidcClient }): Router {
  return Router();
}
