// Biome formats and lints the code; YAML and Markdown are checked here.
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { existsInRepo, readRepoFile, repositoryFiles } from './lib/repo.js';

const files = repositoryFiles();

describe('YAML', () => {
  const yamlFiles = files.filter((f) => /\.ya?ml$/.test(f));

  it.each(yamlFiles)('%s parses (no duplicate keys, no syntax errors)', (file) => {
    const docs = parseAllDocuments(readRepoFile(file), { uniqueKeys: true });
    const problems = docs.flatMap((d) => [...d.errors, ...d.warnings].map((e) => e.message));
    expect(problems).toEqual([]);
  });
});

describe('Markdown', () => {
  const markdown = files.filter((f) => f.endsWith('.md') && !f.includes('node_modules/'));

  it.each(markdown)('%s links only to files that exist', (file) => {
    const text = readRepoFile(file).replace(/```[\s\S]*?```/g, '');
    const broken: string[] = [];
    for (const m of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = (m[1] as string).split('#')[0] as string;
      if (!target || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // anchors, URLs, mailto:
      const path = target.startsWith('/') ? target.slice(1) : normalize(join(dirname(file), target));
      if (!existsInRepo(decodeURIComponent(path))) broken.push(target);
    }
    expect(broken).toEqual([]);
  });
});
