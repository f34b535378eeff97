/**
 * Fidelity check with the real kubectl: the Kubernetes docs' "pi" Job goes through apply, get,
 * wait, logs and delete against the emulator exactly as against a cluster. Skipped (with a
 * message) only when no kubectl binary is installed.
 */

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PI_YAML } from '../support/fixtures.js';
import { piDigits } from '../support/kube/index.js';
import { type Harness, startHarness } from './helpers.js';

const run = promisify(execFile);

const KUBECTL = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));
if (!KUBECTL) console.warn('kubectl fidelity test skipped: no kubectl binary at /usr/bin or /usr/local/bin');

let h: Harness;
let manifest: string;

async function kubectl(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(KUBECTL!, ['--kubeconfig', h.kubeconfigPath, '--cache-dir', join(h.dir, 'cache'), ...args], {
    timeout: 40_000,
    env: { ...process.env, KUBECONFIG: h.kubeconfigPath, HOME: h.dir },
  });
}

describe.skipIf(!KUBECTL)('kubectl against the emulator', () => {
  beforeAll(async () => {
    h = await startHarness();
    manifest = join(h.dir, 'pi.yaml');
    await writeFile(manifest, PI_YAML);
  });

  afterAll(async () => {
    await h?.close();
  });

  it('applies, lists, waits for, reads the logs of and deletes the docs pi Job', async () => {
    const applied = await kubectl('apply', '-f', manifest);
    expect(applied.stdout.trim()).toBe('job.batch/pi created');
    const create = h.emu.requests.find((r) => r.method === 'POST');
    expect(create?.query).toMatchObject({
      fieldManager: 'kubectl-client-side-apply',
      fieldValidation: 'Strict',
    });

    const listed = await kubectl('get', 'jobs');
    expect(listed.stdout).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\n/);
    expect(listed.stdout).toMatch(/\npi\s+(Running|Complete)\s+[01]\/1\s/);

    const waited = await kubectl('wait', '--for=condition=complete', 'job/pi', '--timeout=30s');
    expect(waited.stdout.trim()).toBe('job.batch/pi condition met');
    expect((await kubectl('get', 'jobs')).stdout).toMatch(/\npi\s+Complete\s+1\/1\s/);

    const pods = await kubectl('get', 'pods', '-l', 'job-name=pi');
    expect(pods.stdout).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
    expect(pods.stdout).toMatch(/\npi-[a-z0-9]{5}\s+0\/1\s+Completed\s+0\s/);

    const logs = await kubectl('logs', 'job/pi');
    expect(logs.stdout).toBe(`${piDigits(2000)}\n`);
    expect(logs.stdout.startsWith('3.14159265358979323846')).toBe(true);

    const deleted = await kubectl('delete', 'job', 'pi');
    expect(deleted.stdout.trim()).toBe('job.batch "pi" deleted');
    const del = h.emu.requests.find((r) => r.method === 'DELETE');
    expect(del?.body).toMatchObject({ propagationPolicy: 'Background' });

    await h.emu.waitFor(() => h.emu.pods('default', 'pi').length === 0, { what: 'pi pods to be collected' });
    const after = await kubectl('get', 'pods', '-l', 'job-name=pi');
    expect(after.stdout).toBe('');
    expect(after.stderr.trim()).toBe('No resources found in default namespace.');
  });

  it('shows server-side validation errors as kubectl prints them', async () => {
    const bad = join(h.dir, 'bad.yaml');
    await writeFile(
      bad,
      PI_YAML.replace('restartPolicy: Never', 'restartPolicy: Always').replace('name: pi\n', 'name: bad\n'),
    );
    const err = await kubectl('apply', '-f', bad).catch((e: { stderr: string }) => e);
    expect('stderr' in err ? err.stderr : '').toContain(
      'The Job "bad" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
    );
  });
});
