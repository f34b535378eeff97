import { describe, expect, it } from 'vitest';
import {
  type FieldError,
  type JobTemplate,
  kubernetesJobName,
  MAX_DEFINITION_NAME,
  validateDefinition,
  validateTemplate,
} from '../../src/domain/definition/index.js';
import { CTX, definition, PI_TEMPLATE } from './fixtures.js';

/** The pi template with its pod spec changed by `edit`. */
function withPod(edit: (pod: Record<string, unknown>) => void): JobTemplate {
  const template = structuredClone(PI_TEMPLATE);
  edit(template.spec.template.spec as Record<string, unknown>);
  return template;
}

function templateErrors(template: unknown): FieldError[] {
  return validateTemplate(template);
}

describe('validateDefinition', () => {
  it('accepts the pi Job', () => {
    expect(validateDefinition(definition(), CTX)).toEqual([]);
  });

  it('refuses an upper-case definition name and suggests one', () => {
    expect(validateDefinition(definition({ name: 'Nightly_Report' }), CTX)).toEqual([
      {
        path: 'name',
        message:
          'Definition name "Nightly_Report" must be lower case letters, digits and \'-\', starting and ending ' +
          'with a letter or digit (DNS-1123 label). Try "nightly-report".',
      },
    ]);
  });

  it('refuses a name too long for <name>-<10-digit dispatch number> to fit in 63 characters', () => {
    expect(MAX_DEFINITION_NAME).toBe(52);
    const longest = 'a'.repeat(MAX_DEFINITION_NAME);
    expect(validateDefinition(definition({ name: longest }), CTX)).toEqual([]);
    expect(kubernetesJobName(longest, 9_999_999_999)).toHaveLength(63);

    const errors = validateDefinition(definition({ name: `${longest}b` }), CTX);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.path).toBe('name');
    expect(errors[0]!.message).toBe(
      `Definition name "${longest}b" is 53 characters long; the limit is 52, so that its Job names (the ` +
        "name, '-' and a dispatch number of up to 10 digits) fit in Kubernetes' 63 characters.",
    );
  });

  it('refuses an unknown cluster, suggesting the closest', () => {
    expect(validateDefinition(definition({ cluster: 'prdo' }), CTX)).toEqual([
      {
        path: 'cluster',
        message: 'Unknown cluster "prdo"; choose one of: kind-jobbot, prod. Did you mean "prod"?',
      },
    ]);
  });

  it('refuses a namespace the cluster does not allow', () => {
    expect(validateDefinition(definition({ cluster: 'prod', namespace: 'batch' }), CTX)).toEqual([
      {
        path: 'namespace',
        message: 'Namespace "batch" is not allowed in cluster "prod"; choose one of: jobs.',
      },
    ]);
  });

  it('refuses a YAML namespace that differs from the chosen one', () => {
    expect(validateDefinition(definition({ yamlNamespace: 'default' }), CTX)).toEqual([
      {
        path: 'metadata.namespace',
        message:
          'The YAML says namespace "default" but the definition runs in "jobs": remove metadata.namespace ' +
          'from the YAML or choose namespace "default".',
      },
    ]);
    expect(validateDefinition(definition({ yamlNamespace: 'jobs' }), CTX)).toEqual([]);
  });

  it('refuses a description over 500 characters', () => {
    expect(validateDefinition(definition({ description: 'x'.repeat(501) }), CTX)).toEqual([
      { path: 'description', message: 'The description is 501 characters long; the limit is 500.' },
    ]);
  });

  it('collects every problem, not just the first', () => {
    const errors = validateDefinition(
      definition({
        name: 'Bad',
        cluster: 'nowhere',
        template: withPod((pod) => {
          pod.restartPolicy = 'Always';
          pod.containers = [{ name: 'pi' }, { name: 'pi', image: 'busybox' }];
        }),
      }),
      CTX,
    );
    expect(errors.map((e) => e.path)).toEqual([
      'name',
      'cluster',
      'spec.template.spec.restartPolicy',
      'spec.template.spec.containers[0].image',
      'spec.template.spec.containers[1].name',
    ]);
  });
});

describe('validateTemplate', () => {
  it('refuses restartPolicy Always', () => {
    expect(templateErrors(withPod((pod) => (pod.restartPolicy = 'Always')))).toEqual([
      {
        path: 'spec.template.spec.restartPolicy',
        message:
          'restartPolicy Always is not allowed for a Job: use Never (a failed pod is replaced by a new pod) ' +
          'or OnFailure (the container restarts in the same pod).',
      },
    ]);
  });

  it('requires restartPolicy, as the API server does', () => {
    const [error] = templateErrors(withPod((pod) => delete pod.restartPolicy));
    expect(error).toMatchObject({ path: 'spec.template.spec.restartPolicy' });
    expect(error!.message).toMatch(/^Set restartPolicy to Never or OnFailure/);
  });

  it('refuses a container without an image', () => {
    expect(templateErrors(withPod((pod) => (pod.containers = [{ name: 'pi' }])))).toEqual([
      {
        path: 'spec.template.spec.containers[0].image',
        message: 'The container "pi" needs an image, e.g. perl:5.34.0 or ghcr.io/acme/tool:1.2.',
      },
    ]);
    const [spaced] = templateErrors(withPod((pod) => (pod.containers = [{ name: 'pi', image: 'perl 5' }])));
    expect(spaced!.message).toBe('The image of the container "pi" must not contain spaces: "perl 5".');
  });

  it('refuses a Job without containers', () => {
    expect(templateErrors(withPod((pod) => (pod.containers = [])))).toEqual([
      {
        path: 'spec.template.spec.containers',
        message: 'The Job needs at least one container with a name and an image.',
      },
    ]);
  });

  it('refuses a container name that is not a DNS-1123 label', () => {
    const errors = templateErrors(withPod((pod) => (pod.containers = [{ name: 'Web', image: 'nginx' }])));
    expect(errors).toEqual([
      {
        path: 'spec.template.spec.containers[0].name',
        message:
          'Container name "Web" must be lower case letters, digits and \'-\', starting and ending with a letter ' +
          'or digit (DNS-1123 label). Try "web".',
      },
    ]);
  });

  it('refuses duplicate container names, across init containers too', () => {
    const errors = templateErrors(
      withPod((pod) => {
        pod.containers = [
          { name: 'main', image: 'busybox' },
          { name: 'main', image: 'busybox' },
        ];
        pod.initContainers = [{ name: 'main', image: 'busybox' }];
      }),
    );
    expect(errors).toEqual([
      {
        path: 'spec.template.spec.containers[1].name',
        message:
          'Container name "main" is used twice (containers[0] and containers[1]); each container and init ' +
          'container needs its own name.',
      },
      {
        path: 'spec.template.spec.initContainers[0].name',
        message:
          'Container name "main" is used twice (containers[0] and initContainers[0]); each container and init ' +
          'container needs its own name.',
      },
    ]);
  });

  it('refuses negative completions', () => {
    const template = structuredClone(PI_TEMPLATE);
    template.spec.completions = -1;
    expect(templateErrors(template)).toEqual([
      {
        path: 'spec.completions',
        message: 'completions must be a whole number, 0 or more (how many pods must succeed); found -1.',
      },
    ]);
  });

  it('refuses activeDeadlineSeconds 0', () => {
    const template = structuredClone(PI_TEMPLATE);
    template.spec.activeDeadlineSeconds = 0;
    expect(templateErrors(template)).toEqual([
      {
        path: 'spec.activeDeadlineSeconds',
        message:
          'activeDeadlineSeconds must be a whole number of at least 1 (seconds the Job may run; leave it out ' +
          'for no limit); found 0.',
      },
    ]);
  });

  it('explains a quoted number', () => {
    const template = structuredClone(PI_TEMPLATE) as unknown as { spec: Record<string, unknown> };
    template.spec.parallelism = '2';
    template.spec.backoffLimit = 1.5;
    expect(templateErrors(template)).toEqual([
      {
        path: 'spec.parallelism',
        message: 'parallelism must be a number, not text: write 2 without quotes.',
      },
      {
        path: 'spec.backoffLimit',
        message:
          'backoffLimit must be a whole number, 0 or more (how many failed pods are retried); found 1.5.',
      },
    ]);
  });

  it('refuses a mount of an undefined volume', () => {
    const errors = templateErrors(
      withPod((pod) => {
        pod.volumes = [{ name: 'cache', emptyDir: {} }];
        pod.containers = [
          {
            name: 'pi',
            image: 'perl',
            volumeMounts: [
              { name: 'cache', mountPath: '/cache' },
              { name: 'data', mountPath: '/data' },
            ],
          },
        ];
      }),
    );
    expect(errors).toEqual([
      {
        path: 'spec.template.spec.containers[0].volumeMounts[1].name',
        message:
          'The container "pi" mounts volume "data", which is not defined (the volumes are: cache): add a volume ' +
          'named "data" or fix the name.',
      },
    ]);
  });

  it('checks mount paths and volume names', () => {
    const errors = templateErrors(
      withPod((pod) => {
        pod.volumes = [
          { name: 'cache', emptyDir: {} },
          { name: 'cache', configMap: { name: 'App_Config' } },
        ];
        pod.containers = [
          {
            name: 'pi',
            image: 'perl',
            volumeMounts: [
              { name: 'cache', mountPath: 'cache' },
              { name: 'cache', mountPath: '/c' },
              { name: 'cache', mountPath: '/c', subPath: '../etc' },
            ],
          },
        ];
      }),
    );
    expect(errors.map((e) => [e.path, e.message])).toEqual([
      [
        'spec.template.spec.volumes[1].name',
        'Volume name "cache" is used twice; each volume needs its own name.',
      ],
      [
        'spec.template.spec.volumes[1].configMap.name',
        'Volume "cache": ConfigMap name "App_Config" must be lower case letters, digits, \'-\' and \'.\', starting ' +
          'and ending with a letter or digit (DNS-1123 subdomain).',
      ],
      [
        'spec.template.spec.containers[0].volumeMounts[0].mountPath',
        'The mount path "cache" of the container "pi" must be absolute: start it with /, e.g. /cache.',
      ],
      [
        'spec.template.spec.containers[0].volumeMounts[2].mountPath',
        'The container "pi" mounts two volumes at /c; each mount needs its own path.',
      ],
      [
        'spec.template.spec.containers[0].volumeMounts[2].subPath',
        'subPath "../etc" must be a relative path without \'..\'.',
      ],
    ]);
  });

  it('refuses bad ports', () => {
    const errors = templateErrors(
      withPod(
        (pod) =>
          (pod.containers = [
            {
              name: 'pi',
              image: 'perl',
              ports: [
                { containerPort: 70000 },
                { containerPort: 8080, protocol: 'tcp' },
                { containerPort: 8080, name: 'http' },
                { containerPort: 8080, name: 'metrics' },
                { containerPort: 9090, name: 'Very-Long-Port-Name' },
              ],
            },
            { name: 'side', image: 'busybox', ports: [{ containerPort: 8081, name: 'http' }] },
          ]),
      ),
    );
    expect(errors.map((e) => [e.path, e.message])).toEqual([
      [
        'spec.template.spec.containers[0].ports[0].containerPort',
        'Port 70000 of the container "pi" must be a whole number from 1 to 65535.',
      ],
      [
        'spec.template.spec.containers[0].ports[1].protocol',
        'Port protocol "tcp" of the container "pi" must be TCP, UDP or SCTP (upper case).',
      ],
      [
        'spec.template.spec.containers[0].ports[3].containerPort',
        'Port 8080/TCP is listed twice for the container "pi".',
      ],
      [
        'spec.template.spec.containers[0].ports[4].name',
        'Port name "Very-Long-Port-Name" must be at most 15 lower case letters, digits and \'-\', with at least one ' +
          "letter and no '-' at either end or twice in a row (IANA service name), e.g. http or metrics.",
      ],
      [
        'spec.template.spec.containers[1].ports[0].name',
        'Port name "http" is used twice in the pod (containers[0] and containers[1]); port names must be unique.',
      ],
    ]);
  });

  it('refuses a bad env name and a number as a value', () => {
    const errors = templateErrors(
      withPod(
        (pod) =>
          (pod.containers = [
            {
              name: 'pi',
              image: 'perl',
              env: [
                { name: 'GOOD_NAME', value: 'x' },
                { name: 'A=B', value: 'x' },
                { name: 'PORT', value: 8080 },
                { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'api', key: '' } } },
                { name: 'BOTH', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              ],
            },
          ]),
      ),
    );
    expect(errors.map((e) => [e.path, e.message])).toEqual([
      [
        'spec.template.spec.containers[0].env[1].name',
        'Environment variable name "A=B" may only use printable ASCII characters other than \'=\' (letters, digits ' +
          'and _ are the safe choice, e.g. DB_HOST).',
      ],
      [
        'spec.template.spec.containers[0].env[2].value',
        'The value of PORT must be text: quote it, e.g. value: "8080".',
      ],
      [
        'spec.template.spec.containers[0].env[3].valueFrom.secretKeyRef.key',
        'The Secret key for TOKEN is required.',
      ],
      ['spec.template.spec.containers[0].env[4].valueFrom', 'BOTH has both value and valueFrom; keep one.'],
    ]);
  });

  it('accepts env names Kubernetes 1.32+ allows', () => {
    const template = withPod(
      (pod) => (pod.containers = [{ name: 'pi', image: 'perl', env: [{ name: 'my.setting-1', value: '' }] }]),
    );
    expect(templateErrors(template)).toEqual([]);
  });

  it('refuses invalid labels and unknown top-level fields', () => {
    const template = structuredClone(PI_TEMPLATE) as unknown as Record<string, unknown>;
    template.metadata = { labels: { team: 'Data Science' } };
    template.sepc = {};
    const errors = templateErrors(template);
    expect(errors.map((e) => e.path)).toEqual(['sepc', 'metadata.labels']);
    expect(errors[1]!.message).toContain('Label team "Data Science" must be letters, digits');
  });

  it('refuses something that is not a Job', () => {
    expect(templateErrors('nope')).toEqual([
      { path: '', message: 'The template must be a Job: a mapping with apiVersion, kind and spec.' },
    ]);
  });
});
