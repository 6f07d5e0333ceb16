import {
  type ApiKey,
  ApiKeySchema,
  type CreatedApiKey,
  CreatedApiKeySchema,
  type CreateKeyRequest,
  type ListKeysResponse,
  ListKeysResponseSchema,
  type LoginResponse,
  LoginResponseSchema,
  ProblemSchema,
  type SessionResponse,
  SessionResponseSchema,
  type UpdateKeyRequest,
  type UsageResponse,
  UsageResponseSchema,
} from '@gateway/shared';
import type { z } from 'zod';
import { ApiError } from './api-error';

/** Query of `GET /usage/:keyId` as the dashboard sends it (`UsageQuerySchema` validates it on the gateway). */
export interface UsageParams {
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string | undefined;
}

/** Typed access to the gateway's management API; every response is parsed with the shared contract. */
export interface GatewayClient {
  readonly baseUrl: string;
  login(email: string): Promise<LoginResponse>;
  getSession(): Promise<SessionResponse>;
  logout(): Promise<void>;
  listKeys(): Promise<ListKeysResponse>;
  getKey(id: string): Promise<ApiKey>;
  createKey(body: CreateKeyRequest): Promise<CreatedApiKey>;
  updateKey(id: string, body: UpdateKeyRequest): Promise<ApiKey>;
  deleteKey(id: string): Promise<void>;
  getUsage(keyId: string, query?: UsageParams): Promise<UsageResponse>;
}

interface RequestOptions<T> {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  schema?: z.ZodType<T>;
}

/**
 * Builds the client for one gateway base URL. Requests carry the gateway's HttpOnly session cookie
 * (`credentials: 'include'`): the dashboard never sees or stores the session token itself.
 */
export function createGatewayClient(baseUrl: string, fetchImpl: typeof fetch = fetch): GatewayClient {
  const root = baseUrl.replace(/\/+$/, '');

  async function request<T>(method: string, path: string, options: RequestOptions<T> = {}): Promise<T> {
    const url = new URL(root + path);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';

    let response: Response;
    try {
      response = await fetchImpl(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        credentials: 'include',
        cache: 'no-store',
      });
    } catch (cause) {
      throw new ApiError('network', `Can't reach the gateway at ${root}.`, { cause });
    }

    if (!response.ok) throw await problemFrom(response);
    if (!options.schema || response.status === 204) return undefined as T;

    const json: unknown = await response.json().catch(() => undefined);
    const parsed = options.schema.safeParse(json);
    if (!parsed.success) {
      const where = parsed.error.issues[0]?.path.join('.') || 'body';
      throw new ApiError(
        'invalid-response',
        `The gateway answered ${method} ${path} in an unexpected shape (${where}).`,
        {
          status: response.status,
          cause: parsed.error,
        },
      );
    }
    return parsed.data;
  }

  return {
    baseUrl: root,
    login: (email) => request('POST', '/users', { body: { email }, schema: LoginResponseSchema }),
    getSession: () => request('GET', '/session', { schema: SessionResponseSchema }),
    logout: () => request('DELETE', '/session'),
    listKeys: () => request('GET', '/keys', { schema: ListKeysResponseSchema }),
    getKey: (id) => request('GET', `/keys/${encodeURIComponent(id)}`, { schema: ApiKeySchema }),
    createKey: (body) => request('POST', '/keys', { body, schema: CreatedApiKeySchema }),
    updateKey: (id, body) => request('PATCH', `/keys/${encodeURIComponent(id)}`, { body, schema: ApiKeySchema }),
    deleteKey: (id) => request('DELETE', `/keys/${encodeURIComponent(id)}`),
    getUsage: (keyId, query = {}) =>
      request('GET', `/usage/${encodeURIComponent(keyId)}`, { query: { ...query }, schema: UsageResponseSchema }),
  };
}

/** Maps an error response to an `ApiError`, keeping the problem's field errors when it is RFC 9457. */
async function problemFrom(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => undefined);
  const problem = ProblemSchema.safeParse(body);
  if (problem.success) {
    return new ApiError('problem', problem.data.detail || problem.data.title, { problem: problem.data });
  }
  // Not our problem shape (e.g. a load balancer's error page): keep the status, say what we know.
  const loose = body as { detail?: unknown; title?: unknown } | undefined;
  const text = typeof loose?.detail === 'string' ? loose.detail : typeof loose?.title === 'string' ? loose.title : '';
  return new ApiError('invalid-response', text || `The gateway answered ${response.status} ${response.statusText}.`, {
    status: response.status,
  });
}
