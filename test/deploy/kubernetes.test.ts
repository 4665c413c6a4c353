/**
 * deploy/kubernetes/cronjob.yaml: parsed, and checked against what it must do and against the
 * image it runs (../docker/Dockerfile): one run at a time, the key as a file from a Secret where
 * the image looks for it, the state on a persistent volume where the image works, non-root.
 * No cluster answers here, so kubectl's own validation is not run.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../helpers/cli.js';
import { envOf, readDockerfile } from './dockerfile.js';

const FILE = join(ROOT, 'deploy/kubernetes/cronjob.yaml');
const text = readFileSync(FILE, 'utf8');

// A loose shape: the test reads it, and a missing field fails an expectation, not the compiler.
type Doc = any;
const docs = parseAllDocuments(text).map((d) => {
  if (d.errors.length > 0) throw new Error(`${FILE}: ${d.errors.map((e) => e.message).join('; ')}`);
  return d.toJS() as Doc;
});
const byKind = (kind: string): Doc => docs.find((d) => d?.kind === kind);
const cronJob = byKind('CronJob');
const pvc = byKind('PersistentVolumeClaim');
const job = cronJob?.spec?.jobTemplate?.spec;
const pod = job?.template?.spec;
const container = pod?.containers?.[0];
const image = readDockerfile(join(ROOT, 'deploy/docker/Dockerfile')).at(-1)!;
const imageEnv = envOf(image);
const volume = (name: string): Doc => pod?.volumes?.find((v: Doc) => v.name === name);
const mountAt = (path: string): Doc => container?.volumeMounts?.find((m: Doc) => m.mountPath === path);

describe('cronjob.yaml', () => {
  test('a batch/v1 CronJob and the claim it uses', () => {
    expect(docs.map((d) => d?.kind).sort()).toEqual(['CronJob', 'PersistentVolumeClaim']);
    expect(cronJob.apiVersion).toBe('batch/v1');
    expect(cronJob.spec.schedule.split(' ')).toHaveLength(5);
    expect(pod.containers).toHaveLength(1);
  });

  test('one run at a time; a failed run is not retried (it needs a person, and retries spend the budget)', () => {
    expect(cronJob.spec.concurrencyPolicy).toBe('Forbid');
    expect(job.backoffLimit).toBe(0);
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(35); // in-flight requests: --timeout 30 s
    expect(text).toMatch(/lock left by a pod/);
  });

  test('the key is a file from a Secret, mounted read-only where the image reads it; never an environment variable', () => {
    const keyFile = imageEnv.BREVO_API_KEY_FILE!;
    const mount = mountAt(dirname(keyFile));
    expect(mount?.readOnly).toBe(true);
    const secret = volume(mount.name)?.secret;
    expect(secret?.secretName).toBeTruthy();
    expect(secret.items.map((i: Doc) => i.path)).toContain(basename(keyFile));
    expect(secret.defaultMode & 0o007).toBe(0); // not world-readable
    const env: Doc[] = container.env ?? [];
    expect(env.filter((e) => e.name === 'BREVO_API_KEY' || e.valueFrom?.secretKeyRef !== undefined)).toEqual([]);
    expect(container.envFrom).toBeUndefined();
  });

  test('results, journal, lock and summary live on the persistent volume, at the folder the image works in', () => {
    const mount = mountAt(imageEnv.BREVO_INVITE_DIR!);
    expect(volume(mount.name)?.persistentVolumeClaim?.claimName).toBe(pvc.metadata.name);
    expect(mount.readOnly).not.toBe(true);
  });

  test('non-root as the image user, read-only root file system with a writable /tmp, no privileges', () => {
    const uid = Number(image.instructions.filter((i) => i.op === 'USER').at(-1)!.args.split(':')[0]);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: uid, fsGroup: expect.any(Number) });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(volume(mountAt('/tmp')?.name)?.emptyDir).toBeDefined();
  });
});
