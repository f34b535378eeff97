import { describe, expect, it } from 'vitest';
import {
  type FieldError,
  parseJobYaml,
  renderYaml,
  validateDefinition,
  withLines,
} from '../../src/domain/definition/index.js';
import { CTX, PI_TEMPLATE, PI_YAML } from './fixtures.js';

function parseErrors(text: string, opts?: { maxBytes?: number }): FieldError[] {
  const result = parseJobYaml(text, opts);
  if (result.ok) throw new Error('expected the YAML to be refused');
  return result.errors;
}

describe('parseJobYaml', () => {
  it('reads the Kubernetes docs "pi" Job, which then validates', () => {
    const result = parseJobYaml(PI_YAML);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.name).toBe('pi');
    expect(result.namespace).toBeUndefined();
    expect(result.manifest).toEqual(PI_TEMPLATE);
    const errors = validateDefinition(
      {
        name: result.name!,
        namespace: 'jobs',
        cluster: 'kind-jobbot',
        description: '',
        template: result.manifest,
      },
      CTX,
    );
    expect(errors).toEqual([]);
  });

  it('names the line and column of a YAML syntax error', () => {
    const errors = parseErrors('apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    spec: [oops\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/^YAML syntax error on line \d+, column \d+: /);
    expect(errors[0]!.line).toBe(6);

    const indent = parseErrors('kind: Job\nmetadata:\n  name: pi\n   namespace: jobs\n');
    expect(indent[0]).toMatchObject({ path: '', line: 4 });
    expect(indent[0]!.message).toContain('line 4');
  });

  it('refuses a Deployment, saying what it is and what is expected', () => {
    const errors = parseErrors('apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec: {}\n');
    expect(errors).toEqual([
      {
        path: 'kind',
        line: 2,
        message:
          'This is a Deployment (apps/v1); Jobbot needs a Job: apiVersion: batch/v1 and kind: Job. ' +
          'A Deployment keeps pods running; a Job runs them to completion.',
      },
    ]);
  });

  it('refuses a CronJob with a hint about jobTemplate', () => {
    const [error] = parseErrors('apiVersion: batch/v1\nkind: CronJob\nspec: {}\n');
    expect(error!.message).toContain('This is a CronJob (batch/v1); Jobbot needs a Job');
    expect(error!.message).toContain('spec.jobTemplate.spec');
  });

  it('refuses a Job with an old apiVersion', () => {
    const [error] = parseErrors('apiVersion: batch/v1beta1\nkind: Job\nspec: {}\n');
    expect(error).toMatchObject({ path: 'apiVersion', line: 1 });
    expect(error!.message).toBe('A Job\'s apiVersion must be batch/v1; not "batch/v1beta1".');
  });

  it('refuses two documents', () => {
    const errors = parseErrors(`${PI_YAML}---\n${PI_YAML}`);
    expect(errors).toEqual([
      { path: '', line: 15, message: 'The YAML holds 2 documents separated by ---; paste exactly one Job.' },
    ]);
  });

  it('ignores empty documents around the Job', () => {
    expect(parseJobYaml(`---\n${PI_YAML}---\n`).ok).toBe(true);
    expect(parseErrors('# nothing here\n')[0]!.message).toContain('The YAML is empty');
  });

  it('refuses an alias bomb without expanding it', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const next = String.fromCharCode(97 + i);
      levels.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const bomb = `apiVersion: batch/v1\nkind: Job\n${levels.join('\n')}\nspec: {}\n`;
    const started = Date.now();
    const errors = parseErrors(bomb);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('looks like an alias bomb');
  });

  it('refuses an alias that contains itself', () => {
    const [error] = parseErrors('apiVersion: batch/v1\nkind: Job\nspec: &s {loop: *s}\n');
    expect(error!.message).toContain('contains itself through an alias');
    expect(error!.path).toBe('spec.loop');
  });

  it('accepts modest aliases and un-shares them', () => {
    const yaml = PI_YAML.replace(
      'containers:',
      'containers:\n      - &main {name: main, image: busybox}',
    ).replace('restartPolicy: Never', 'restartPolicy: Never\n      initContainers: [*main]');
    const result = parseJobYaml(yaml);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const pod = result.manifest.spec.template.spec;
    expect(pod.initContainers![0]).toEqual(pod.containers[0]);
    expect(pod.initContainers![0]).not.toBe(pod.containers[0]);
  });

  it('refuses text over the size limit', () => {
    expect(parseErrors(PI_YAML, { maxBytes: 100 })).toEqual([
      {
        path: '',
        message:
          'The YAML is 257 bytes; Jobbot accepts at most 100 bytes. Remove comments and unused fields, or ' +
          'move large data into a ConfigMap.',
      },
    ]);
    const big = `${PI_YAML}# ${'x'.repeat(300 * 1024)}\n`;
    expect(parseErrors(big)[0]!.message).toMatch(/^The YAML is 301 KiB; Jobbot accepts at most 256 KiB\./);
  });

  it('keeps dates and versions as text, as Kubernetes does', () => {
    const result = parseJobYaml(
      PI_YAML.replace(
        'image: perl:5.34.0',
        'image: perl:5.34.0\n        env: [{name: SINCE, value: 2024-01-01}]',
      ),
    );
    expect(result.ok && result.manifest.spec.template.spec.containers[0]!.env).toEqual([
      { name: 'SINCE', value: '2024-01-01' },
    ]);
  });

  it('drops status and what the API server wrote, so kubectl get -o yaml output can be pasted', () => {
    const fromCluster = `apiVersion: batch/v1
kind: Job
metadata:
  creationTimestamp: "2024-05-01T10:00:00Z"
  labels:
    team: data
    batch.kubernetes.io/job-name: pi
  name: pi
  namespace: jobs
  resourceVersion: "1234"
  uid: 0d3b2c1a-0000-4000-8000-000000000000
spec:
  backoffLimit: 4
  completions: 1
  selector:
    matchLabels:
      batch.kubernetes.io/controller-uid: 0d3b2c1a-0000-4000-8000-000000000000
  template:
    metadata:
      creationTimestamp: null
      labels:
        batch.kubernetes.io/controller-uid: 0d3b2c1a-0000-4000-8000-000000000000
        batch.kubernetes.io/job-name: pi
        controller-uid: 0d3b2c1a-0000-4000-8000-000000000000
        job-name: pi
        team: data
    spec:
      containers:
      - name: pi
        image: perl:5.34.0
        resources:
          limits: {cpu: 500m}
      restartPolicy: Never
      serviceAccountName: runner
status:
  succeeded: 1
`;
    const result = parseJobYaml(fromCluster);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result).toMatchObject({ name: 'pi', namespace: 'jobs' });
    expect(result.manifest).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { labels: { team: 'data', 'batch.kubernetes.io/job-name': 'pi' } },
      spec: {
        backoffLimit: 4,
        completions: 1,
        template: {
          metadata: { labels: { team: 'data' } },
          spec: {
            containers: [{ name: 'pi', image: 'perl:5.34.0', resources: { limits: { cpu: '500m' } } }],
            restartPolicy: 'Never',
            serviceAccountName: 'runner',
          },
        },
      },
    });
  });

  it('gives validation errors the line of the offending field', () => {
    const yaml = `apiVersion: batch/v1
kind: Job
spec:
  completions: -1
  template:
    spec:
      restartPolicy: Always
      containers:
      - name: pi
        image: perl:5.34.0
      - name: Web
        ports:
        - containerPort: 70000
`;
    const result = parseJobYaml(yaml);
    if (!result.ok) throw new Error('expected to parse');
    const errors = withLines(
      validateDefinition({ ...base(), template: result.manifest }, CTX),
      result.lineOf,
    );
    const byPath = Object.fromEntries(errors.map((e) => [e.path, e.line]));
    expect(byPath).toEqual({
      'spec.completions': 4,
      'spec.template.spec.restartPolicy': 7,
      'spec.template.spec.containers[1].name': 11,
      'spec.template.spec.containers[1].image': 11,
      'spec.template.spec.containers[1].ports[0].containerPort': 13,
    });
  });
});

describe('renderYaml', () => {
  it('writes apiVersion, kind, metadata, spec first and names before other fields', () => {
    const text = renderYaml({
      spec: { template: { spec: { containers: [{ image: 'busybox', args: ['a'], name: 'main' }] } } },
      metadata: { labels: { dispatch: '7' }, name: 'x-7' },
      kind: 'Job',
      apiVersion: 'batch/v1',
    });
    expect(text).toBe(`apiVersion: batch/v1
kind: Job
metadata:
  name: x-7
  labels:
    dispatch: '7'
spec:
  template:
    spec:
      containers:
        - name: main
          image: busybox
          args:
            - a
`);
  });

  it('round-trips through parseJobYaml', () => {
    const result = parseJobYaml(renderYaml(PI_TEMPLATE));
    expect(result.ok && result.manifest).toEqual(PI_TEMPLATE);
  });
});

function base() {
  return { name: 'pi', namespace: 'jobs', cluster: 'kind-jobbot', description: '' };
}
