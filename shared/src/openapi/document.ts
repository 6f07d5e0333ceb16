import { z } from 'zod';
import {
  createDocument,
  type oas31,
  type ZodOpenApiObject,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
} from 'zod-openapi';
import { UsageLogRecordSchema } from '../analytics.js';
import { ERROR_STATUS, ERROR_TITLE, type ErrorCode } from '../errors.js';
import { PlanSchema } from '../plans.js';
import { RouteSchema } from '../routes.js';
import {
  ApiKeySchema,
  ApiTokenSchema,
  AuditEntrySchema,
  IdSchema,
  ProblemSchema,
  UserSchema,
  UserSummarySchema,
} from '../schemas.js';
import { WebhookDeliverySchema, WebhookSchema } from '../webhooks.js';
import { type Operation, problemStatusesOf } from './operation.js';
import { OPERATIONS } from './operations.js';

/** The name of the management API's session cookie (the gateway sets it on sign-in). */
export const SESSION_COOKIE_NAME = 'gw_session';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The error codes answered with this HTTP status (a closed set: `errors.ts`). */
export function codesWithStatus(status: number): ErrorCode[] {
  return (Object.keys(ERROR_STATUS) as ErrorCode[]).filter((code) => ERROR_STATUS[code] === status);
}

/** `Problem` narrowed to one status: its `status` and the codes that status can carry. */
function problemFor(status: number) {
  const codes = codesWithStatus(status);
  if (codes.length === 0) throw new Error(`no error code has HTTP status ${status}`);
  return ProblemSchema.extend({
    status: z.literal(status),
    code: z.enum(codes as [ErrorCode, ...ErrorCode[]]),
  }).meta({
    id: `Problem${status}`,
    description: `RFC 9457 problem details. Codes: ${codes.map((c) => `\`${c}\` (${ERROR_TITLE[c]})`).join(', ')}.`,
  });
}

const problems = new Map<number, z.ZodType>();
const problemSchema = (status: number) => {
  let schema = problems.get(status);
  if (!schema) {
    schema = problemFor(status);
    problems.set(status, schema);
  }
  return schema;
};

const PROBLEM_DESCRIPTION: Record<number, string> = {
  400: 'Invalid input (`errors` names each field), malformed JSON or a refused request.',
  401: 'No valid credentials.',
  403: 'Not allowed: role, token scope, allowance, or a cookie-authenticated change without the dashboard as `Origin`.',
  404: 'No such resource (or not yours).',
  409: 'Conflicts with the current state.',
  413: 'The request body is too large.',
  415: 'The request body is not UTF-8 JSON.',
  429: 'Throttled; `Retry-After` says when to retry.',
  500: 'A bug on our side; quote the `requestId`.',
  503: 'A dependency is unavailable; `Retry-After` says when to retry.',
};

const PATH_PARAM = /\{([^}]+)\}/g;

function toOperationObject(op: Operation): ZodOpenApiOperationObject {
  const pathParams = [...op.path.matchAll(PATH_PARAM)].map((m) => m[1]!);
  const responses: Record<string, ZodOpenApiResponseObject> = {};
  for (const [status, answer] of Object.entries(op.responses)) {
    responses[status] = {
      description: answer.description,
      ...(answer.headers && {
        headers: Object.fromEntries(
          Object.entries(answer.headers).map(([name, description]) => [
            name,
            { description, schema: { type: 'string' } },
          ]),
        ),
      }),
      ...(answer.schema && {
        content: Object.fromEntries(
          [answer.contentType ?? 'application/json'].flat().map((type) => [type, { schema: answer.schema }]),
        ),
      }),
    };
  }
  for (const status of problemStatusesOf(op)) {
    responses[String(status)] = {
      description: PROBLEM_DESCRIPTION[status] ?? ERROR_TITLE[codesWithStatus(status)[0]!],
      content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema(status) } },
    };
  }
  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description && { description: op.description }),
    // Public operations say so explicitly; the others take the document's default (session or bearer).
    ...(op.access === 'public' && { security: [] }),
    ...(op.access !== 'public' && op.access !== 'signedIn' && { 'x-access': op.access }),
    requestParams: {
      ...(pathParams.length > 0 && { path: z.object(Object.fromEntries(pathParams.map((name) => [name, IdSchema]))) }),
      ...(op.query && { query: op.query }),
    },
    ...(op.body && {
      requestBody: {
        required: !op.bodyOptional,
        content: { 'application/json': { schema: op.body } },
      },
    }),
    responses,
  } as ZodOpenApiOperationObject;
}

/** The OpenAPI 3.1 description of the management API, built from `OPERATIONS` and the zod contract. */
export function createOpenApiDocument(options: { version?: string; serverUrl?: string } = {}): oas31.OpenAPIObject {
  const paths: ZodOpenApiPathsObject = {};
  for (const op of OPERATIONS) {
    paths[op.path] = { ...paths[op.path], [op.method]: toOperationObject(op) };
  }
  const document: ZodOpenApiObject = {
    openapi: '3.1.0',
    info: {
      title: 'API Gateway management API',
      version: options.version ?? '0.1.0',
      description:
        'Keys, plans, routes, usage, webhooks and the audit log of the gateway, on its management listener. ' +
        'Errors are RFC 9457 `application/problem+json` with a closed set of `code`s. Admins (sessions of role ' +
        'admin, management API tokens, the bootstrap `ADMIN_API_TOKEN`) may do everything a token scope ' +
        "allows; users see and change only their own keys, usage and webhooks (another user's resource is a " +
        '404). Operations marked `x-access: admin` answer users 403; `adminInPerson` also refuses API tokens.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    ...(options.serverUrl && { servers: [{ url: options.serverUrl }] }),
    tags: [...new Set(OPERATIONS.map((op) => op.tag))].map((name) => ({ name })),
    security: [{ sessionCookie: [] }, { bearerToken: [] }],
    paths,
    components: {
      securitySchemes: {
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: SESSION_COOKIE_NAME,
          description:
            'The session a sign-in opens (HttpOnly cookie). Changes made with it must come from the dashboard ' +
            '(`Origin` equal to `DASHBOARD_ORIGIN`), else 403 `ORIGIN_NOT_ALLOWED`.',
        },
        bearerToken: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A management API token (`gwt_…`, scope `read`, `write` or `verify`), a session token, or the ' +
            'bootstrap `ADMIN_API_TOKEN`.',
        },
      },
      schemas: {
        ApiKey: ApiKeySchema,
        ApiToken: ApiTokenSchema,
        AuditEntry: AuditEntrySchema,
        Plan: PlanSchema,
        Problem: ProblemSchema,
        Route: RouteSchema,
        User: UserSchema,
        UsageLogRecord: UsageLogRecordSchema,
        UserSummary: UserSummarySchema,
        Webhook: WebhookSchema,
        WebhookDelivery: WebhookDeliverySchema,
      },
    },
  };
  return createDocument(document);
}
