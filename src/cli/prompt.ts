/** The question before a real send at a terminal. `--yes` skips it; without a terminal nobody is asked. */
import { createInterface } from 'node:readline/promises';
import type { SendPlan } from '../run/send-run.js';
import type { CliIo } from './io.js';
import { planText } from './plan-text.js';

export async function confirmPlan(plan: SendPlan, io: Pick<CliIo, 'stdin' | 'stderr'>, now = Date.now()): Promise<boolean> {
  io.stderr.write(planText(plan, now));
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: false });
  try {
    const answer = await Promise.race([
      rl.question(`Send ${plan.toInvite} invitation${plan.toInvite === 1 ? '' : 's'}? [y/N] `),
      new Promise<string>((resolve) => rl.once('close', () => resolve(''))),
    ]);
    const yes = /^\s*y(es)?\s*$/i.test(answer);
    if (!yes) io.stderr.write('Nothing was sent.\n');
    return yes;
  } finally {
    rl.close();
  }
}
