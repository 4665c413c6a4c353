/**
 * Every option of every command, in one place: defaults, the environment variable that can set it,
 * and one function per command that returns a fully filled, checked options object. Flags win over
 * the environment, which wins over `.env`, which wins over the defaults. Values are checked with
 * zod; a bad one is a usage error that names the flag, the value and what is expected.
 */
import * as z from 'zod';
import { usageError } from '../errors.js';
import { parseDuration } from '../duration.js';
import { delimiterFromName, type Delimiter } from '../read/delimiter.js';
import { encodingFromName, type Encoding } from '../read/encoding.js';
import { DEFAULT_MAX_PRUNE, parseMaxPrune, type MaxPrune } from '../run/prune.js';

export const DEFAULTS = {
  concurrency: 4,
  /** Client-side ceiling in requests per second; 0 = none (the rate-limit headers govern). */
  ratePerSecond: 0,
  maxRetries: 5,
  timeoutMs: 30_000,
  /** Brevo's window is an hour: by default a run at a terminal waits it out. */
  maxWaitMs: 60 * 60_000,
  /**
   * After a request with no clear answer (lost, or a 5xx), how long Brevo is given to record it,
   * counted from the end of --timeout, before its users list is believed when it says "not there".
   */
  settleGraceMs: 30_000,
  /** --resend-pending leaves alone an invitation this tool sent more recently than this. */
  resendAfterMs: 24 * 60 * 60_000,
  maxRecordBytes: 64 * 1024,
  baseUrl: 'https://api.brevo.com/v3',
  /** JSON logs (cron) say what each row did; at a terminal the progress bar does, so only warnings. */
  logLevel: { json: 'info', pretty: 'warn' },
} as const;

/** Option name (as in the flag) -> environment variable. */
export const ENV_NAMES = {
  concurrency: 'BREVO_CONCURRENCY',
  rate: 'BREVO_RATE',
  maxRetries: 'BREVO_MAX_RETRIES',
  timeout: 'BREVO_TIMEOUT',
  maxWait: 'BREVO_MAX_WAIT',
  limit: 'BREVO_LIMIT',
  resume: 'BREVO_RESUME',
  skipExisting: 'BREVO_SKIP_EXISTING',
  yes: 'BREVO_YES',
  roles: 'BREVO_ROLES',
  delimiter: 'BREVO_DELIMITER',
  encoding: 'BREVO_ENCODING',
  maxRecordSize: 'BREVO_MAX_RECORD_SIZE',
  logLevel: 'BREVO_LOG_LEVEL',
  logFormat: 'BREVO_LOG_FORMAT',
  summaryJson: 'BREVO_SUMMARY_JSON',
  baseUrl: 'BREVO_BASE_URL',
  apiKeyFile: 'BREVO_API_KEY_FILE',
  update: 'BREVO_UPDATE',
  resendPending: 'BREVO_RESEND_PENDING',
  resendAfter: 'BREVO_RESEND_AFTER',
  reinvite: 'BREVO_REINVITE',
  settleGrace: 'BREVO_SETTLE_GRACE',
  prune: 'BREVO_PRUNE',
  maxPrune: 'BREVO_MAX_PRUNE',
  logEmails: 'BREVO_LOG_EMAILS',
} as const;

export type OptionName = keyof typeof ENV_NAMES;
export const API_KEY_ENV = 'BREVO_API_KEY';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'pretty';
/** How emails appear in the logs: as they are, as a short hash (to follow a row without the address), or not at all. */
export type LogEmails = 'yes' | 'hash' | 'no';

/** Raw values as they arrive from commander (strings, or booleans for switches). */
export type RawFlags = Partial<Record<OptionName | 'output' | 'dryRun' | 'json' | 'results' | 'revoke', string | boolean | undefined>>;
export type Env = Record<string, string | undefined>;

const flagName = (name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

const TRUE = new Set(['1', 'true', 'yes', 'y', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'n', 'off']);

const intIn = (min: number, max: number) =>
  z.string().trim().regex(/^\d+$/, `a whole number from ${min} to ${max}`).transform(Number).pipe(z.number().min(min, `at least ${min}`).max(max, `at most ${max}`));

const positiveNumber = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, 'a number of requests per second, such as 2 or 0.5 (0 for no ceiling)')
  .transform(Number);

/** A duration; `bareUnitMs` is what a bare number counts in (seconds for --max-wait, ms for --timeout). */
const duration = (what: string, bareUnitMs: number) =>
  z.string().transform((v, ctx) => {
    const ms = parseDuration(v, bareUnitMs);
    if (ms === undefined) ctx.addIssue({ code: 'custom', message: what });
    return ms ?? 0;
  });

const switchValue = z.union([z.boolean(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'boolean') return v;
  const t = v.trim().toLowerCase();
  if (TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  ctx.addIssue({ code: 'custom', message: 'true or false' });
  return false;
});

const delimiterValue = z.string().transform((v, ctx) => {
  const d = delimiterFromName(v);
  if (d === undefined) ctx.addIssue({ code: 'custom', message: 'one of , ; tab |' });
  return d as Delimiter;
});

const encodingValue = z.string().transform((v, ctx) => {
  const e = encodingFromName(v);
  if (e === undefined) ctx.addIssue({ code: 'custom', message: 'one of utf-8, utf-16le, utf-16be, windows-1252' });
  return e as Encoding;
});

const byteSize = z.string().transform((v, ctx) => {
  const m = /^\s*(\d+)\s*(b|k|kb|kib|m|mb|mib)?\s*$/i.exec(v);
  const unit = (m?.[2] ?? 'b').toLowerCase();
  const bytes = m === null ? NaN : Number(m[1]) * (unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1);
  if (!(bytes >= 1024 && bytes <= 64 * 1024 * 1024)) ctx.addIssue({ code: 'custom', message: 'a size from 1KiB to 64MiB, such as 64KiB' });
  return bytes;
});

const readSchema = {
  roles: z.string().min(1).optional(),
  delimiter: delimiterValue.optional(),
  encoding: encodingValue.optional(),
  maxRecordSize: byteSize.optional(),
  logLevel: z.enum(LOG_LEVELS, { error: `one of ${LOG_LEVELS.join(', ')}` }).optional(),
  logFormat: z.enum(['json', 'pretty'], { error: 'json or pretty' }).optional(),
  summaryJson: z.string().min(1).optional(),
  logEmails: z
    .union([z.boolean(), z.string()])
    .transform((v, ctx): LogEmails => {
      const t = typeof v === 'boolean' ? String(v) : v.trim().toLowerCase();
      if (t === 'hash') return 'hash';
      if (TRUE.has(t)) return 'yes';
      if (FALSE.has(t)) return 'no';
      ctx.addIssue({ code: 'custom', message: 'true, false or hash' });
      return 'yes';
    })
    .optional(),
};

const sendSchema = z.object({
  ...readSchema,
  concurrency: intIn(1, 64).optional(),
  rate: positiveNumber.optional(),
  maxRetries: intIn(0, 20).optional(),
  timeout: duration('milliseconds (30000) or a duration such as 30s', 1)
    .pipe(z.number().min(100, 'at least 100 ms'))
    .optional(),
  maxWait: duration('a duration such as 30s, 10m or 1h (a bare number is seconds)', 1000).optional(),
  limit: intIn(1, 10_000_000).optional(),
  resume: switchValue.optional(),
  skipExisting: switchValue.optional(),
  yes: switchValue.optional(),
  baseUrl: z.string().min(1).optional(),
  apiKeyFile: z.string().min(1).optional(),
  update: switchValue.optional(),
  resendPending: switchValue.optional(),
  resendAfter: duration('a duration such as 1d, 12h or 0 (a bare number is seconds)', 1000).optional(),
  reinvite: switchValue.optional(),
  settleGrace: duration('a duration such as 30s (a bare number is seconds)', 1000).optional(),
  prune: switchValue.optional(),
  maxPrune: z
    .string()
    .transform((v, ctx) => {
      const max = parseMaxPrune(v);
      if (max === undefined) ctx.addIssue({ code: 'custom', message: 'a number of people (5) or a share of the account (10%)' });
      return max ?? DEFAULT_MAX_PRUNE;
    })
    .optional(),
});

/** Reads each option from the flags, else the environment; returns raw values for zod. */
function gather(names: readonly OptionName[], flags: RawFlags, env: Env): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const name of names) {
    const flag = flags[name];
    const fromEnv = env[ENV_NAMES[name]];
    if (flag !== undefined) out[name] = flag;
    else if (fromEnv !== undefined && fromEnv !== '') out[name] = fromEnv;
  }
  return out;
}

function parseWith<T extends z.ZodType>(schema: T, raw: Record<string, string | boolean>, flags: RawFlags): z.output<T> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const name = String(issue.path[0]) as OptionName;
  const source = flags[name] !== undefined ? flagName(name) : ENV_NAMES[name];
  const value = raw[name];
  throw usageError(`invalid ${source}: expected ${issue.message}, got ${JSON.stringify(value)}`);
}

export interface CommonOptions {
  rolesFile?: string | undefined;
  /** Where the roles file was named: --roles, or BREVO_ROLES (for messages). */
  rolesFrom?: string | undefined;
  delimiter?: Delimiter | undefined;
  encoding?: Encoding | undefined;
  maxRecordBytes: number;
  /** Undefined: the default of the log format (see DEFAULTS.logLevel). */
  logLevel?: LogLevel | undefined;
  logFormat?: LogFormat | undefined;
  summaryJson?: string | undefined;
  logEmails: LogEmails;
}

export interface SendOptions extends CommonOptions {
  concurrency: number;
  ratePerSecond: number;
  maxRetries: number;
  timeoutMs: number;
  maxWaitMs: number;
  limit?: number | undefined;
  resume: boolean;
  skipExisting: boolean;
  yes: boolean;
  baseUrl: string;
  apiKeyFile?: string | undefined;
  update: boolean;
  resendPending: boolean;
  resendAfterMs: number;
  reinvite: boolean;
  settleGraceMs: number;
  prune: boolean;
  maxPrune: MaxPrune;
}

const READ_NAMES: OptionName[] = ['roles', 'delimiter', 'encoding', 'maxRecordSize', 'logLevel', 'logFormat', 'summaryJson', 'logEmails'];
const SEND_NAMES: OptionName[] = [
  ...READ_NAMES,
  ...(['concurrency', 'rate', 'maxRetries', 'timeout', 'maxWait', 'limit', 'resume', 'skipExisting', 'yes', 'baseUrl', 'apiKeyFile', 'update', 'resendPending', 'resendAfter', 'reinvite', 'settleGrace', 'prune', 'maxPrune'] as const),
];

function common(o: z.output<z.ZodObject<typeof readSchema>>, flags: RawFlags): CommonOptions {
  return {
    rolesFile: o.roles,
    rolesFrom: flags.roles !== undefined ? '--roles' : ENV_NAMES.roles,
    delimiter: o.delimiter,
    encoding: o.encoding,
    maxRecordBytes: o.maxRecordSize ?? DEFAULTS.maxRecordBytes,
    logLevel: o.logLevel,
    logFormat: o.logFormat,
    summaryJson: o.summaryJson,
    logEmails: o.logEmails ?? 'yes',
  };
}

export function resolveValidateOptions(flags: RawFlags, env: Env): CommonOptions {
  return common(parseWith(z.object(readSchema), gather(READ_NAMES, flags, env), flags), flags);
}

export function resolveSendOptions(flags: RawFlags, env: Env): SendOptions {
  const o = parseWith(sendSchema, gather(SEND_NAMES, flags, env), flags);
  return {
    ...common(o, flags),
    concurrency: o.concurrency ?? DEFAULTS.concurrency,
    ratePerSecond: o.rate ?? DEFAULTS.ratePerSecond,
    maxRetries: o.maxRetries ?? DEFAULTS.maxRetries,
    timeoutMs: o.timeout ?? DEFAULTS.timeoutMs,
    maxWaitMs: o.maxWait ?? DEFAULTS.maxWaitMs,
    limit: o.limit,
    resume: o.resume ?? false,
    skipExisting: o.skipExisting ?? true,
    yes: o.yes ?? false,
    baseUrl: o.baseUrl ?? DEFAULTS.baseUrl,
    apiKeyFile: o.apiKeyFile,
    update: o.update ?? false,
    resendPending: o.resendPending ?? false,
    resendAfterMs: o.resendAfter ?? DEFAULTS.resendAfterMs,
    reinvite: o.reinvite ?? false,
    settleGraceMs: o.settleGrace ?? DEFAULTS.settleGraceMs,
    prune: o.prune ?? false,
    maxPrune: o.maxPrune ?? DEFAULT_MAX_PRUNE,
  };
}
