import { DockerfileParser, type Instruction } from 'dockerfile-ast';

/** One instruction, reduced to what the checks and the replay need. */
export interface DockerInstruction {
  keyword: string;
  /** 1-based line of the instruction in the Dockerfile. */
  line: number;
  flags: Record<string, string | null>;
  /** Arguments after the flags, continuation lines joined (shell form) or the JSON array (exec form). */
  text: string;
  /** The exec form's array, when the instruction used one. */
  exec: string[] | null;
  /** ENV / ARG / LABEL key-value pairs. */
  properties: [string, string | null][];
}

export interface DockerStage {
  /** The `AS` name, or the stage's index as a string. */
  name: string;
  /** The image or earlier stage it starts from. */
  from: string;
  instructions: DockerInstruction[];
}

export interface ParsedDockerfile {
  stages: DockerStage[];
  /** The default build target: the last stage. */
  final: DockerStage;
}

function toInstruction(ins: Instruction): DockerInstruction {
  const withFlags = ins as Instruction & { getFlags?: () => { getName(): string; getValue(): string | null }[] };
  const flags = Object.fromEntries((withFlags.getFlags?.() ?? []).map((f) => [f.getName(), f.getValue()]));
  const withJson = ins as Instruction & { getJSONStrings?: () => { getJSONValue(): string }[] };
  const jsonStrings = withJson.getJSONStrings?.() ?? [];
  const withProps = ins as Instruction & { getProperties?: () => { getName(): string; getValue(): string | null }[] };
  const properties = (withProps.getProperties?.() ?? []).map(
    (p) => [p.getName(), p.getValue()] as [string, string | null],
  );
  const text = ins.getArgumentsContent() ?? '';
  return {
    keyword: ins.getKeyword(),
    line: ins.getRange().start.line + 1,
    flags,
    text: text.trim(),
    exec: jsonStrings.length > 0 ? jsonStrings.map((j) => j.getJSONValue()) : null,
    properties,
  };
}

export function parseDockerfile(source: string): ParsedDockerfile {
  const dockerfile = DockerfileParser.parse(source);
  const stages: DockerStage[] = [];
  for (const ins of dockerfile.getInstructions()) {
    const keyword = ins.getKeyword();
    if (keyword === 'FROM') {
      const args = ins.getArguments().map((a) => a.getValue());
      const asIndex = args.findIndex((a) => a.toUpperCase() === 'AS');
      stages.push({
        name: asIndex >= 0 ? (args[asIndex + 1] ?? String(stages.length)) : String(stages.length),
        from: args.find((a) => !a.startsWith('--')) ?? '',
        instructions: [],
      });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${keyword} before the first FROM`);
    stage.instructions.push(toInstruction(ins));
  }
  const final = stages.at(-1);
  if (!final) throw new Error('no FROM in Dockerfile');
  return { stages, final };
}

/** The argv of a HEALTHCHECK or CMD: the exec form as is, the shell form through /bin/sh -c. */
export function commandOf(instruction: DockerInstruction): string[] {
  if (instruction.keyword === 'HEALTHCHECK') {
    const rest = instruction.text.replace(/^CMD\s+/i, '');
    if (rest.startsWith('[')) return JSON.parse(rest) as string[];
    return ['/bin/sh', '-c', rest];
  }
  if (instruction.exec) return instruction.exec;
  return ['/bin/sh', '-c', instruction.text];
}

/** COPY sources and destination, with `--from` when it copies from a stage. */
export function copyPaths(instruction: DockerInstruction): { from: string | null; sources: string[]; dest: string } {
  const parts = instruction.exec ?? instruction.text.split(/\s+/).filter(Boolean);
  const dest = parts.at(-1);
  if (!dest || parts.length < 2) throw new Error(`COPY on line ${instruction.line} needs a source and a destination`);
  return { from: instruction.flags.from ?? null, sources: parts.slice(0, -1), dest };
}

/** The last instruction of a kind in a stage (Docker applies only the last CMD/HEALTHCHECK/USER). */
export function lastOf(stage: DockerStage, keyword: string): DockerInstruction | undefined {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1);
}
