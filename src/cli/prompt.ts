/** The question before a real send at a terminal. `--yes` skips it; without a terminal nobody is asked. */
import { createInterface } from 'node:readline/promises';
import type { SendPlan } from '../run/ports.js';
import { foldToWidth } from './fold.js';
import type { CliIo } from './io.js';
import { planQuestion, planText } from './plan-text.js';

export async function confirmPlan(plan: SendPlan, io: Pick<CliIo, 'stdin' | 'stderr'>, now = Date.now(), signal?: AbortSignal): Promise<boolean> {
  io.stderr.write(io.stderr.isTTY === true ? foldToWidth(planText(plan, now), io.stderr.columns) : planText(plan, now));
  // The interface exists before the question is written, so an answer typed (or piped) early is kept.
  const rl = createInterface({ input: io.stdin, terminal: false });
  // Ctrl+C at the question closes it at once (an open question would keep the process waiting).
  signal?.addEventListener(
    'abort',
    () => {
      io.stderr.write('\n'); // the line after "^C"
      rl.close();
    },
    { once: true },
  );
  try {
    io.stderr.write(`${planQuestion(plan)} [y/N] `);
    const first = await rl[Symbol.asyncIterator]().next();
    return first.done !== true && /^\s*y(es)?\s*$/i.test(first.value);
  } finally {
    rl.close();
  }
}
