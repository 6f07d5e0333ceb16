import {
  type ApiKey,
  ApiKeySchema,
  type ApplyConfigRequest,
  type ApplyConfigResponse,
  ApplyConfigResponseSchema,
  type AuditAction,
  type AuditEntry,
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
  type Plan,
  PlanSchema,
  type Role,
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
  type UsageLogRecord,
  type UsageLogsQuery,
  type UsageLogsResponse,
  UsageLogsResponseSchema,
  type UsageResponse,
  UsageResponseSchema,
  type User,
  UserSchema,
  type UserSummary,
  type VerifyEmailRequest,
  type VerifyKeyRequest,
  type VerifyKeyResponse,
  VerifyKeyResponseSchema,
  type Webhook,
  type WebhookDelivery,
  WebhookDeliverySchema,
  WebhookSchema,
  type WebhookTestResponse,
  WebhookTestResponseSchema,
  type WebhookWithSecret,
  WebhookWithSecretSchema,
} from '@gateway/shared';
import { collectPages } from './pagination.js';
import type { Result } from './result.js';
import { type ClientOptions, createTransport } from './transport.js';

/** One page of a cursor-paged list: pass the previous answer's `nextCursor` as `cursor`. */
export interface PageParams {
  limit?: number | undefined;
  cursor?: string | undefined;
}

/** `GET /keys`: a user gets their own keys; an admin everyone's unless `userId` narrows it. */
export interface ListKeysParams extends PageParams {
  userId?: string | undefined;
  /** The key's name (substring, any case) or its beginning (`ak_7Kq2`). */
  search?: string | undefined;
  state?: (typeof KEY_STATES)[number] | undefined;
}

/** `GET /users` (admins). */
export interface ListUsersParams extends PageParams {
  search?: string | undefined;
  role?: Role | undefined;
}

/** `GET /usage/:keyId`: the window (default the last 24 h), the series' bucket and a page of recent requests. */
export interface UsageParams extends PageParams {
  from?: string | undefined;
  to?: string | undefined;
  /** One of `USAGE_BUCKET_SECONDS`; omitted, the gateway picks one giving at most ~200 points. */
  bucketSeconds?: number | undefined;
}

/**
 * `GET /usage`: admins see every key, users their own; the filters (`keyId`, `userId`, `route`, `status`
 * as `404` or `4xx`, `method`, `pathPrefix`) only narrow that. Shared's query, with its numbers typed.
 */
export type UsageAnalyticsParams = Omit<UsageAnalyticsQuery, 'top' | 'bucketSeconds'> & {
  /** Groups to answer with `groupBy` (default 10, at most 100); the rest are summed into `other`. */
  top?: number | undefined;
  /** One of `USAGE_BUCKET_SECONDS`; omitted, the gateway picks one giving at most ~200 points. */
  bucketSeconds?: number | undefined;
};

/** `GET /usage/logs`: the request log, newest first, with the same filters as `GET /usage`. */
export type UsageLogsParams = Omit<UsageLogsQuery, 'limit' | 'cursor'> & PageParams;

/** `GET /usage/export`: the request log (or, with `groupBy`, the whole grouped table) as CSV or NDJSON. */
export type UsageExportParams = UsageExportQuery;

/** `GET /audit`: admins see everything, users their own entries. */
export interface AuditParams extends PageParams {
  action?: AuditAction | undefined;
  actorId?: string | undefined;
  targetId?: string | undefined;
  userId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** A whole list gathered by following cursors (see `collectPages`); `truncated` when `max` cut it. */
export interface Collected<T> {
  data: T[];
  truncated: boolean;
}

/**
 * Typed access to the gateway's management API. Every method resolves to a `Result`: `{ ok: true, data }`
 * with the body checked against the `@gateway/shared` contract, or `{ ok: false, kind, status, code,
 * problem }`; none rejects for an HTTP or network failure. Use `unwrap` where exceptions read better.
 */
export function createGatewayClient(options: ClientOptions) {
  const http = createTransport(options);
  const id = (value: string) => encodeURIComponent(value);

  return {
    baseUrl: http.baseUrl,

    auth: {
      /** How one may sign in (public). */
      providers: (): Promise<Result<AuthProvidersResponse>> =>
        http.call('GET', '/auth/providers', { schema: AuthProvidersResponseSchema }),
      /** Mails a one-time sign-in link (202 whether or not the address is known). */
      requestSignInLink: (email: string): Promise<Result<EmailSignInResponse>> =>
        http.call('POST', '/auth/email', { body: { email }, schema: EmailSignInResponseSchema }),
      /** Exchanges the link's token for a session (in a browser the gateway also sets its cookie). */
      verifySignInLink: (body: VerifyEmailRequest): Promise<Result<SignInResponse>> =>
        http.call('POST', '/auth/email/verify', { body, schema: SignInResponseSchema }),
      /**
       * Where a "Sign in with …" button goes: the provider's `startUrl` (from `providers()`, absolute or
       * relative to the gateway) with the dashboard path to come back to.
       */
      oidcStartUrl: (startUrl: string, returnTo: string): string => {
        const url = /^https?:\/\//.test(startUrl) ? new URL(startUrl) : new URL(http.baseUrl + startUrl);
        url.searchParams.set('returnTo', returnTo);
        return url.toString();
      },
      /** Who is calling: user, role, kind of credential, token scope. */
      session: (): Promise<Result<SessionResponse>> =>
        http.call('GET', '/auth/session', { schema: SessionResponseSchema }),
      /** Like `session`, but `{ signedIn: false }` instead of a 401. */
      sessionStatus: (): Promise<Result<SessionStatusResponse>> =>
        http.call('GET', '/auth/session/status', { schema: SessionStatusResponseSchema }),
      signOut: (): Promise<Result<void>> => http.call('DELETE', '/auth/session'),
      /** Ends every session of the signed-in user. */
      signOutEverywhere: (): Promise<Result<void>> => http.call('DELETE', '/auth/sessions'),
    },

    users: {
      /** Creates or gets a user by email (admins). */
      create: (body: CreateUserRequest): Promise<Result<CreateUserResponse>> =>
        http.call('POST', '/users', { body, schema: CreateUserResponseSchema }),
      list: (params?: ListUsersParams): Promise<Result<ListUsersResponse>> =>
        http.call('GET', '/users', { query: params, schema: ListUsersResponseSchema }),
      listAll: (params?: Omit<ListUsersParams, 'cursor'>, max?: number): Promise<Result<Collected<UserSummary>>> =>
        collectPages(
          (cursor) => http.call('GET', '/users', { query: { ...params, cursor }, schema: ListUsersResponseSchema }),
          max,
        ),
      getByEmail: (email: string): Promise<Result<User>> =>
        http.call('GET', '/users/by-email', { query: { email }, schema: UserSchema }),
      get: (userId: string): Promise<Result<User>> => http.call('GET', `/users/${id(userId)}`, { schema: UserSchema }),
      /** Promote or demote (admins signed in: API tokens may not change roles). */
      updateRole: (userId: string, role: Role): Promise<Result<User>> =>
        http.call('PATCH', `/users/${id(userId)}`, { body: { role }, schema: UserSchema }),
      /** Signs a user out everywhere (admins). */
      endSessions: (userId: string): Promise<Result<void>> => http.call('DELETE', `/users/${id(userId)}/sessions`),
    },

    settings: {
      get: (): Promise<Result<SettingsResponse>> => http.call('GET', '/settings', { schema: SettingsResponseSchema }),
      update: (body: UpdateSettingsRequest): Promise<Result<SettingsResponse>> =>
        http.call('PATCH', '/settings', { body, schema: SettingsResponseSchema }),
    },

    keys: {
      list: (params?: ListKeysParams): Promise<Result<ListKeysResponse>> =>
        http.call('GET', '/keys', { query: params, schema: ListKeysResponseSchema }),
      /** Every matching key, following cursors (at most `max`, default 10 000). */
      listAll: (params?: Omit<ListKeysParams, 'cursor'>, max?: number): Promise<Result<Collected<ApiKey>>> =>
        collectPages(
          (cursor) => http.call('GET', '/keys', { query: { ...params, cursor }, schema: ListKeysResponseSchema }),
          max,
        ),
      get: (keyId: string): Promise<Result<ApiKey>> => http.call('GET', `/keys/${id(keyId)}`, { schema: ApiKeySchema }),
      /** Every window of the key right now (remaining, reset); counts nothing. */
      limits: (keyId: string): Promise<Result<KeyLimitsResponse>> =>
        http.call('GET', `/keys/${id(keyId)}/limits`, { schema: KeyLimitsResponseSchema }),
      /** The raw `key` is in this answer only: store it now. */
      create: (body: CreateKeyRequest = {}): Promise<Result<CreatedApiKey>> =>
        http.call('POST', '/keys', { body, schema: CreatedApiKeySchema }),
      update: (keyId: string, body: UpdateKeyRequest): Promise<Result<ApiKey>> =>
        http.call('PATCH', `/keys/${id(keyId)}`, { body, schema: ApiKeySchema }),
      enable: (keyId: string): Promise<Result<ApiKey>> =>
        http.call('PATCH', `/keys/${id(keyId)}`, { body: { active: true }, schema: ApiKeySchema }),
      disable: (keyId: string): Promise<Result<ApiKey>> =>
        http.call('PATCH', `/keys/${id(keyId)}`, { body: { active: false }, schema: ApiKeySchema }),
      delete: (keyId: string): Promise<Result<void>> => http.call('DELETE', `/keys/${id(keyId)}`),
      /** A new secret, in this answer only; the old one keeps working for `graceSeconds` (0: stops now). */
      roll: (keyId: string, body: { graceSeconds: number }): Promise<Result<CreatedApiKey>> =>
        http.call('POST', `/keys/${id(keyId)}/roll`, { body, schema: CreatedApiKeySchema }),
      /** Ends a roll's grace period now: the old secret stops working. */
      endGracePeriod: (keyId: string): Promise<Result<ApiKey>> =>
        http.call('DELETE', `/keys/${id(keyId)}/previous-secret`, { schema: ApiKeySchema }),
      /** For services that handle traffic themselves: is this raw key valid here, and within its limits? */
      verify: (body: VerifyKeyRequest): Promise<Result<VerifyKeyResponse>> =>
        http.call('POST', '/keys/verify', { body, schema: VerifyKeyResponseSchema }),
    },

    usage: {
      /** Stats, a series and a page of recent requests of one key (default: the last 24 h). */
      key: (keyId: string, params?: UsageParams): Promise<Result<UsageResponse>> =>
        http.call('GET', `/usage/${id(keyId)}`, { query: params, schema: UsageResponseSchema }),
      /** Totals, latency, a series and (with `groupBy`) the top groups plus `other`, within the filters. */
      analytics: (params?: UsageAnalyticsParams): Promise<Result<UsageAnalyticsResponse>> =>
        http.call('GET', '/usage', { query: params, schema: UsageAnalyticsResponseSchema }),
      /** One page of the request log, newest first. */
      logs: (params?: UsageLogsParams): Promise<Result<UsageLogsResponse>> =>
        http.call('GET', '/usage/logs', { query: params, schema: UsageLogsResponseSchema }),
      /**
       * Every matching request of the window, following cursors (at most `max`, default 10 000). The
       * window is pinned at the first page (`to` defaults to now), so every page reads the same one.
       */
      logsAll: (params?: Omit<UsageLogsParams, 'cursor'>, max?: number): Promise<Result<Collected<UsageLogRecord>>> => {
        const query = { ...params, to: params?.to ?? new Date().toISOString() };
        return collectPages(
          (cursor) => http.call('GET', '/usage/logs', { query: { ...query, cursor }, schema: UsageLogsResponseSchema }),
          max,
        );
      },
      /** The export as a streaming `Response` (CSV or NDJSON): pipe `response.body` to a file. */
      export: (params: UsageExportParams): Promise<Result<Response>> => http.stream('GET', '/usage/export', params),
    },

    routes: {
      list: (): Promise<Result<ListRoutesResponse>> =>
        http.call('GET', '/routes', { schema: ListRoutesResponseSchema }),
      get: (routeId: string): Promise<Result<Route>> =>
        http.call('GET', `/routes/${id(routeId)}`, { schema: RouteSchema }),
      create: (body: CreateRouteRequest): Promise<Result<Route>> =>
        http.call('POST', '/routes', { body, schema: RouteSchema }),
      update: (routeId: string, body: UpdateRouteRequest): Promise<Result<Route>> =>
        http.call('PATCH', `/routes/${id(routeId)}`, { body, schema: RouteSchema }),
      delete: (routeId: string): Promise<Result<void>> => http.call('DELETE', `/routes/${id(routeId)}`),
    },

    plans: {
      list: (): Promise<Result<ListPlansResponse>> => http.call('GET', '/plans', { schema: ListPlansResponseSchema }),
      get: (planId: string): Promise<Result<Plan>> => http.call('GET', `/plans/${id(planId)}`, { schema: PlanSchema }),
      create: (body: CreatePlanRequest): Promise<Result<Plan>> =>
        http.call('POST', '/plans', { body, schema: PlanSchema }),
      update: (planId: string, body: UpdatePlanRequest): Promise<Result<Plan>> =>
        http.call('PATCH', `/plans/${id(planId)}`, { body, schema: PlanSchema }),
      /** 409 while keys use the plan. */
      delete: (planId: string): Promise<Result<void>> => http.call('DELETE', `/plans/${id(planId)}`),
    },

    tokens: {
      list: (): Promise<Result<ListTokensResponse>> =>
        http.call('GET', '/tokens', { schema: ListTokensResponseSchema }),
      /** The raw `token` is in this answer only (admins signed in, or the bootstrap token). */
      create: (body: CreateTokenRequest): Promise<Result<CreatedApiToken>> =>
        http.call('POST', '/tokens', { body, schema: CreatedApiTokenSchema }),
      revoke: (tokenId: string): Promise<Result<void>> => http.call('DELETE', `/tokens/${id(tokenId)}`),
    },

    webhooks: {
      list: (): Promise<Result<ListWebhooksResponse>> =>
        http.call('GET', '/webhooks', { schema: ListWebhooksResponseSchema }),
      get: (webhookId: string): Promise<Result<Webhook>> =>
        http.call('GET', `/webhooks/${id(webhookId)}`, { schema: WebhookSchema }),
      /** The signing `secret` is in this answer only. */
      create: (body: CreateWebhookRequest): Promise<Result<WebhookWithSecret>> =>
        http.call('POST', '/webhooks', { body, schema: WebhookWithSecretSchema }),
      update: (webhookId: string, body: UpdateWebhookRequest): Promise<Result<Webhook>> =>
        http.call('PATCH', `/webhooks/${id(webhookId)}`, { body, schema: WebhookSchema }),
      delete: (webhookId: string): Promise<Result<void>> => http.call('DELETE', `/webhooks/${id(webhookId)}`),
      /** A new signing secret, in this answer only; the old one keeps signing for `overlapSeconds`. */
      rotateSecret: (webhookId: string, body: RotateWebhookSecretRequest = {}): Promise<Result<WebhookWithSecret>> =>
        http.call('POST', `/webhooks/${id(webhookId)}/rotate-secret`, { body, schema: WebhookWithSecretSchema }),
      /** Queues a `webhook.test` event for this endpoint only. */
      sendTest: (webhookId: string): Promise<Result<WebhookTestResponse>> =>
        http.call('POST', `/webhooks/${id(webhookId)}/test`, { body: {}, schema: WebhookTestResponseSchema }),
      deliveries: (
        webhookId: string,
        params?: ListWebhookDeliveriesQuery,
      ): Promise<Result<ListWebhookDeliveriesResponse>> =>
        http.call('GET', `/webhooks/${id(webhookId)}/deliveries`, {
          query: params,
          schema: ListWebhookDeliveriesResponseSchema,
        }),
      /** The delivery's event again, as a new delivery. */
      redeliver: (webhookId: string, deliveryId: string): Promise<Result<WebhookDelivery>> =>
        http.call('POST', `/webhooks/${id(webhookId)}/deliveries/${id(deliveryId)}/redeliver`, {
          body: {},
          schema: WebhookDeliverySchema,
        }),
    },

    audit: {
      list: (params?: AuditParams): Promise<Result<ListAuditResponse>> =>
        http.call('GET', '/audit', { query: params, schema: ListAuditResponseSchema }),
      listAll: (params?: Omit<AuditParams, 'cursor'>, max?: number): Promise<Result<Collected<AuditEntry>>> =>
        collectPages(
          (cursor) => http.call('GET', '/audit', { query: { ...params, cursor }, schema: ListAuditResponseSchema }),
          max,
        ),
      /** The matching entries as NDJSON, streamed: one JSON object a line. */
      export: (params?: Omit<AuditParams, 'limit' | 'cursor'>): Promise<Result<Response>> =>
        http.stream('GET', '/audit/export', params),
    },

    config: {
      /** Sends the declarative configuration file (YAML or JSON text); `dryRun` only answers the changes. */
      apply: (body: ApplyConfigRequest): Promise<Result<ApplyConfigResponse>> =>
        http.call('POST', '/config/apply', { body, schema: ApplyConfigResponseSchema }),
    },
  };
}

export type GatewayClient = ReturnType<typeof createGatewayClient>;
