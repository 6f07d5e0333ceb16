// biome-ignore-all lint/suspicious/noExplicitAny: parsed manifests and schemas are untyped JSON.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform expressions in literal strings.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { parseEnv } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { existsInRepo, REPO_ROOT, readRepoFile, repoPath } from './lib/repo.js';
import { looksLikeSecretValue } from './lib/secret-scan.js';
import {
  DATA_REF,
  fileArguments,
  LOCAL_REF,
  loadModule,
  MODULE_REF,
  moduleDirs,
  RESOURCE_REF,
  references,
  type TerraformModule,
  templatefileKeys,
  templateVariables,
  VAR_REF,
} from './lib/terraform.js';

const META_ARGUMENTS = new Set(['source', 'version', 'providers', 'depends_on', 'count', 'for_each']);
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

  it('declares every var.X each module uses, and uses every variable it declares', () => {
    for (const m of modules.values()) {
      const used = references(m, VAR_REF);
      const declared = new Set(Object.keys(m.variables));
      expect(
        [...used].filter((v) => !declared.has(v)),
        `${m.dir}: undeclared`,
      ).toEqual([]);
      expect(
        [...declared].filter((v) => !used.has(v)),
        `${m.dir}: unused`,
      ).toEqual([]);
    }
  });

  it('defines every local, data source and resource it references', () => {
    for (const m of modules.values()) {
      expect(
        [...references(m, LOCAL_REF)].filter((l) => !m.locals.has(l)),
        m.dir,
      ).toEqual([]);
      expect(
        [...references(m, DATA_REF)].filter((d) => !m.data.has(d)),
        m.dir,
      ).toEqual([]);
      expect(
        [...references(m, RESOURCE_REF)].filter((r) => !m.resources.has(r)),
        m.dir,
      ).toEqual([]);
    }
  });

  it('calls modules by existing source paths, with declared variables and all required ones', () => {
    for (const m of modules.values()) {
      for (const [name, call] of Object.entries(m.modules)) {
        const source = normalize(join(m.dir, String(call.source)));
        expect(existsInRepo(source), `${m.dir}: module.${name} source ${source}`).toBe(true);
        const target = mod(source);
        const passed = Object.keys(call).filter((k) => !META_ARGUMENTS.has(k));
        const declared = Object.keys(target.variables);
        expect(
          passed.filter((p) => !declared.includes(p)),
          `module.${name}: unknown arguments`,
        ).toEqual([]);
        const required = declared.filter((v) => !('default' in (target.variables[v] ?? {})));
        expect(
          required.filter((r) => !passed.includes(r)),
          `module.${name}: missing arguments`,
        ).toEqual([]);
      }
    }
  });

  it('references only outputs that the called modules define', () => {
    for (const m of modules.values()) {
      for (const ref of references(m, MODULE_REF)) {
        const [name, output] = ref.split('.') as [string, string];
        const call = m.modules[name];
        expect(call, `${m.dir}: module.${name} is not called`).toBeTruthy();
        const target = mod(normalize(join(m.dir, String(call?.source))));
        expect(Object.keys(target.outputs), `${m.dir}: module.${ref}`).toContain(output);
      }
    }
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

  it('keeps the rendered user data under the 16 KiB EC2 limit', () => {
    const template = readRepoFile('infra/aws/modules/ec2/user-data.sh.tftpl');
    const embedded = ['deploy/docker-compose.prod.yml', 'deploy/docker-compose.awslogs.yml', 'deploy/Caddyfile']
      .map((f) => Math.ceil(readRepoFile(f).length / 3) * 4)
      .reduce((a, b) => a + b, 0);
    expect(template.length + embedded + 1024).toBeLessThan(16 * 1024);
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

describe('infra/aws/modules/iam (least privilege)', () => {
  const statements = (dir: string, name: string) => {
    const document = mod(dir).data.get(`aws_iam_policy_document.${name}`);
    return [
      ...((document?.statement ?? []) as { actions: string[]; resources: string[] }[]),
      ...(((document?.dynamic as any)?.statement?.[0]?.content ?? []) as { actions: string[]; resources: string[] }[]),
    ];
  };

  it('lets the instance read parameters under its own path only', () => {
    const ssm = statements('infra/aws/modules/iam', 'instance').filter((s) =>
      s.actions.some((a) => a.startsWith('ssm:')),
    );
    expect(ssm).toHaveLength(1);
    expect(ssm[0]?.actions.every((a) => /^ssm:GetParameter/.test(a))).toBe(true);
    for (const resource of ssm[0]?.resources ?? []) expect(resource).toMatch(/\$\{var\.ssm_path\}(\/\*)?$/);
  });

  it('lets it write to its own log group only, and decrypt only through SSM', () => {
    const all = statements('infra/aws/modules/iam', 'instance');
    const logs = all.filter((s) => s.actions.some((a) => a.startsWith('logs:')));
    expect(logs.flatMap((s) => s.actions).sort()).toEqual([
      'logs:CreateLogStream',
      'logs:DescribeLogStreams',
      'logs:PutLogEvents',
    ]);
    for (const resource of logs.flatMap((s) => s.resources)) expect(resource).toMatch(/local\.log_group_arn/);
    for (const s of all) for (const a of s.actions) expect(a).not.toMatch(/\*|^iam:|^ssm:Put|^ssm:Delete/);
    // AmazonSSMManagedInstanceCore would grant ssm:GetParameter* on every parameter of the account.
    expect(JSON.stringify([...mod('infra/aws/modules/iam').resources.values()])).not.toContain(
      'AmazonSSMManagedInstanceCore',
    );
  });
});

describe('infra/aws/modules/ec2 exposure (the proxy public, the management API allow-listed)', () => {
  const ec2 = () => mod('infra/aws/modules/ec2');
  /** Every `{ port, protocol, cidr_blocks }` object in the module's locals. */
  const portRules = () => {
    const rules: { port: number; cidr_blocks: string }[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        if ('port' in node && 'cidr_blocks' in node) rules.push(node as { port: number; cidr_blocks: string });
        else Object.values(node).forEach(walk);
      }
    };
    walk([...ec2().locals.values()]);
    return rules;
  };

  it('opens the management port to management_allowed_cidrs only, and every other port to allowed_cidrs', () => {
    const rules = portRules();
    expect(rules.map((r) => r.port).sort()).toEqual([3000, 3001, 3002, 443, 443, 80]);
    for (const rule of rules) {
      expect(rule.cidr_blocks, `port ${rule.port}`).toBe(
        rule.port === 3002 ? '${var.management_allowed_cidrs}' : '${var.allowed_cidrs}',
      );
    }
    // Each rule carries its own networks into the security group.
    const group = ec2().resources.get('aws_security_group.instance') as any;
    expect(group.dynamic.ingress[0].content[0].cidr_blocks).toBe('${ingress.value.cidr_blocks}');
    expect(group.dynamic.ingress[0].for_each).toBe('${local.ports}');
  });

  it('publishes the management port only without TLS and only when someone is allowed to reach it', () => {
    expect(ec2().locals.get('publish_management')).toBe('${!local.tls && length(var.management_allowed_cidrs) > 0}');
    expect(String(ec2().locals.get('ports'))).toMatch(/local\.publish_management \? \[local\.management_port\] : \[\]/);
    const userData = String(ec2().locals.get('user_data'));
    expect(userData).toMatch(
      /management_bind_address\s*=\s*local\.publish_management \? "0\.0\.0\.0" : "127\.0\.0\.1"/,
    );
    expect(userData).toMatch(/management_allowed_ips\s*=\s*join\(" ", var\.management_allowed_cidrs\)/);
    for (const dir of ['infra/aws/modules/ec2', 'infra/aws/examples/single-vm'])
      expect(mod(dir).variables.management_allowed_cidrs?.default, dir).toEqual([]);
  });

  it('hands the dashboard the management URL, on the same site as DASHBOARD_ORIGIN', () => {
    const example = mod('infra/aws/examples/single-vm');
    expect(example.modules.ec2?.gateway_api_url).toBe('${local.management_public_url}');
    expect(example.locals.get('management_public_url')).toBe(
      '${local.tls ? "https://${var.management_domain}" : "http://${aws_eip.app.public_ip}:3002"}',
    );
    const tfvars = parseEnv(
      readRepoFile('infra/aws/examples/single-vm/terraform.tfvars.example').replace(/^\s*([a-z_]+)\s*=\s*/gm, '$1='),
    );
    const site = (host = '') => host.split('.').slice(-2).join('.');
    expect(site(tfvars.management_domain)).toBe(site(tfvars.dashboard_domain));
  });
});

describe('infra/aws/modules/ec2 user data', () => {
  const script = readFileSync(repoPath('infra/aws/modules/ec2/user-data.sh.tftpl'), 'utf8');

  it('installs Docker and the Compose plugin', () => {
    expect(script).toMatch(/apt-get install -y docker\.io docker-compose-v2/);
  });

  it('writes the secrets from SSM into a root-only env file', () => {
    expect(script).toMatch(/aws ssm get-parameters-by-path .*--with-decryption/);
    expect(script).toMatch(/umask 077/);
    expect(script).toMatch(/chmod 600 "\$tmp"/);
    expect(script).toMatch(/install -d -m 0700 \/etc\/api-gateway/);
    expect(script).toContain('GATEWAY_ENV_FILE=/etc/api-gateway/gateway.env');
  });

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

  it('starts deploy/docker-compose.prod.yml with the CloudWatch logging override, at every boot', () => {
    expect(script).toMatch(/docker compose -f docker-compose\.prod\.yml -f docker-compose\.awslogs\.yml/);
    expect(script).toMatch(/systemctl enable --now api-gateway\.service/);
  });

  it('requires IMDSv2 and keeps containers away from the metadata service', () => {
    const instance = mod('infra/aws/modules/ec2').resources.get('aws_instance.this') as any;
    expect(instance.metadata_options[0]).toMatchObject({ http_tokens: 'required', http_put_response_hop_limit: 1 });
    expect(instance.root_block_device[0].encrypted).toBe(true);
  });

  it.skipIf(!hasBash())('is valid shell once rendered', () => {
    const rendered = script.replaceAll('$${', '${').replace(/\$\{([a-z_0-9]+)\}/g, 'x');
    execFileSync('bash', ['-n'], { input: rendered });
  });
});

describe.skipIf(!hasTerraform())('terraform fmt', () => {
  it('leaves every file as it is', () => {
    const out = execFileSync('terraform', ['fmt', '-check', '-recursive', '-list=true', repoPath('infra')], {
      encoding: 'utf8',
      env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null' },
    });
    expect(out.trim()).toBe('');
  });
});

function hasBash(): boolean {
  return hasCommand('bash', ['--version']);
}

function hasTerraform(): boolean {
  return hasCommand('terraform', ['version']);
}

function hasCommand(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore', cwd: dirname(REPO_ROOT) });
    return true;
  } catch {
    return false;
  }
}
