#!/usr/bin/env node
/**
 * The command's entry point, kept tiny on purpose. ESM links every static import before any code
 * runs, so on a Node older than `engines` a static import of the program would fail with a
 * SyntaxError or a stack trace before any check could speak. This file checks the version first,
 * then loads the program (run-main.ts, which owns signals and exit codes) dynamically. No
 * top-level await here either: very old Node versions cannot parse it.
 */
import { nodeVersionProblem } from './node-version.js';

const problem = nodeVersionProblem(process.versions.node);
if (problem !== null) {
  process.stderr.write(problem);
  process.exitCode = 2; // a configuration error, as usage errors are: nothing was done
} else {
  import('./run-main.js').catch((err: unknown) => {
    // The program could not be loaded (a broken install: a dependency missing): one sentence.
    const reason = err instanceof Error ? err.message : String(err);
    process.stderr.write(`brevo-invite could not start: ${reason.split('\n')[0]} (reinstall it, or run npm ci in a clone).\n`);
    process.exitCode = 70;
  });
}
