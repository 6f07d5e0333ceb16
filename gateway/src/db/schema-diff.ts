// Generates migration SQL offline with Prisma's schema engine compiled to WebAssembly: the native
// engine (what `prisma migrate dev` uses) would have to be downloaded, which this project never does.
// It diffs "every existing migration applied to a throwaway in-memory PGlite" against
// prisma/schema.prisma. Development tool only (the package is a devDependency).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { MIGRATIONS_DIR, migrate } from './migrate.js';

export const SCHEMA_PATH = join(MIGRATIONS_DIR, '..', 'schema.prisma');

interface WasmSchemaEngine {
  diff(params: unknown): Promise<{ exitCode: number; stdout: string | null }>;
  free(): void;
}

// Node has WebAssembly; the ES lib this project compiles against does not declare it.
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
interface WasmApi {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, Record<string, unknown>>,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
}

async function loadEngineClass(): Promise<{ new: (...args: unknown[]) => Promise<WasmSchemaEngine> }> {
  const require = createRequire(import.meta.url);
  const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const glue = (await import(pathToFileURL(gluePath).href)) as Record<string, unknown> & {
    __wbg_set_wasm: (exports: Record<string, unknown>) => void;
    SchemaEngine: { new: (...args: unknown[]) => Promise<WasmSchemaEngine> };
  };
  const bytes = await readFile(join(dirname(gluePath), 'schema_engine_bg.wasm'));
  const { instance } = await wasmApi.instantiate(bytes, { './schema_engine_bg.js': glue });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return glue.SchemaEngine;
}

/** SQL that takes a database with every migration applied to what schema.prisma describes ('' if none). */
export async function diffSchemaAgainstMigrations(): Promise<string> {
  const { bindMigrationAwareSqlAdapterFactory } = await import('@prisma/driver-adapter-utils');
  const pglite = new PGlite();
  await pglite.waitReady;
  const sql = {
    query: (text: string, params?: unknown[]) => pglite.query(text, params) as never,
    exec: async (script: string) => {
      await pglite.exec(script);
    },
  };
  await migrate(sql, { lock: false });
  const SchemaEngine = await loadEngineClass();
  const engine = await SchemaEngine.new(
    { datamodels: undefined },
    () => {},
    bindMigrationAwareSqlAdapterFactory(new PrismaPGlite(pglite) as never),
  );
  try {
    const files = [{ path: SCHEMA_PATH, content: await readFile(SCHEMA_PATH, 'utf8') }];
    const result = await engine.diff({
      from: { tag: 'schemaDatasource', files, configDir: dirname(SCHEMA_PATH) },
      to: { tag: 'schemaDatamodel', files },
      script: true,
      exitCode: true,
      filters: { externalTables: [], externalEnums: [] },
    });
    return (result.stdout ?? '').trim();
  } finally {
    engine.free();
    await pglite.close();
  }
}
