/** Just enough of a Dockerfile reader for the deploy tests: instructions, stages, COPY sources. */
import { readFileSync } from 'node:fs';

export interface Instruction {
  line: number;
  op: string;
  args: string;
}

export interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Instructions grouped by stage; continuation lines joined, comments dropped. */
export function readDockerfile(path: string): Stage[] {
  const stages: Stage[] = [];
  let pending = '';
  let startLine = 0;
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      if (pending === '' && (raw.trim() === '' || raw.trim().startsWith('#'))) return;
      if (pending === '') startLine = i + 1;
      if (raw.trimEnd().endsWith('\\')) {
        pending += raw.trimEnd().slice(0, -1) + ' ';
        return;
      }
      const text = (pending + raw).trim();
      pending = '';
      const m = /^(\w+)\s+(.*)$/.exec(text);
      if (!m) throw new Error(`${path}:${startLine}: not an instruction: ${text}`);
      const instruction = { line: startLine, op: m[1]!.toUpperCase(), args: m[2]! };
      if (instruction.op === 'FROM') {
        const [from, as, name] = instruction.args.split(/\s+/);
        stages.push({ from: from!, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
      } else {
        const stage = stages.at(-1);
        if (!stage) throw new Error(`${path}:${startLine}: ${instruction.op} before FROM`);
        stage.instructions.push(instruction);
      }
    });
  return stages;
}

export interface Copy {
  line: number;
  from: string | undefined;
  sources: string[];
  destination: string;
}

/** A COPY's flags, sources and destination (the shell form; paths without spaces). */
export function copyOf(instruction: Instruction): Copy {
  const words = instruction.args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { line: instruction.line, from, sources: paths.slice(0, -1), destination: paths.at(-1)! };
}

/** ENV in both forms (ENV A=1 B=2, and the old ENV A 1), last one wins. */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.instructions.filter((x) => x.op === 'ENV')) {
    const pairs = [...i.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)];
    if (pairs.length === 0) {
      const [k, ...v] = i.args.split(/\s+/);
      env[k!] = v.join(' ');
    }
    for (const [, k, v] of pairs) env[k!] = v!.replace(/^"|"$/g, '');
  }
  return env;
}
