/** The question before a real send at a terminal. `--yes` skips it; without a terminal nobody is asked. */
import { createInterface } from 'node:readline/promises';
import type { SendPlan } from '../run/send-run.js';
import type { CliIo } from './io.js';
import { planText } from './plan-text.js';

export async function confirmPlan(plan: SendPlan, io: Pick<CliIo, 'stdin' | 'stderr'>, now = Date.now()): Promise<boolean> {
  io.stderr.write(planText(plan, now));
  // The interface exists before the question is written, so an answer typed (or piped) early is kept.
  const rl = createInterface({ input: io.stdin, terminal: false });
  try {
    io.stderr.write(`Send ${plan.toInvite} invitation${plan.toInvite === 1 ? '' : 's'}? [y/N] `);
    const first = await rl[Symbol.asyncIterator]().next();
    const yes = first.done !== true && /^\s*y(es)?\s*$/i.test(first.value);
    if (!yes) io.stderr.write('Nothing was sent.\n');
    return yes;
  } finally {
    rl.close();
  }
}
