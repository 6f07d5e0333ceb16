import {
  type ApiKey,
  ApiKeySchema,
  type AuditAction,
  type AuthProvidersResponse,
  AuthProvidersResponseSchema,
  type CreatedApiKey,
  CreatedApiKeySchema,
  type CreatedApiToken,
  CreatedApiTokenSchema,
  type CreateKeyRequest,
  type CreatePlanRequest,
  type CreateRouteRequest,
  type CreateTokenRequest,
  type CreateUserRequest,
  type CreateUserResponse,
  CreateUserResponseSchema,
  type CreateWebhookRequest,
  type EmailSignInResponse,
  EmailSignInResponseSchema,
  type KEY_STATES,
  type KeyLimitsResponse,
  KeyLimitsResponseSchema,
  type ListAuditResponse,
  ListAuditResponseSchema,
  type ListKeysResponse,
  ListKeysResponseSchema,
  type ListPlansResponse,
  ListPlansResponseSchema,
  type ListRoutesResponse,
  ListRoutesResponseSchema,
  type ListTokensResponse,
  ListTokensResponseSchema,
  type ListUsersResponse,
  ListUsersResponseSchema,
  type ListWebhookDeliveriesQuery,
  type ListWebhookDeliveriesResponse,
  ListWebhookDeliveriesResponseSchema,
  type ListWebhooksResponse,
  ListWebhooksResponseSchema,
  type OverviewResponse,
  OverviewResponseSchema,
  type Plan,
  PlanSchema,
  ProblemSchema,
  type Role,
  type RollKeyRequest,
  type RotateWebhookSecretRequest,
  type Route,
  RouteSchema,
  type SessionResponse,
  SessionResponseSchema,
  type SessionStatusResponse,
  SessionStatusResponseSchema,
  type SettingsResponse,
  SettingsResponseSchema,
  type SignInResponse,
  SignInResponseSchema,
  type UpdateKeyRequest,
  type UpdatePlanRequest,
  type UpdateRouteRequest,
  type UpdateSettingsRequest,
  type UpdateWebhookRequest,
  type UsageAnalyticsQuery,
  type UsageAnalyticsResponse,
  UsageAnalyticsResponseSchema,
  type UsageExportQuery,
  type UsageLogsQuery,
  type UsageLogsResponse,
  UsageLogsResponseSchema,
  type UsageResponse,
  UsageResponseSchema,
  type User,
  UserSchema,
  type VerifyEmailRequest,
  type Webhook,
  type WebhookDelivery,
  WebhookDeliverySchema,
  WebhookSchema,
  type WebhookWithSecret,
  WebhookWithSecretSchema,
} from '@gateway/shared';
import { z } from 'zod';
import { ApiError } from './api-error';

type Query = Record<string, string | number | undefined>;

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

/** `GET /usage` (admins): traffic across every key. */
export interface OverviewParams {
  from?: string;
  to?: string;
  bucketSeconds?: number;
}

/**
 * `GET /usage` (analytics): admins see every key, users their own; the filters only narrow. Omitting
 * `bucketSeconds` lets the gateway pick one giving at most ~200 points.
 */
export type AnalyticsParams = UsageAnalyticsQuery;
/** `GET /usage/logs`: the request log, newest first, cursor-paged. */
export type UsageLogsParams = UsageLogsQuery;
/** `GET /usage/export`: the request log (no `groupBy`) or a whole grouped table, as CSV or NDJSON. */
export type UsageExportParams = UsageExportQuery;

/** The answer to `POST /webhooks/:id/test` (202): the queued event's id, the `webhook-id` the receiver sees. */
const WebhookTestResponseSchema = z.object({ eventId: z.string() });

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

interface RequestOptions<T> {
  body?: unknown;
  query?: Query | undefined;
  schema?: z.ZodType<T>;
}

/**
 * Builds the client for one gateway base URL (the management listener). Requests carry the gateway's
 * HttpOnly session cookie (`credentials: 'include'`): the dashboard never stores the session token itself.
 */
export function createGatewayClient(baseUrl: string, fetchImpl: typeof fetch = fetch): GatewayClient {
  const root = baseUrl.replace(/\/+$/, '');

  function urlOf(path: string, query: Query = {}): URL {
    const url = new URL(root + path);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
    }
    return url;
  }

  async function send(method: string, path: string, body: unknown, query: Query | undefined): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetchImpl(urlOf(path, query), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'include',
        cache: 'no-store',
      });
    } catch (cause) {
      throw await networkError(root, cause, fetchImpl);
    }
    if (!response.ok) throw await problemFrom(response);
    return response;
  }

  async function request<T>(method: string, path: string, options: RequestOptions<T> = {}): Promise<T> {
    const response = await send(method, path, options.body, options.query);
    if (!options.schema || response.status === 204) return undefined as T;

    const json: unknown = await response.json().catch(() => undefined);
    const parsed = options.schema.safeParse(json);
    if (!parsed.success) {
      const where = parsed.error.issues[0]?.path.join('.') || 'body';
      throw new ApiError(
        'invalid-response',
        `The gateway answered ${method} ${path} in an unexpected shape (${where}).`,
        { status: response.status, cause: parsed.error },
      );
    }
    return parsed.data;
  }

  const id = (value: string) => encodeURIComponent(value);
  const query = (params: object | undefined) => ({ ...params }) as Query;

  return {
    baseUrl: root,

    getProviders: () => request('GET', '/auth/providers', { schema: AuthProvidersResponseSchema }),
    requestSignInLink: (email) =>
      request('POST', '/auth/email', { body: { email }, schema: EmailSignInResponseSchema }),
    verifySignInLink: (body) => request('POST', '/auth/email/verify', { body, schema: SignInResponseSchema }),
    oidcStartUrl: (startUrl, returnTo) => {
      const url = /^https?:\/\//.test(startUrl) ? new URL(startUrl) : new URL(root + startUrl);
      url.searchParams.set('returnTo', returnTo);
      return url.toString();
    },
    getSession: () => request('GET', '/auth/session', { schema: SessionResponseSchema }),
    getSessionStatus: () => request('GET', '/auth/session/status', { schema: SessionStatusResponseSchema }),
    signOut: () => request('DELETE', '/auth/session'),
    signOutEverywhere: () => request('DELETE', '/auth/sessions'),

    createUser: (body) => request('POST', '/users', { body, schema: CreateUserResponseSchema }),
    listUsers: (params) => request('GET', '/users', { query: query(params), schema: ListUsersResponseSchema }),
    getUserByEmail: (email) => request('GET', '/users/by-email', { query: { email }, schema: UserSchema }),
    getUser: (userId) => request('GET', `/users/${id(userId)}`, { schema: UserSchema }),
    updateUserRole: (userId, role) => request('PATCH', `/users/${id(userId)}`, { body: { role }, schema: UserSchema }),
    endUserSessions: (userId) => request('DELETE', `/users/${id(userId)}/sessions`),

    getSettings: () => request('GET', '/settings', { schema: SettingsResponseSchema }),
    updateSettings: (body) => request('PATCH', '/settings', { body, schema: SettingsResponseSchema }),

    listKeys: (params) => request('GET', '/keys', { query: query(params), schema: ListKeysResponseSchema }),
    getKey: (keyId) => request('GET', `/keys/${id(keyId)}`, { schema: ApiKeySchema }),
    getKeyLimits: (keyId) => request('GET', `/keys/${id(keyId)}/limits`, { schema: KeyLimitsResponseSchema }),
    createKey: (body) => request('POST', '/keys', { body, schema: CreatedApiKeySchema }),
    updateKey: (keyId, body) => request('PATCH', `/keys/${id(keyId)}`, { body, schema: ApiKeySchema }),
    deleteKey: (keyId) => request('DELETE', `/keys/${id(keyId)}`),
    rollKey: (keyId, body) => request('POST', `/keys/${id(keyId)}/roll`, { body, schema: CreatedApiKeySchema }),
    endGracePeriod: (keyId) => request('DELETE', `/keys/${id(keyId)}/previous-secret`, { schema: ApiKeySchema }),
    getUsage: (keyId, params) =>
      request('GET', `/usage/${id(keyId)}`, { query: query(params), schema: UsageResponseSchema }),
    getOverview: (params) => request('GET', '/usage', { query: query(params), schema: OverviewResponseSchema }),
    getAnalytics: (params) => request('GET', '/usage', { query: query(params), schema: UsageAnalyticsResponseSchema }),
    listUsageLogs: (params) => request('GET', '/usage/logs', { query: query(params), schema: UsageLogsResponseSchema }),
    usageExportUrl: (params) => urlOf('/usage/export', query(params)).toString(),

    listRoutes: () => request('GET', '/routes', { schema: ListRoutesResponseSchema }),
    createRoute: (body) => request('POST', '/routes', { body, schema: RouteSchema }),
    updateRoute: (routeId, body) => request('PATCH', `/routes/${id(routeId)}`, { body, schema: RouteSchema }),
    deleteRoute: (routeId) => request('DELETE', `/routes/${id(routeId)}`),
    listPlans: () => request('GET', '/plans', { schema: ListPlansResponseSchema }),
    getPlan: (planId) => request('GET', `/plans/${id(planId)}`, { schema: PlanSchema }),
    createPlan: (body) => request('POST', '/plans', { body, schema: PlanSchema }),
    updatePlan: (planId, body) => request('PATCH', `/plans/${id(planId)}`, { body, schema: PlanSchema }),
    deletePlan: (planId) => request('DELETE', `/plans/${id(planId)}`),

    listTokens: () => request('GET', '/tokens', { schema: ListTokensResponseSchema }),
    createToken: (body) => request('POST', '/tokens', { body, schema: CreatedApiTokenSchema }),
    revokeToken: (tokenId) => request('DELETE', `/tokens/${id(tokenId)}`),

    listWebhooks: () => request('GET', '/webhooks', { schema: ListWebhooksResponseSchema }),
    getWebhook: (webhookId) => request('GET', `/webhooks/${id(webhookId)}`, { schema: WebhookSchema }),
    createWebhook: (body) => request('POST', '/webhooks', { body, schema: WebhookWithSecretSchema }),
    updateWebhook: (webhookId, body) => request('PATCH', `/webhooks/${id(webhookId)}`, { body, schema: WebhookSchema }),
    deleteWebhook: (webhookId) => request('DELETE', `/webhooks/${id(webhookId)}`),
    rotateWebhookSecret: (webhookId, body) =>
      request('POST', `/webhooks/${id(webhookId)}/rotate-secret`, { body, schema: WebhookWithSecretSchema }),
    sendTestWebhook: (webhookId) =>
      request('POST', `/webhooks/${id(webhookId)}/test`, { body: {}, schema: WebhookTestResponseSchema }),
    listWebhookDeliveries: (webhookId, params) =>
      request('GET', `/webhooks/${id(webhookId)}/deliveries`, {
        query: query(params),
        schema: ListWebhookDeliveriesResponseSchema,
      }),
    redeliverWebhook: (webhookId, deliveryId) =>
      request('POST', `/webhooks/${id(webhookId)}/deliveries/${id(deliveryId)}/redeliver`, {
        body: {},
        schema: WebhookDeliverySchema,
      }),

    listAudit: (params) => request('GET', '/audit', { query: query(params), schema: ListAuditResponseSchema }),
    exportAudit: async (params) => (await send('GET', '/audit/export', undefined, query(params))).blob(),
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

/** Maps an error response to an `ApiError`, keeping the problem's field errors when it is RFC 9457. */
async function problemFrom(response: Response): Promise<ApiError> {
  const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'));
  const body: unknown = await response.json().catch(() => undefined);
  const problem = ProblemSchema.safeParse(body);
  if (problem.success) {
    return new ApiError('problem', problem.data.detail || problem.data.title, {
      problem: problem.data,
      retryAfterSeconds,
    });
  }
  // Not our problem shape (e.g. a load balancer's error page): keep the status, say what we know.
  const loose = body as { detail?: unknown; title?: unknown } | undefined;
  const text = typeof loose?.detail === 'string' ? loose.detail : typeof loose?.title === 'string' ? loose.title : '';
  return new ApiError('invalid-response', text || `The gateway answered ${response.status} ${response.statusText}.`, {
    status: response.status,
    retryAfterSeconds,
  });
}

/** `Retry-After` is delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
function parseRetryAfter(value: string | null): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
