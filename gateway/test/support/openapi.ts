import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

type Json = Record<string, unknown>;
interface DocResponse {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema: Json }>;
}
interface DocOperation {
  operationId: string;
  security?: unknown[];
  parameters?: { in: string; name: string }[];
  requestBody?: { required?: boolean };
  responses: Record<string, DocResponse>;
  'x-access'?: string;
}
export type OpenApiDocument = {
  openapi: string;
  paths: Record<string, Record<string, DocOperation>>;
  components: { schemas: Record<string, Json>; securitySchemes: Record<string, Json> };
};

/** One operation of the document: `GET /keys/{id}`. */
export interface DocumentedOperation {
  key: string;
  method: string;
  path: string;
  operation: DocOperation;
}

const essence = (contentType: string | null) => (contentType ?? '').split(';')[0]!.trim().toLowerCase();

/**
 * Validates real responses against an OpenAPI 3.1 document (JSON Schema draft 2020-12, with formats),
 * and records which operation answered which status, so a test can tell what it has not exercised.
 */
export class OpenApiResponseValidator {
  readonly operations: DocumentedOperation[];
  /** `GET /keys/{id}` → the statuses seen. */
  readonly seen = new Map<string, Set<number>>();
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly matchers: { op: DocumentedOperation; pattern: RegExp }[];

  constructor(readonly document: OpenApiDocument) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    // ajv-formats is CommonJS: under NodeNext its function is the default export's `default`.
    addFormats.default(this.ajv);
    // `#/components/…` refs resolve against the document itself.
    this.ajv.addSchema({ $id: 'openapi.json', components: document.components } as Json);
    this.operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        operation,
      })),
    );
    // Literal segments before templated ones: `/keys/verify` is not `/keys/{id}`.
    this.matchers = this.operations
      .map((op) => ({
        op,
        pattern: new RegExp(`^${op.path.replaceAll(/\{[^}]+\}/g, '[^/]+')}$`),
        templated: (op.path.match(/\{/g) ?? []).length,
      }))
      .sort((a, b) => a.templated - b.templated);
  }

  /** The operation a request goes to, or undefined when the document has none. */
  operationFor(method: string, url: string): DocumentedOperation | undefined {
    const path = new URL(url, 'http://x').pathname;
    return this.matchers.find((m) => m.op.method === method.toUpperCase() && m.pattern.test(path))?.op;
  }

  private validatorFor(schema: Json): ValidateFunction {
    const text = JSON.stringify(schema).replaceAll('"#/components/', '"openapi.json#/components/');
    let validate = this.validators.get(text);
    if (!validate) {
      validate = this.ajv.compile(JSON.parse(text) as Json);
      this.validators.set(text, validate);
    }
    return validate;
  }

  /**
   * Checks a real response against the document: the status is documented for the operation, the
   * content type is the documented one, the body matches its schema (or is empty when none is
   * documented), documented headers are present. Returns the body (parsed when JSON).
   */
  async check(method: string, url: string, res: Response): Promise<unknown> {
    const op = this.operationFor(method, url);
    if (!op) throw new Error(`${method} ${url}: no operation in the document`);
    const where = `${op.key} → ${res.status}`;
    const documented = op.operation.responses[String(res.status)];
    const text = await res.text();
    if (!documented) {
      throw new Error(`${where}: status not documented (has ${Object.keys(op.operation.responses)}); body ${text}`);
    }
    for (const header of Object.keys(documented.headers ?? {})) {
      if (!res.headers.has(header)) throw new Error(`${where}: documented header ${header} missing`);
    }
    let body: unknown = text;
    if (!documented.content) {
      if (text !== '') throw new Error(`${where}: documented without a body, got ${text}`);
    } else {
      const types = Object.keys(documented.content);
      const type = types.find((t) => essence(t) === essence(res.headers.get('content-type')));
      if (!type) throw new Error(`${where}: content type ${res.headers.get('content-type')} is not one of ${types}`);
      if (/^application\/(.+\+)?json$/.test(essence(type))) body = JSON.parse(text);
      const validate = this.validatorFor(documented.content[type]!.schema);
      if (!validate(body)) {
        throw new Error(
          `${where}: body does not match the document: ${this.ajv.errorsText(validate.errors)}\n${text.slice(0, 2000)}`,
        );
      }
    }
    let statuses = this.seen.get(op.key);
    if (!statuses) {
      statuses = new Set();
      this.seen.set(op.key, statuses);
    }
    statuses.add(res.status);
    return body;
  }

  /** Validates a value against a component schema (e.g. one NDJSON line against `AuditEntry`). */
  checkComponent(name: string, value: unknown): void {
    const validate = this.validatorFor({ $ref: `#/components/schemas/${name}` });
    if (!validate(value)) throw new Error(`${name}: ${this.ajv.errorsText(validate.errors)}`);
  }
}
