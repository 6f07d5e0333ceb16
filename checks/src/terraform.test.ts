// biome-ignore-all lint/suspicious/noExplicitAny: parsed manifests and schemas are untyped JSON.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform expressions in literal strings.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { parseEnv } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsInRepo, REPO_ROOT, readRepoFile, repoPath } from './lib/repo.js';
import { looksLikeSecretValue } from './lib/secret-scan.js';
import {
  fileArguments,
  loadModule,
  moduleDirs,
  type TerraformModule,
  templatefileKeys,
  templateVariables,
} from './lib/terraform.js';

const SECRET_NAME = /password|secret|token|private_key/i;

let modules: Map<string, TerraformModule>;

beforeAll(async () => {
  modules = new Map();
  for (const dir of moduleDirs(repoPath('infra'))) {
    const module = await loadModule(dir, REPO_ROOT);
    modules.set(module.dir, module);
  }
});

const mod = (dir: string) => {
  const found = modules.get(dir);
  if (!found) throw new Error(`no Terraform module in ${dir}`);
  return found;
};

describe('infra/ Terraform', () => {
  it('has the iam, ssm and ec2 modules and the single-vm example, and every .tf file parses', () => {
    expect([...modules.keys()]).toEqual([
      'infra/aws/examples/single-vm',
      'infra/aws/modules/ec2',
      'infra/aws/modules/iam',
      'infra/aws/modules/ssm',
    ]);
    for (const m of modules.values())
      expect(m.files, m.dir).toEqual(expect.arrayContaining(['main.tf', 'variables.tf', 'outputs.tf']));
  });

  it('the parser rejects broken HCL (so "parses" means something)', async () => {
    const { parse } = await import('@cdktf/hcl2json');
    await expect(parse('broken.tf', 'resource "aws_instance" "x" {\n  ami = "a"\n')).rejects.toThrow(/Unclosed/);
  });

  it('describes and types every variable and output', () => {
    for (const m of modules.values()) {
      for (const [name, body] of Object.entries(m.variables)) {
        expect(body.description, `${m.dir}: var.${name}`).toBeTruthy();
        expect(body.type, `${m.dir}: var.${name}`).toBeTruthy();
      }
      for (const [name, body] of Object.entries(m.outputs))
        expect(body.description, `${m.dir}: output.${name}`).toBeTruthy();
    }
  });

  it('keeps secrets out of code and state: sensitive, ephemeral, no defaults, write-only in SSM', () => {
    for (const m of modules.values()) {
      for (const [name, body] of Object.entries(m.variables)) {
        if ('default' in body)
          expect(looksLikeSecretValue(JSON.stringify(body.default)), `${m.dir}: var.${name}`).toBe(false);
        if (SECRET_NAME.test(name) && name !== 'secret_names' && name !== 'secrets_version') {
          expect(body.sensitive, `${m.dir}: var.${name}`).toBe(true);
          expect(body.ephemeral, `${m.dir}: var.${name}`).toBe(true);
          expect('default' in body, `${m.dir}: var.${name}`).toBe(false);
        }
      }
    }
    const secret = mod('infra/aws/modules/ssm').resources.get('aws_ssm_parameter.secret');
    expect(secret?.type).toBe('SecureString');
    expect(secret).toHaveProperty('value_wo');
    expect(secret).not.toHaveProperty('value');
  });

  it('reads only files that exist (templates, the Compose files it ships to the VM)', () => {
    const all = [...modules.values()].flatMap((m) => fileArguments(m).map((f) => ({ ...f, dir: m.dir })));
    expect(all.map((f) => normalize(f.path)).sort()).toEqual(
      [
        'deploy/Caddyfile',
        'deploy/docker-compose.awslogs.yml',
        'deploy/docker-compose.database-ca.yml',
        'deploy/docker-compose.prod.yml',
        'infra/aws/modules/ec2/user-data.sh.tftpl',
      ].sort(),
    );
    for (const f of all) expect(existsInRepo(normalize(f.path)), `${f.dir}: ${f.expression}`).toBe(true);
  });

  it('fills every variable of the user-data template and passes none it does not use', () => {
    const ec2 = mod('infra/aws/modules/ec2');
    const template = readRepoFile('infra/aws/modules/ec2/user-data.sh.tftpl');
    const passed = templatefileKeys(ec2, 'user-data.sh.tftpl');
    expect([...templateVariables(template)].sort()).toEqual([...passed].sort());
  });

  it('sends the user data gzipped (the script with its Compose files is over 16 KiB as text)', () => {
    // Its gzipped size is checked on the rendered script in boot-script.test.ts.
    expect(readRepoFile('infra/aws/modules/ec2/main.tf')).toMatch(
      /^\s*user_data_base64\s*=\s*base64gzip\(local\.user_data\)$/m,
    );
  });

  it('ships an example tfvars with every required input except the secrets', () => {
    const example = readRepoFile('infra/aws/examples/single-vm/terraform.tfvars.example');
    const keys = Object.keys(parseEnv(example.replace(/^\s*([a-z_]+)\s*=\s*/gm, '$1=')));
    const root = mod('infra/aws/examples/single-vm');
    expect(keys.filter((k) => !(k in root.variables))).toEqual([]);
    const required = Object.entries(root.variables)
      .filter(([, body]) => !('default' in body) && !body.ephemeral)
      .map(([name]) => name);
    expect(required.filter((r) => !keys.includes(r))).toEqual([]);
    expect(keys).not.toContain('secret_values');
  });
});

describe('infra/aws/modules/iam', () => {
  // The policy documents themselves are checked in tests/iam.tftest.hcl (the provider renders them).
  it('does not attach AmazonSSMManagedInstanceCore (it reads every parameter of the account)', () => {
    expect(JSON.stringify([...mod('infra/aws/modules/iam').resources.values()])).not.toContain(
      'AmazonSSMManagedInstanceCore',
    );
  });
});

describe('infra/aws/modules/ec2 user data', () => {
  const script = readFileSync(repoPath('infra/aws/modules/ec2/user-data.sh.tftpl'), 'utf8');

  it('writes the Compose variables the production files read, and no others', () => {
    const dotenv = script.match(/cat > \/opt\/api-gateway\/\.env <<'ENV'\n([\s\S]*?)\nENV\n/)?.[1] ?? '';
    const written = dotenv.split('\n').map((line) => line.split('=')[0] as string);
    const compose = ['deploy/docker-compose.prod.yml', 'deploy/docker-compose.awslogs.yml']
      .map(readRepoFile)
      .join('\n');
    const read = new Set([...compose.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1] as string));
    expect(written.filter((k) => !read.has(k) && k !== 'COMPOSE_PROFILES')).toEqual([]);
    for (const required of [
      'GHCR_OWNER',
      'APP_VERSION',
      'GATEWAY_API_URL',
      'GATEWAY_PROXY_URL',
      'MANAGEMENT_BIND_ADDRESS',
      'MANAGEMENT_ALLOWED_IPS',
    ])
      expect(written).toContain(required);
  });

  it('is valid shell once rendered (boot-script.test.ts runs it)', () => {
    const rendered = script.replaceAll('$${', '${').replace(/\$\{([a-z_0-9]+)\}/g, 'x');
    execFileSync('bash', ['-n'], { input: rendered });
  });
});

describe('terraform', () => {
  it('fmt leaves every file as it is', () => {
    const out = execFileSync('terraform', ['fmt', '-check', '-recursive', '-list=true', repoPath('infra')], {
      encoding: 'utf8',
      env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null' },
    });
    expect(out.trim()).toBe('');
  });

  it('init uses the committed lock file as it is; validate passes', () => {
    const dir = repoPath(EXAMPLE);
    const init = terraform(dir, ['init', '-backend=false', '-input=false', '-lockfile=readonly']);
    expect(init.status, init.output).toBe(0);
    const validate = terraform(dir, ['validate', '-json']);
    expect(JSON.parse(validate.stdout)).toMatchObject({ valid: true, error_count: 0 });
  }, 240_000);

  it('terraform test passes: the example, the ec2 and iam modules (mock and offline providers)', () => {
    const dir = repoPath(EXAMPLE);
    terraform(dir, ['init', '-backend=false', '-input=false', '-lockfile=readonly']);
    const test = terraform(dir, ['test', '-no-color']);
    expect(test.status, test.output).toBe(0);
    const summary = test.stdout.match(/Success! (\d+) passed, 0 failed\./);
    expect(Number(summary?.[1]), test.output).toBeGreaterThanOrEqual(13);
  }, 240_000);

  it('terraform test fails when the management port opens to the public networks', () => {
    // A copy of infra/ (and the deploy/ files it reads) with the management rule's networks swapped.
    const copy = mkdtempSync(join(tmpdir(), 'tf-mutant-'));
    try {
      cpSync(repoPath('infra'), join(copy, 'infra'), { recursive: true, filter: (f) => !f.includes('/.terraform/') });
      cpSync(repoPath('deploy'), join(copy, 'deploy'), { recursive: true });
      const main = join(copy, 'infra/aws/modules/ec2/main.tf');
      const text = readFileSync(main, 'utf8');
      const mutated = text.replace(
        'management_port = { port = 3002, protocol = "tcp", cidr_blocks = var.management_allowed_cidrs }',
        'management_port = { port = 3002, protocol = "tcp", cidr_blocks = var.allowed_cidrs }',
      );
      expect(mutated).not.toBe(text);
      writeFileSync(main, mutated);
      const dir = join(copy, EXAMPLE);
      terraform(dir, ['init', '-backend=false', '-input=false', '-lockfile=readonly']);
      const test = terraform(dir, ['test', '-no-color', '-filter=tests/ec2.tftest.hcl']);
      expect(test.status).not.toBe(0);
      expect(test.stdout).toMatch(/run "management_port_for_its_allow_list_only"\.\.\. fail/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }, 240_000);
});

const EXAMPLE = 'infra/aws/examples/single-vm';

/**
 * Runs terraform offline: the AWS provider comes from the machine's plugin mirror (/opt/tf-plugins),
 * the working data (.terraform/) goes to a temporary directory per example directory.
 */
function terraform(dir: string, args: string[]): { status: number | null; stdout: string; output: string } {
  const result = spawnSync('terraform', args, {
    cwd: dir,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, TF_CLI_CONFIG_FILE: cliConfig(), TF_DATA_DIR: dataDir(dir), TF_IN_AUTOMATION: '1' },
  });
  return { status: result.status, stdout: result.stdout, output: `${result.stdout}\n${result.stderr}` };
}

let cliConfigFile: string | undefined;
function cliConfig(): string {
  if (!cliConfigFile) {
    cliConfigFile = join(mkdtempSync(join(tmpdir(), 'tf-cli-')), 'terraform.rc');
    writeFileSync(
      cliConfigFile,
      `provider_installation {
  filesystem_mirror {
    path    = "${PLUGIN_MIRROR}"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
`,
    );
  }
  return cliConfigFile;
}

const PLUGIN_MIRROR = process.env.TF_PLUGIN_MIRROR ?? '/opt/tf-plugins';
afterAll(() => {
  for (const dir of dataDirs.values()) rmSync(dir, { recursive: true, force: true });
  if (cliConfigFile) rmSync(join(cliConfigFile, '..'), { recursive: true, force: true });
});
const dataDirs = new Map<string, string>();
function dataDir(dir: string): string {
  let found = dataDirs.get(dir);
  if (!found) {
    found = mkdtempSync(join(tmpdir(), 'tf-data-'));
    dataDirs.set(dir, found);
  }
  return found;
}
