import { describe, expect, it } from 'vitest';
import {
  applyOverrides,
  jobbotSelector,
  kubernetesJobName,
  parseJobYaml,
  renderJob,
  renderYaml,
  sanitizeLabelValue,
  validateTemplate,
} from '../../src/domain/definition/index.js';
import { PI_TEMPLATE } from './fixtures.js';

const ADA = { id: 'U012AB3CD', name: 'Ada Lovelace (she/her) 🚀' };

describe('renderJob', () => {
  it('names, places and labels the Job and its pods', () => {
    const template = structuredClone(PI_TEMPLATE);
    template.metadata = { labels: { team: 'data' }, annotations: { owner: 'Data team' } };
    const job = renderJob(
      { name: 'pi', namespace: 'jobs', template, revision: 3 },
      { number: 42, dispatchedBy: ADA },
    );
    const labels = {
      'app.kubernetes.io/managed-by': 'jobbot',
      'jobbot.dev/definition': 'pi',
      'jobbot.dev/dispatch': '42',
    };
    expect(job).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'pi-42',
        namespace: 'jobs',
        labels: { team: 'data', ...labels },
        annotations: {
          owner: 'Data team',
          'jobbot.dev/dispatched-by-id': 'U012AB3CD',
          'jobbot.dev/dispatched-by-name': 'Ada Lovelace (she/her) 🚀',
          'jobbot.dev/definition-revision': '3',
        },
      },
      spec: {
        ...PI_TEMPLATE.spec,
        template: { ...PI_TEMPLATE.spec.template, metadata: { labels } },
      },
    });
    expect(validateTemplate(job)).toEqual([]);
    expect(jobbotSelector({ definition: 'pi', dispatch: 42 })).toBe(
      'app.kubernetes.io/managed-by=jobbot,jobbot.dev/definition=pi,jobbot.dev/dispatch=42',
    );
  });

  it("leaves the stored template alone and keeps Jobbot labels over the user's", () => {
    const template = structuredClone(PI_TEMPLATE);
    template.spec.template.metadata = { labels: { 'jobbot.dev/dispatch': 'forged', app: 'pi' } };
    const before = structuredClone(template);
    const job = renderJob({ name: 'pi', namespace: 'jobs', template }, { number: 1, dispatchedBy: ADA });
    expect(template).toEqual(before);
    expect(job.spec.template.metadata!.labels).toEqual({
      app: 'pi',
      'jobbot.dev/dispatch': '1',
      'app.kubernetes.io/managed-by': 'jobbot',
      'jobbot.dev/definition': 'pi',
    });
    expect(job.metadata.annotations).not.toHaveProperty('jobbot.dev/definition-revision');
  });

  it('applies overrides to one dispatch only', () => {
    const job = renderJob(
      { name: 'pi', namespace: 'jobs', template: PI_TEMPLATE },
      {
        number: 7,
        dispatchedBy: ADA,
        overrides: {
          image: 'perl:5.36',
          args: ['extra'],
          env: { DIGITS: '100' },
          parallelism: 2,
          activeDeadlineSeconds: 60,
        },
      },
    );
    const container = job.spec.template.spec.containers[0]!;
    expect(container).toMatchObject({
      image: 'perl:5.36',
      args: ['extra'],
      env: [{ name: 'DIGITS', value: '100' }],
    });
    expect(job.spec).toMatchObject({ parallelism: 2, activeDeadlineSeconds: 60, backoffLimit: 4 });
    expect(PI_TEMPLATE.spec.template.spec.containers[0]!.image).toBe('perl:5.34.0');
  });

  it('replaces a secret reference with a literal override and refuses an unknown container', () => {
    const template = structuredClone(PI_TEMPLATE);
    template.spec.template.spec.containers[0]!.env = [
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } },
    ];
    const applied = applyOverrides(template, { env: { TOKEN: 'test-token' } });
    expect('template' in applied && applied.template.spec.template.spec.containers[0]!.env).toEqual([
      { name: 'TOKEN', value: 'test-token' },
    ]);
    expect(applyOverrides(template, { container: 'web', image: 'x' })).toEqual({
      errors: [
        { path: 'container', message: 'There is no container "web" in this definition; choose one of: pi.' },
      ],
    });
    expect(() =>
      renderJob(
        { name: 'pi', namespace: 'jobs', template },
        { number: 1, dispatchedBy: ADA, overrides: { container: 'web', image: 'x' } },
      ),
    ).toThrow(/no container "web"/);
  });

  it('renders YAML that reads back as the same Job', () => {
    const job = renderJob(
      { name: 'pi', namespace: 'jobs', template: PI_TEMPLATE },
      { number: 3, dispatchedBy: ADA },
    );
    const text = renderYaml(job);
    expect(
      text.startsWith('apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: pi-3\n  namespace: jobs\n'),
    ).toBe(true);
    expect(text).toContain("jobbot.dev/dispatch: '3'");
    const parsed = parseJobYaml(text);
    expect(parsed.ok && parsed.name).toBe('pi-3');
  });
});

describe('names and label values', () => {
  it('builds Job names and refuses dispatch numbers it cannot name', () => {
    expect(kubernetesJobName('pi', 1)).toBe('pi-1');
    expect(() => kubernetesJobName('pi', 10_000_000_000)).toThrow(RangeError);
    expect(() => kubernetesJobName('pi', 1.5)).toThrow(RangeError);
  });

  it.each([
    ['pi', 'pi'],
    ['Ada Lovelace', 'Ada-Lovelace'],
    ['--weird__name--', 'weird__name'],
    ['ünïcode ✓', 'n-code'],
    ['x'.repeat(70), 'x'.repeat(63)],
    [`${'a'.repeat(62)}-b`, 'a'.repeat(62)],
    ['🚀', ''],
  ])('sanitizeLabelValue(%j) = %j', (text, label) => {
    expect(sanitizeLabelValue(text)).toBe(label);
  });
});
