import {
  createGatewayClient as createSdkClient,
  type Failure,
  type Result,
  type UsageExportParams as SdkUsageExportParams,
  type UsageLogsParams as SdkUsageLogsParams,
  type UsageAnalyticsParams,
  urlOf,
} from '@gateway/sdk';
import type {
  ApiKey,
  AuditAction,
  AuthProvidersResponse,
  CreatedApiKey,
  CreatedApiToken,
  CreateKeyRequest,
  CreatePlanRequest,
  CreateRouteRequest,
  CreateTokenRequest,
  CreateUserRequest,
  CreateUserResponse,
  CreateWebhookRequest,
  EmailSignInResponse,
  KEY_STATES,
  KeyLimitsResponse,
  ListAuditResponse,
  ListKeysResponse,
  ListPlansResponse,
  ListRoutesResponse,
  ListTokensResponse,
  ListUsersResponse,
  ListWebhookDeliveriesQuery,
  ListWebhookDeliveriesResponse,
  ListWebhooksResponse,
  OverviewResponse,
  Plan,
  Role,
  RollKeyRequest,
  RotateWebhookSecretRequest,
  Route,
  SessionResponse,
  SessionStatusResponse,
  SettingsResponse,
  SignInResponse,
  UpdateKeyRequest,
  UpdatePlanRequest,
  UpdateRouteRequest,
  UpdateSettingsRequest,
  UpdateWebhookRequest,
  UsageAnalyticsResponse,
  UsageLogsResponse,
  UsageResponse,
  User,
  VerifyEmailRequest,
  Webhook,
  WebhookDelivery,
  WebhookWithSecret,
} from '@gateway/shared';
import { ApiError } from './api-error';

/** One page of a cursor-paged list: pass the previous answer's `nextCursor` as `cursor`. */
interface PageParams {
  limit?: number;
  cursor?: string | undefined;
}

/** Query of `GET /usage/:keyId` as the dashboard sends it (`UsageQuerySchema` validates it on the gateway). */
export interface UsageParams extends PageParams {
  from?: string;
  to?: string;
  /** One of `USAGE_BUCKET_SECONDS`; omitted, the gateway picks one giving at most ~200 points. */
  bucketSeconds?: number;
}

/** `GET /keys`: a user always gets their own keys; an admin gets everyone's unless `userId` narrows it. */
export interface ListKeysParams extends PageParams {
  userId?: string | undefined;
  search?: string | undefined;
  state?: (typeof KEY_STATES)[number] | undefined;
}

/** `GET /users` (admins). */
export interface ListUsersParams extends PageParams {
  search?: string | undefined;
  role?: Role | undefined;
}

/** `GET /audit` and `GET /audit/export`: admins see everything, users their own entries. */
export interface AuditParams extends PageParams {
  action?: AuditAction | undefined;
  actorId?: string | undefined;
  targetId?: string | undefined;
  userId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** `GET /usage` as the admin overview asks it: every key's traffic (the window only). */
export interface OverviewParams {
  from?: string;
  to?: string;
  bucketSeconds?: number;
}

/**
 * `GET /usage` (analytics): admins see every key, users their own; the filters only narrow. Omitting
 * `bucketSeconds` lets the gateway pick one giving at most ~200 points.
 */
export type AnalyticsParams = UsageAnalyticsParams;
/** `GET /usage/logs`: the request log, newest first, cursor-paged. */
export type UsageLogsParams = SdkUsageLogsParams;
/** `GET /usage/export`: the request log (no `groupBy`) or a whole grouped table, as CSV or NDJSON. */
export type UsageExportParams = SdkUsageExportParams;

/** Typed access to the gateway's management API; every response is parsed with the shared contract. */
export interface GatewayClient {
  readonly baseUrl: string;

  // Sign-in and session
  getProviders(): Promise<AuthProvidersResponse>;
  /** Mails a one-time sign-in link (202 whether or not the address is known). */
  requestSignInLink(email: string): Promise<EmailSignInResponse>;
  /** Exchanges the mailed link's token for a session (the gateway sets its HttpOnly cookie). */
  verifySignInLink(body: VerifyEmailRequest): Promise<SignInResponse>;
  /** Where the "Sign in with …" button goes: the provider's start URL on the gateway, with a return path. */
  oidcStartUrl(startUrl: string, returnTo: string): string;
  getSession(): Promise<SessionResponse>;
  /** Like `getSession`, but answers `{ signedIn: false }` instead of failing with 401 (no console error). */
  getSessionStatus(): Promise<SessionStatusResponse>;
  signOut(): Promise<void>;
  /** Ends every session of the signed-in user, on every device. */
  signOutEverywhere(): Promise<void>;

  // Users (admins; `getUser` also for oneself)
  createUser(body: CreateUserRequest): Promise<CreateUserResponse>;
  listUsers(query?: ListUsersParams): Promise<ListUsersResponse>;
  getUserByEmail(email: string): Promise<User>;
  getUser(id: string): Promise<User>;
  updateUserRole(id: string, role: Role): Promise<User>;
  /** Ends every session of one user (admins), e.g. after a role change or a lost laptop. */
  endUserSessions(id: string): Promise<void>;

  // Consumer caps
  getSettings(): Promise<SettingsResponse>;
  updateSettings(body: UpdateSettingsRequest): Promise<SettingsResponse>;

  // Keys and usage
  listKeys(query?: ListKeysParams): Promise<ListKeysResponse>;
  getKey(id: string): Promise<ApiKey>;
  /** Every window of the key right now (remaining, reset); counts nothing. */
  getKeyLimits(id: string): Promise<KeyLimitsResponse>;
  createKey(body: CreateKeyRequest): Promise<CreatedApiKey>;
  updateKey(id: string, body: UpdateKeyRequest): Promise<ApiKey>;
  deleteKey(id: string): Promise<void>;
  /** A new secret for the key, in this answer only; the old one keeps working for `graceSeconds`. */
  rollKey(id: string, body: RollKeyRequest): Promise<CreatedApiKey>;
  /** Ends a roll's grace period now: the old secret stops working. */
  endGracePeriod(id: string): Promise<ApiKey>;
  getUsage(keyId: string, query?: UsageParams): Promise<UsageResponse>;
  getOverview(query?: OverviewParams): Promise<OverviewResponse>;
  /** Totals, latency, a series and (with `groupBy`) the top groups, within the filters. */
  getAnalytics(query?: AnalyticsParams): Promise<UsageAnalyticsResponse>;
  listUsageLogs(query?: UsageLogsParams): Promise<UsageLogsResponse>;
  /**
   * The address of an export, for a plain link: the browser streams it to disk (no copy in memory) and
   * sends the gateway's session cookie along, as it does on any top-level GET (the cookie is SameSite=Lax).
   */
  usageExportUrl(query: UsageExportParams): string;

  // Upstream routes and plans (admins)
  listRoutes(): Promise<ListRoutesResponse>;
  createRoute(body: CreateRouteRequest): Promise<Route>;
  updateRoute(id: string, body: UpdateRouteRequest): Promise<Route>;
  deleteRoute(id: string): Promise<void>;
  listPlans(): Promise<ListPlansResponse>;
  getPlan(id: string): Promise<Plan>;
  createPlan(body: CreatePlanRequest): Promise<Plan>;
  updatePlan(id: string, body: UpdatePlanRequest): Promise<Plan>;
  deletePlan(id: string): Promise<void>;

  // Management API tokens (admins)
  listTokens(): Promise<ListTokensResponse>;
  /** The raw `token` is in this answer only. */
  createToken(body: CreateTokenRequest): Promise<CreatedApiToken>;
  revokeToken(id: string): Promise<void>;

  // Webhooks (users: their own endpoints; admins: every endpoint, and platform endpoints)
  listWebhooks(): Promise<ListWebhooksResponse>;
  getWebhook(id: string): Promise<Webhook>;
  /** The signing `secret` is in this answer only. */
  createWebhook(body: CreateWebhookRequest): Promise<WebhookWithSecret>;
  updateWebhook(id: string, body: UpdateWebhookRequest): Promise<Webhook>;
  deleteWebhook(id: string): Promise<void>;
  /** A new signing secret, in this answer only; the old one keeps signing for `overlapSeconds`. */
  rotateWebhookSecret(id: string, body: RotateWebhookSecretRequest): Promise<WebhookWithSecret>;
  /** Queues a `webhook.test` event for this endpoint only. */
  sendTestWebhook(id: string): Promise<{ eventId: string }>;
  listWebhookDeliveries(id: string, query?: ListWebhookDeliveriesQuery): Promise<ListWebhookDeliveriesResponse>;
  /** The delivery's event again, as a new delivery. */
  redeliverWebhook(id: string, deliveryId: string): Promise<WebhookDelivery>;

  // Audit log
  listAudit(query?: AuditParams): Promise<ListAuditResponse>;
  /** The matching entries as NDJSON (one JSON object a line), fetched with the session cookie. */
  exportAudit(query?: Omit<AuditParams, 'limit' | 'cursor'>): Promise<Blob>;
}

/** An SDK result as the dashboard handles it: the data, or an `ApiError` thrown (the SWR hooks expect that). */
async function dataOf<T>(pending: Promise<Result<T>>, root: string, fetchImpl: typeof fetch): Promise<T> {
  const result = await pending;
  if (result.ok) return result.data;
  throw await apiErrorOf(result, root, fetchImpl);
}

/** The SDK's failure as the dashboard's `ApiError`; a network failure is first told apart from a CORS refusal. */
async function apiErrorOf(failed: Failure, root: string, fetchImpl: typeof fetch): Promise<ApiError> {
  if (failed.kind === 'network') return networkError(root, failed.cause, fetchImpl);
  if (failed.kind === 'problem' && failed.problem) {
    return new ApiError('problem', failed.message, {
      problem: failed.problem,
      retryAfterSeconds: failed.retryAfterSeconds,
      cause: failed.cause,
    });
  }
  return new ApiError('invalid-response', failed.message, {
    ...(failed.status === null ? {} : { status: failed.status }),
    retryAfterSeconds: failed.retryAfterSeconds,
    cause: failed.cause,
  });
}

/**
 * Builds the client for one gateway base URL (the management listener) on `@gateway/sdk`: no token, so
 * requests carry the gateway's HttpOnly session cookie (`credentials: 'include'`) and the dashboard never
 * stores the session token itself. Answers are checked against `@gateway/shared` by the SDK; failures
 * become `ApiError`s.
 */
export function createGatewayClient(baseUrl: string, fetchImpl: typeof fetch = fetch): GatewayClient {
  // Browsers want `fetch` called on `window`, not as a detached function.
  const boundFetch: typeof fetch = (input, init) => fetchImpl.call(globalThis, input, init);
  const sdk = createSdkClient({ baseUrl, fetch: boundFetch });
  const root = sdk.baseUrl;
  const get = <T>(pending: Promise<Result<T>>) => dataOf(pending, root, boundFetch);

  return {
    baseUrl: root,

    getProviders: () => get(sdk.auth.providers()),
    requestSignInLink: (email) => get(sdk.auth.requestSignInLink(email)),
    verifySignInLink: (body) => get(sdk.auth.verifySignInLink(body)),
    oidcStartUrl: (startUrl, returnTo) => sdk.auth.oidcStartUrl(startUrl, returnTo),
    getSession: () => get(sdk.auth.session()),
    getSessionStatus: () => get(sdk.auth.sessionStatus()),
    signOut: () => get(sdk.auth.signOut()),
    signOutEverywhere: () => get(sdk.auth.signOutEverywhere()),

    createUser: (body) => get(sdk.users.create(body)),
    listUsers: (params) => get(sdk.users.list(params)),
    getUserByEmail: (email) => get(sdk.users.getByEmail(email)),
    getUser: (userId) => get(sdk.users.get(userId)),
    updateUserRole: (userId, role) => get(sdk.users.updateRole(userId, role)),
    endUserSessions: (userId) => get(sdk.users.endSessions(userId)),

    getSettings: () => get(sdk.settings.get()),
    updateSettings: (body) => get(sdk.settings.update(body)),

    listKeys: (params) => get(sdk.keys.list(params)),
    getKey: (keyId) => get(sdk.keys.get(keyId)),
    getKeyLimits: (keyId) => get(sdk.keys.limits(keyId)),
    createKey: (body) => get(sdk.keys.create(body)),
    updateKey: (keyId, body) => get(sdk.keys.update(keyId, body)),
    deleteKey: (keyId) => get(sdk.keys.delete(keyId)),
    rollKey: (keyId, body) => get(sdk.keys.roll(keyId, body)),
    endGracePeriod: (keyId) => get(sdk.keys.endGracePeriod(keyId)),
    getUsage: (keyId, params) => get(sdk.usage.key(keyId, params)),
    // The admin overview reads the fields of `GET /usage` it always had (the analytics answer is a superset).
    getOverview: (params) => get(sdk.usage.analytics(params)),
    getAnalytics: (params) => get(sdk.usage.analytics(params)),
    listUsageLogs: (params) => get(sdk.usage.logs(params)),
    usageExportUrl: (params) => urlOf(root, '/usage/export', params),

    listRoutes: () => get(sdk.routes.list()),
    createRoute: (body) => get(sdk.routes.create(body)),
    updateRoute: (routeId, body) => get(sdk.routes.update(routeId, body)),
    deleteRoute: (routeId) => get(sdk.routes.delete(routeId)),
    listPlans: () => get(sdk.plans.list()),
    getPlan: (planId) => get(sdk.plans.get(planId)),
    createPlan: (body) => get(sdk.plans.create(body)),
    updatePlan: (planId, body) => get(sdk.plans.update(planId, body)),
    deletePlan: (planId) => get(sdk.plans.delete(planId)),

    listTokens: () => get(sdk.tokens.list()),
    createToken: (body) => get(sdk.tokens.create(body)),
    revokeToken: (tokenId) => get(sdk.tokens.revoke(tokenId)),

    listWebhooks: () => get(sdk.webhooks.list()),
    getWebhook: (webhookId) => get(sdk.webhooks.get(webhookId)),
    createWebhook: (body) => get(sdk.webhooks.create(body)),
    updateWebhook: (webhookId, body) => get(sdk.webhooks.update(webhookId, body)),
    deleteWebhook: (webhookId) => get(sdk.webhooks.delete(webhookId)),
    rotateWebhookSecret: (webhookId, body) => get(sdk.webhooks.rotateSecret(webhookId, body)),
    sendTestWebhook: (webhookId) => get(sdk.webhooks.sendTest(webhookId)),
    listWebhookDeliveries: (webhookId, params) => get(sdk.webhooks.deliveries(webhookId, params)),
    redeliverWebhook: (webhookId, deliveryId) => get(sdk.webhooks.redeliver(webhookId, deliveryId)),

    listAudit: (params) => get(sdk.audit.list(params)),
    exportAudit: async (params) => (await get(sdk.audit.export(params))).blob(),
  };
}

/**
 * A fetch that failed without an answer: the gateway is down, or it refused this page's origin (CORS
 * hides which). A `no-cors` request for `/health` tells them apart: it succeeds (opaquely) whenever the
 * gateway answers at all, since it needs no CORS permission (issue 16).
 */
async function networkError(root: string, cause: unknown, fetchImpl: typeof fetch): Promise<ApiError> {
  const origin = typeof window === 'undefined' ? null : window.location.origin;
  const up =
    origin !== null &&
    (await fetchImpl(`${root}/health`, { mode: 'no-cors', cache: 'no-store', credentials: 'omit' }).then(
      () => true,
      () => false,
    ));
  // The one wording of "unreachable" the whole dashboard shows (see `errorTitle` for its heading).
  if (!up) {
    return new ApiError(
      'network',
      `No answer from the gateway at ${root}. Check that it is running and that its DASHBOARD_ORIGIN allows this dashboard.`,
      { cause },
    );
  }
  return new ApiError(
    'network',
    `The gateway at ${root} is running but does not allow this dashboard's address, ${origin}. ` +
      `Add ${origin} to DASHBOARD_ORIGIN on the gateway (a comma-separated list) and restart it, ` +
      'or open the dashboard at an address DASHBOARD_ORIGIN already lists.',
    { cause, originRefused: true },
  );
}
