/**
 * A lock beside the results file (`<results>.lock`), so two runs never write the same results at
 * once (cron starting while a long run is still going, two hosts sharing a folder). The path is
 * the results file's real path (symlinks resolved by the caller), so a run through a symlink and a
 * run through the target take the same lock.
 *
 * The holder refreshes the lock's modification time every HEARTBEAT_MS. A lock is stale, and is
 * taken over with a warning that says why, when provably no run holds it:
 * - it has not been refreshed for STALE_MS, whoever wrote it (another host, a container that is
 *   gone, a PID since reused by an unrelated process), and it is not refreshed either while this
 *   run watches it for two heartbeats and a margin (a host whose clock runs ahead sees every
 *   lock as old: watching, with its own clock, tells a live holder from a gone one);
 * - or it names this host (this boot, this PID namespace) and a PID that is not running, or this
 *   very process's PID, which is known at once. Written elsewhere (another container with the same
 *   hostname, a restarted container where the tool is PID 1 again), its PID proves nothing: it is
 *   watched like an old lock.
 * Taking over goes through a second file created exclusively (`<lock>.takeover`), so that two
 * runs that both find the same stale lock cannot both take it. The heartbeat also checks that the
 * lock is still this run's: if another run took it (this one was stopped for longer than STALE_MS),
 * `onLost` is called and the run stops.
 */
import { closeSync, fsyncSync, lstatSync, openSync, readFileSync, readlinkSync, rmdirSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { AppError } from '../errors.js';
import { isRunning } from './process-alive.js';

export const lockPath = (resultsPath: string) => `${resultsPath}.lock`;

export const hardLinksWarning = (resultsPath: string, names: number) =>
  `${resultsPath} has ${names} names (hard links): a run started through another of them is not kept out by this run's lock; use one name, or a symlink`;

export const HEARTBEAT_MS = 5_000;
export const STALE_MS = 60_000;
/** Far more than the lock's one line of JSON. */
const MAX_LOCK_BYTES = 64 * 1024;
/** A takeover file older than this was left by a run that died while taking over. */
const TAKEOVER_STALE_MS = 10_000;

export interface LockHolder {
  pid?: number;
  host?: string;
  /** Which running system and PID namespace the pid belongs to: a pid is only judged there. */
  system?: string;
  run_id?: string;
  started?: string;
}

/**
 * This machine's boot and this process's PID namespace. Two containers can share a hostname (host
 * networking) and not each other's pids, and two machines can share a hostname: a pid that "is not
 * running" proves nothing unless it was written by this very boot and namespace.
 */
function systemId(): string | undefined {
  try {
    return `${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}/${readlinkSync('/proc/self/ns/pid')}`;
  } catch {
    return undefined;
  }
}

export interface LockOptions {
  runId: string;
  now?: () => number;
  host?: string;
  pid?: number;
  system?: string;
  staleMs?: number;
  heartbeatMs?: number;
  /** Told when a stale lock is taken over, with why it was stale. */
  onTakeover?: (why: string) => void;
  /** Told when the lock turns out to be another run's (it was taken over while this run was stopped). */
  onLost?: () => void;
  /**
   * Told when the results file has other names (hard links): a run through another name takes
   * another lock, so it is not kept out. A symlink is followed; a hard link cannot be.
   */
  onHardLinks?: (names: number) => void;
  /** How long a lock stale by its age is watched for a refresh before it is taken over (tests shorten it). */
  watchMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface Lock {
  readonly path: string;
  /** Whether the lock is still this run's (read from the file: a run stopped for a while may have lost it). */
  isHeld(): boolean;
  /** Refreshes it now, between the heartbeats (after a long step). */
  refresh(): void;
  release(): void;
}

interface SeenLock {
  raw: string;
  holder: LockHolder;
  mtimeMs: number;
  /** Not a file any run writes (a symbolic link, a named pipe): nobody holds it. */
  foreign?: string | undefined;
  /** A folder (another tool's lock, say): judged by its age, and removed only when empty. */
  folder?: boolean | undefined;
}

/** The lock's content and age; undefined when it is gone. */
function readLock(path: string): SeenLock | undefined {
  try {
    const link = lstatSync(path);
    // No run writes a symbolic link (a dangling one could never be read, nor ever taken over), nor
    // a named pipe (reading one would wait for a writer forever).
    if (link.isSymbolicLink()) return { raw: `-> ${readlinkSync(path)}`, holder: {}, mtimeMs: link.mtimeMs, foreign: 'a symbolic link' };
    if (link.isDirectory()) return { raw: '(folder)', holder: {}, mtimeMs: link.mtimeMs, folder: true };
    if (!link.isFile()) return { raw: `(${link.mode})`, holder: {}, mtimeMs: link.mtimeMs, foreign: link.isFIFO() ? 'a named pipe' : link.isSocket() ? 'a socket' : 'a device' };
    // A lock this tool writes is a line of JSON; a file far larger names nobody and is judged by its age (read whole, it could not even be held in memory).
    if (link.size > MAX_LOCK_BYTES) return { raw: `(${link.size} bytes)`, holder: {}, mtimeMs: link.mtimeMs };
    const raw = readFileSync(path, 'utf8');
    let holder: LockHolder = {};
    try {
      const parsed: unknown = JSON.parse(raw);
      // Anything but an object (null, a number) names nobody: only its age can tell.
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) holder = parsed as LockHolder;
    } catch {
      // Cut short by a crash while it was written: only its age can tell.
    }
    return { raw, holder, mtimeMs: link.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Why the lock is not held any more, or undefined when it may be. `byAge`: judged by the age of
 * its last refresh alone, which another host's clock can mislead: it is then watched before it is
 * taken over.
 */
function staleness(lock: SeenLock, me: { host: string; pid: number; system: string | undefined }, now: number, staleMs: number): { why: string; byAge: boolean } | undefined {
  const { holder, mtimeMs } = lock;
  if (lock.foreign !== undefined) return { why: `it is ${lock.foreign}, which no run writes`, byAge: false };
  if (holder.host === me.host && me.system !== undefined && holder.system === me.system && typeof holder.pid === 'number') {
    if (holder.pid === me.pid) return { why: `it names this process's own pid ${holder.pid} on ${me.host}, so it was left by an earlier run (a restarted container)`, byAge: false };
    if (!isRunning(holder.pid)) return { why: `pid ${holder.pid} on ${me.host} is not running`, byAge: false };
  }
  const idle = now - mtimeMs;
  if (idle > staleMs) return { why: `not refreshed for ${Math.round(idle / 1000)} s (written by pid ${holder.pid ?? '?'} on ${holder.host ?? '?'})`, byAge: true };
  // Refreshed "in the future": written by a host whose clock runs ahead. Its age says nothing, so
  // it is watched like an old one: a live holder refreshes it meanwhile, a gone one does not.
  if (idle < -staleMs) return { why: `dated ${Math.round(-idle / 1000)} s ahead of this host's clock and not refreshed (written by pid ${holder.pid ?? '?'} on ${holder.host ?? '?'})`, byAge: true };
  return undefined;
}

function createExclusive(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Removes a stale lock, unless another run is taking it over at the same moment. */
function takeOver(path: string, seen: { raw: string; mtimeMs: number }, now: number, me: string): boolean {
  const guard = `${path}.takeover`;
  if (!createExclusive(guard, me)) {
    const age = (() => {
      try {
        return now - statSync(guard).mtimeMs;
      } catch {
        return 0;
      }
    })();
    if (age <= TAKEOVER_STALE_MS) return false;
    rmSync(guard, { force: true, recursive: true }); // whatever was left there (no run makes a folder of it)
    if (!createExclusive(guard, me)) return false;
  }
  try {
    const again = readLock(path);
    // Still the very lock judged stale (not one another run has just written): remove it.
    if (again !== undefined && (again.raw !== seen.raw || again.mtimeMs !== seen.mtimeMs)) return false;
    if (again?.folder === true) removeFolder(path);
    else rmSync(path, { force: true });
    return true;
  } finally {
    rmSync(guard, { force: true });
  }
}

/** A folder in the lock's place, stale by its age: removed if empty; one that holds files is left to a person. */
function removeFolder(path: string): void {
  try {
    rmdirSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new AppError('config', `${path} is a folder that holds files, where the results file's lock belongs: no run makes one; remove it, then run again`, { cause: err });
  }
}

function lockedError(resultsPath: string, path: string, holder: LockHolder): AppError {
  return new AppError(
    'locked',
    `another run (pid ${holder.pid ?? '?'} on ${holder.host ?? '?'}, started ${holder.started ?? '?'}) is writing ${resultsPath} and keeps its lock fresh; ` +
      `wait for it to finish (a lock that is not refreshed for ${STALE_MS / 1000} s is taken over by the next run). The lock: ${path}`,
  );
}

/**
 * A lock that looks stale by its age alone may belong to a live run on a host whose clock runs
 * behind ours: it is watched for two heartbeats and a margin, and taken over only if nobody
 * refreshed it meanwhile (a lock left by this host's dead process needs no watching).
 */
async function unrefreshed(path: string, seen: { mtimeMs: number; raw: string }, watchMs: number, sleep: (ms: number) => Promise<void>): Promise<boolean> {
  for (let waited = 0; waited < watchMs; waited += WATCH_STEP_MS) {
    await sleep(WATCH_STEP_MS);
    const now = readLock(path);
    if (now === undefined) return true; // released: the next attempt takes it
    if (now.mtimeMs !== seen.mtimeMs || now.raw !== seen.raw) return false;
  }
  return true;
}

const WATCH_STEP_MS = 500;
const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function acquireLock(resultsPath: string, options: LockOptions): Promise<Lock> {
  const path = lockPath(resultsPath);
  try {
    const names = statSync(resultsPath).nlink;
    if (names > 1) options.onHardLinks?.(names);
  } catch {
    // Not there yet: a new file has one name.
  }
  const now = options.now ?? Date.now;
  const me = { host: options.host ?? hostname(), pid: options.pid ?? process.pid, system: options.system ?? systemId() };
  const content = JSON.stringify({ pid: me.pid, host: me.host, system: me.system, run_id: options.runId, started: new Date(now()).toISOString() });
  const staleMs = options.staleMs ?? STALE_MS;
  // Two heartbeats and a margin: a holder whose event loop is busy a few seconds still shows a refresh.
  const watchMs = options.watchMs ?? 2 * (options.heartbeatMs ?? HEARTBEAT_MS) + 2000;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createExclusive(path, content)) return heldLock(path, content, options);
    const seen = readLock(path);
    if (seen === undefined) continue; // released in between: try again
    const stale = staleness(seen, me, now(), staleMs);
    if (stale === undefined) {
      if (seen.folder === true) throw new AppError('locked', `${path} is a folder, changed less than ${STALE_MS / 1000} s ago (another program's lock?): no run of this tool makes one; it is taken over once it is older, if empty`);
      throw lockedError(resultsPath, path, seen.holder);
    }
    if (stale.byAge && !(await unrefreshed(path, seen, watchMs, options.sleep ?? sleepMs))) throw lockedError(resultsPath, path, seen.holder);
    if (takeOver(path, seen, now(), content)) options.onTakeover?.(stale.why);
  }
  throw new AppError('locked', `another run is taking over the lock ${path} at this moment; try again in a minute`);
}

/** Locks this process holds, so that a signal that ends it at once can still release them. */
const held = new Set<Lock>();

/** Releases every lock this process holds (on a signal, just before the process exits). */
export function releaseHeldLocks(): void {
  for (const lock of [...held]) lock.release();
}

function heldLock(path: string, content: string, options: LockOptions): Lock {
  let released = false;
  const ours = () => readLock(path)?.raw === content;
  const beat = () => {
    try {
      if (!ours()) {
        clearInterval(timer);
        options.onLost?.();
        return;
      }
      const t = new Date((options.now ?? Date.now)());
      utimesSync(path, t, t);
    } catch {
      // A passing error (the disk, the network share): the next beat tries again.
    }
  };
  const timer = setInterval(beat, options.heartbeatMs ?? HEARTBEAT_MS);
  timer.unref();
  const lock: Lock = {
    path,
    refresh: () => {
      if (!released) beat();
    },
    isHeld: () => {
      try {
        return ours();
      } catch {
        return true; // a passing read error is not proof of a takeover
      }
    },
    release: () => {
      if (released) return;
      released = true;
      held.delete(lock);
      clearInterval(timer);
      try {
        if (ours()) rmSync(path, { force: true });
      } catch {
        // Nothing more can be done about it; the next run judges it stale.
      }
    },
  };
  held.add(lock);
  return lock;
}
