import { describe, expect, it } from 'vitest';
import {
  type DefinitionForm,
  emptyContainerForm,
  formCaveats,
  formKeyForPath,
  formToTemplate,
  type JobTemplate,
  templateToForm,
  validateTemplate,
} from '../../src/domain/definition/index.js';
import { PI_TEMPLATE } from './fixtures.js';

function toTemplate(form: DefinitionForm, base?: JobTemplate): JobTemplate {
  const result = formToTemplate(form, base);
  if ('errors' in result) throw new Error(`unexpected form errors: ${JSON.stringify(result.errors)}`);
  return result.template;
}

function formErrors(form: DefinitionForm) {
  const result = formToTemplate(form);
  if (!('errors' in result)) throw new Error('expected form errors');
  return result.errors;
}

const PI_FORM: DefinitionForm = {
  containers: [
    {
      ...emptyContainerForm(),
      name: 'pi',
      image: 'perl:5.34.0',
      command: 'perl\n-Mbignum=bpi\n-wle\nprint bpi(2000)',
    },
  ],
  restartPolicy: 'Never',
  completions: '',
  parallelism: '',
  activeDeadlineSeconds: '',
  volumes: '',
};

const RICH_FORM: DefinitionForm = {
  containers: [
    {
      name: 'report',
      image: 'ghcr.io/acme/report:1.4',
      command: 'sh',
      args: '-c\necho "it\'s $GREETING" && ./report --out /out',
      env: [
        'GREETING=hello world',
        'EMPTY=',
        'DB_PASSWORD=secret:db-creds/password',
        'MODE=configMap:app-config/mode',
        'POD=field:metadata.name',
        'CPUS=resource:limits.cpu',
        'LITERAL=\\secret:not-a-reference',
      ].join('\n'),
      ports: '8080\nhttp=8081\ndns=53/UDP',
      volumeMounts: 'cache:/var/cache\nconf/app.yaml:/etc/app.yaml:ro\ndata:/data',
    },
    { ...emptyContainerForm(), name: 'side', image: 'busybox', command: "'echo hi'" },
  ],
  restartPolicy: 'OnFailure',
  completions: '3',
  parallelism: '2',
  activeDeadlineSeconds: '600',
  volumes: 'cache=emptyDir\nconf=configMap:app-config\ncreds=secret:db-creds\ndata=pvc:data-claim',
};

describe('templateToForm / formToTemplate', () => {
  it('shows the pi Job', () => {
    expect(templateToForm(PI_TEMPLATE)).toEqual({ ...PI_FORM, completions: '' });
  });

  it.each([
    ['pi', PI_FORM],
    ['rich', RICH_FORM],
  ])('round-trips the canonical %s form', (_, form) => {
    expect(templateToForm(toTemplate(form))).toEqual(form);
  });

  it('reads each line syntax into the Job fields', () => {
    const pod = toTemplate(RICH_FORM).spec.template.spec;
    const [report, side] = pod.containers;
    expect(report!.command).toEqual(['sh']);
    expect(report!.args).toEqual(['-c', 'echo "it\'s $GREETING" && ./report --out /out']);
    expect(report!.env).toEqual([
      { name: 'GREETING', value: 'hello world' },
      { name: 'EMPTY', value: '' },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-creds', key: 'password' } } },
      { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'mode' } } },
      { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'CPUS', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      { name: 'LITERAL', value: 'secret:not-a-reference' },
    ]);
    expect(report!.ports).toEqual([
      { containerPort: 8080 },
      { name: 'http', containerPort: 8081 },
      { name: 'dns', containerPort: 53, protocol: 'UDP' },
    ]);
    expect(report!.volumeMounts).toEqual([
      { name: 'cache', mountPath: '/var/cache' },
      { name: 'conf', mountPath: '/etc/app.yaml', subPath: 'app.yaml', readOnly: true },
      { name: 'data', mountPath: '/data' },
    ]);
    expect(side!.command).toEqual(['echo hi']);
    expect(pod.volumes).toEqual([
      { name: 'cache', emptyDir: {} },
      { name: 'conf', configMap: { name: 'app-config' } },
      { name: 'creds', secret: { secretName: 'db-creds' } },
      { name: 'data', persistentVolumeClaim: { claimName: 'data-claim' } },
    ]);
    expect(pod.restartPolicy).toBe('OnFailure');
    const spec = toTemplate(RICH_FORM).spec;
    expect([spec.completions, spec.parallelism, spec.activeDeadlineSeconds]).toEqual([3, 2, 600]);
    expect(validateTemplate(toTemplate(RICH_FORM))).toEqual([]);
  });

  it('splits a single command line like a shell, and reads typed prefixes in any case', () => {
    const form = structuredClone(PI_FORM);
    form.containers[0]!.command = "perl -Mbignum=bpi -wle 'print bpi(2000)'";
    form.containers[0]!.env = 'A=ConfigMap:cfg/key\nB=SECRET:s/k';
    form.containers[0]!.ports = 'dns=53/udp';
    const container = toTemplate(form).spec.template.spec.containers[0]!;
    expect(container.command).toEqual(PI_TEMPLATE.spec.template.spec.containers[0]!.command);
    expect(container.env).toEqual([
      { name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'key' } } },
      { name: 'B', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
    ]);
    expect(container.ports).toEqual([{ name: 'dns', containerPort: 53, protocol: 'UDP' }]);
  });

  it('keeps template fields the form does not show through an edit', () => {
    const base: JobTemplate = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { labels: { team: 'data' }, annotations: { owner: 'Data team' } },
      spec: {
        backoffLimit: 2,
        ttlSecondsAfterFinished: 3600,
        completions: 1,
        template: {
          metadata: { annotations: { 'sidecar.istio.io/inject': 'false' } },
          spec: {
            serviceAccountName: 'reporter',
            nodeSelector: { pool: 'batch' },
            tolerations: [{ key: 'batch', operator: 'Exists', effect: 'NoSchedule' }],
            securityContext: { runAsNonRoot: true },
            initContainers: [{ name: 'migrate', image: 'acme/migrate:2' }],
            restartPolicy: 'Never',
            containers: [
              {
                name: 'report',
                image: 'acme/report:1',
                resources: { limits: { cpu: '500m', memory: '256Mi' } },
                env: [
                  {
                    name: 'TOKEN',
                    valueFrom: { secretKeyRef: { name: 'api', key: 'token', optional: true } },
                  },
                ],
                ports: [{ containerPort: 8080, hostPort: 18080 }],
                volumeMounts: [{ name: 'conf', mountPath: '/etc/app', mountPropagation: 'None' }],
              },
            ],
            volumes: [
              { name: 'conf', configMap: { name: 'app-config', items: [{ key: 'a', path: 'a.yaml' }] } },
            ],
          },
        },
      },
    };
    // Unchanged form: the template comes back exactly.
    expect(toTemplate(templateToForm(base), base)).toEqual(base);

    const form = templateToForm(base);
    form.containers[0]!.image = 'acme/report:2';
    form.containers[0]!.env += '\nLOG_LEVEL=debug';
    form.completions = '4';
    const edited = toTemplate(form, base);

    const expected = structuredClone(base);
    const container = expected.spec.template.spec.containers[0]!;
    container.image = 'acme/report:2';
    container.env!.push({ name: 'LOG_LEVEL', value: 'debug' });
    expected.spec.completions = 4;
    expect(edited).toEqual(expected);
  });

  it('keeps hidden container fields when a container is removed or renamed', () => {
    const base = structuredClone(PI_TEMPLATE);
    base.spec.template.spec.containers = [
      { name: 'first', image: 'a', resources: { limits: { cpu: '1' } } },
      { name: 'second', image: 'b', resources: { limits: { cpu: '2' } } },
    ];
    const removed = templateToForm(base);
    removed.containers.shift();
    expect(toTemplate(removed, base).spec.template.spec.containers).toEqual([
      base.spec.template.spec.containers[1],
    ]);

    const renamed = templateToForm(base);
    renamed.containers[1]!.name = 'renamed';
    expect(toTemplate(renamed, base).spec.template.spec.containers).toEqual([
      base.spec.template.spec.containers[0],
      { name: 'renamed', image: 'b', resources: { limits: { cpu: '2' } } },
    ]);
  });

  it('clears a field emptied in the form', () => {
    const base = toTemplate(RICH_FORM);
    const form = templateToForm(base);
    form.containers[0]!.env = '';
    form.activeDeadlineSeconds = '';
    const edited = toTemplate(form, base);
    expect(edited.spec.template.spec.containers[0]!.env).toBeUndefined();
    expect(edited.spec.activeDeadlineSeconds).toBeUndefined();
  });

  it('shows a literal value that looks like a reference with a backslash', () => {
    const base = structuredClone(PI_TEMPLATE);
    base.spec.template.spec.containers[0]!.env = [
      { name: 'X', value: 'secret:plain' },
      { name: 'Y', value: '\\n' },
    ];
    expect(templateToForm(base).containers[0]!.env).toBe('X=\\secret:plain\nY=\\\\n');
    expect(toTemplate(templateToForm(base)).spec.template.spec.containers[0]!.env).toEqual(
      base.spec.template.spec.containers[0]!.env,
    );
  });
});

describe('form errors name the form field', () => {
  function withContainer(fields: Partial<DefinitionForm['containers'][number]>): DefinitionForm {
    return { ...PI_FORM, containers: [{ ...PI_FORM.containers[0]!, ...fields }] };
  }

  it('refuses a secret reference without a key', () => {
    expect(formErrors(withContainer({ env: 'LOG_LEVEL=info\nDB_PASSWORD=secret:db-creds' }))).toEqual([
      {
        path: 'containers[0].env',
        message:
          'Line 2: "secret:db-creds" must name a Secret and a key in it: write ' +
          'DB_PASSWORD=secret:SECRET-NAME/KEY, e.g. DB_PASSWORD=secret:db-creds/password.',
      },
    ]);
  });

  it('refuses a secret reference with a bad secret name', () => {
    const [error] = formErrors(withContainer({ env: 'DB_PASSWORD=secret:DB_Creds/password' }));
    expect(error!.path).toBe('containers[0].env');
    expect(error!.message).toMatch(/^Line 1: Secret name "DB_Creds" must be lower case letters/);
  });

  it.each([
    [
      'env',
      'JUSTANAME',
      'Line 1: "JUSTANAME" needs a value: write JUSTANAME=value (or JUSTANAME= for an empty value).',
    ],
    [
      'ports',
      'http=eighty',
      'Line 1: "eighty" is not a port number: write PORT, NAME=PORT or NAME=PORT/UDP, e.g. http=8080.',
    ],
    [
      'volumeMounts',
      'cache',
      'Line 1: "cache" needs a mount path: write VOLUME:/PATH or VOLUME:/PATH:ro, e.g. cache:/var/cache.',
    ],
    ['command', "perl -e 'print 1", "Line 1: a ' quote is not closed; close it or put one word per line."],
  ] as const)('refuses a bad %s line', (field, text, message) => {
    expect(formErrors(withContainer({ [field]: text }))).toEqual([
      { path: `containers[0].${field}`, message },
    ]);
  });

  it('refuses a volume kind the form cannot set, and a bad number', () => {
    expect(
      formErrors({ ...PI_FORM, volumes: 'cache=emptyDir\ndata=hostPath:/srv', completions: 'ten' }),
    ).toEqual([
      {
        path: 'completions',
        message: '"ten" is not a whole number; write digits only, e.g. 1, or leave it empty.',
      },
      {
        path: 'volumes',
        message:
          'Line 2: volume kind "hostPath" cannot be set in the form: write NAME=emptyDir, NAME=configMap:CONFIGMAP, ' +
          'NAME=secret:SECRET or NAME=pvc:CLAIM, or edit the definition as YAML for other kinds.',
      },
    ]);
  });

  it('keeps a volume of another kind while its line is unchanged', () => {
    const base = structuredClone(PI_TEMPLATE);
    base.spec.template.spec.volumes = [{ name: 'host', hostPath: { path: '/srv' } }];
    const form = templateToForm(base);
    expect(form.volumes).toBe('host=hostPath');
    form.volumes += '\ncache=emptyDir';
    expect(toTemplate(form, base).spec.template.spec.volumes).toEqual([
      { name: 'host', hostPath: { path: '/srv' } },
      { name: 'cache', emptyDir: {} },
    ]);
  });

  it('maps validation paths to form fields', () => {
    const form = withContainer({ ports: 'http=99999' });
    const errors = validateTemplate(toTemplate(form));
    expect(errors.map((e) => formKeyForPath(e.path))).toEqual(['containers[0].ports']);
    expect(formKeyForPath('spec.activeDeadlineSeconds')).toBe('activeDeadlineSeconds');
    expect(formKeyForPath('spec.template.spec.restartPolicy')).toBe('restartPolicy');
    expect(formKeyForPath('spec.template.spec.volumes[2].configMap.name')).toBe('volumes');
    expect(formKeyForPath('spec.template.spec.containers')).toBe('containers');
    expect(formKeyForPath('spec.template.spec.containers[1].env[0].name')).toBe('containers[1].env');
    expect(formKeyForPath('spec.template.spec.containers[1].resources')).toBeUndefined();
    expect(formKeyForPath('spec.template.spec.initContainers[0].name')).toBeUndefined();
    expect(formKeyForPath('spec.backoffLimit')).toBeUndefined();
    expect(formKeyForPath('cluster')).toBe('cluster');
  });
});

describe('formCaveats', () => {
  it('has none for templates the form shows fully', () => {
    expect(formCaveats(PI_TEMPLATE)).toEqual([]);
    expect(formCaveats(toTemplate(RICH_FORM))).toEqual([]);
  });

  it('names fields whose details the form cannot show', () => {
    const template = structuredClone(PI_TEMPLATE);
    const container = template.spec.template.spec.containers[0]!;
    container.args = ['-c', 'set -e\necho one\necho two'];
    container.env = [
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'api', key: 't', optional: true } } },
    ];
    template.spec.template.spec.volumes = [{ name: 'conf', configMap: { name: 'app', defaultMode: 0o400 } }];
    expect(formCaveats(template).map((c) => c.path)).toEqual([
      'volumes',
      'containers[0].args',
      'containers[0].env',
    ]);
  });
});
