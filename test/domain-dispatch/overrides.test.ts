import { describe, expect, it } from 'vitest';
import { splitWords } from '../../src/domain/args.js';
import { validateTemplate } from '../../src/domain/definition/index.js';
import {
  applyRunOverrides,
  formatOverrides,
  formatOverrideWords,
  overridesAgainst,
  parseOverrides,
  type RunOverrides,
  renderRunJob,
} from '../../src/domain/dispatch/index.js';
import { PI_TEMPLATE, twoContainers } from './fixtures.js';

const TWO = twoContainers(PI_TEMPLATE);

function parse(line: string, template = PI_TEMPLATE) {
  return parseOverrides(splitWords(line), template);
}

function ok(line: string, template = PI_TEMPLATE): RunOverrides {
  const result = parse(line, template);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.overrides;
}

function errors(line: string, template = PI_TEMPLATE): string[] {
  const result = parse(line, template);
  if (result.ok) throw new Error(`expected errors for ${line}`);
  return result.errors;
}

describe('parseOverrides', () => {
  it('reads every key, with words split like a shell', () => {
    const result = parse(
      `image=perl:5.36 command="perl -Mbignum=bpi" args="-wle 'print bpi(50)'" env.FOO=bar env.EMPTY= ` +
        'parallelism=2 completions=4 deadline=600 backoffLimit=0 restartPolicy=onfailure --yes',
    );
    expect(result).toEqual({
      ok: true,
      flags: { yes: true },
      overrides: {
        image: 'perl:5.36',
        command: ['perl', '-Mbignum=bpi'],
        args: ['-wle', 'print bpi(50)'],
        env: { FOO: 'bar', EMPTY: '' },
        parallelism: 2,
        completions: 4,
        activeDeadlineSeconds: 600,
        backoffLimit: 0,
        restartPolicy: 'OnFailure',
      },
    });
  });

  it('splits an args value that arrived as one unquoted word', () => {
    expect(parseOverrides(['args=-wle print 1'], PI_TEMPLATE)).toEqual({
      ok: true,
      overrides: { args: ['-wle', 'print', '1'] },
      flags: { yes: false },
    });
  });

  it('reads nothing as no overrides, and keys in any case', () => {
    expect(parse('')).toEqual({ ok: true, overrides: {}, flags: { yes: false } });
    expect(ok('IMAGE=perl:5.36 ActiveDeadlineSeconds=30 -y')).toEqual({
      image: 'perl:5.36',
      activeDeadlineSeconds: 30,
    });
  });

  it.each([
    ['deadline=90s', 90],
    ['deadline=10m', 600],
    ['deadline=1h30m', 5400],
    ['activeDeadlineSeconds=2h', 7200],
  ])('reads %s as %i seconds', (line, seconds) => {
    expect(ok(line).activeDeadlineSeconds).toBe(seconds);
  });

  it('chooses a container that exists', () => {
    expect(ok('container=sidecar image=busybox:1.37', TWO)).toEqual({
      container: 'sidecar',
      image: 'busybox:1.37',
    });
    expect(errors('container=sidecra', TWO)).toEqual([
      'There is no container "sidecra" in this definition; choose one of: pi, sidecar. Did you mean container=sidecar?',
    ]);
    expect(errors('container=setup', TWO)).toEqual([
      '"setup" is an init container; dispatch values apply to the containers: pi, sidecar.',
    ]);
  });

  it('names the closest key for a mistyped one', () => {
    const [imgae, paralelism, env] = errors('imgae=x paralelism=2 env=FOO=bar');
    expect(imgae).toMatch(
      /^Unknown setting "imgae". Did you mean image\? Settings: image, command, args, env.NAME/,
    );
    expect(paralelism).toMatch(/Did you mean parallelism\?/);
    expect(env).toBe('env needs a variable name: write env.NAME=value, e.g. env.LOG_LEVEL=debug.');
    expect(errors('backofflimt=2')[0]).toMatch(/Did you mean backoffLimit\?/);
    expect(errors('zzz=1')[0]).toMatch(/^Unknown setting "zzz". Settings:/);
  });

  it('collects every problem with what is expected', () => {
    expect(
      errors(
        'image= parallelism=-1 completions=two deadline=0 backoffLimit=1.5 restartPolicy=Always ' +
          'args="unclosed \'quote" env.A=B=C env.=x --yse stray image=a image=b',
      ),
    ).toEqual([
      'image needs an image reference without spaces, e.g. image=perl:5.36; got "".',
      'parallelism must be a whole number of 0 or more (how many pods run at once), e.g. parallelism=2; got "-1".',
      'completions must be a whole number of 0 or more (how many pods must succeed), e.g. completions=2; got "two".',
      'activeDeadlineSeconds (deadline) must be a number of seconds of at least 1, e.g. deadline=600 or deadline=10m; got "0".',
      'backoffLimit must be a whole number of 0 or more (how many failed pods are retried), e.g. backoffLimit=2; got "1.5".',
      'restartPolicy must be Never or OnFailure (Always is not allowed for a Job); got "Always".',
      "args: a ' quote is not closed.",
      'env needs a variable name: write env.NAME=value, e.g. env.LOG_LEVEL=debug.',
      'Unknown option "--yse". Did you mean --yes?',
      '"stray" is not a setting; write key=value, e.g. image=perl:5.36 or env.DEBUG=1.',
      'image is given more than once; keep one.',
    ]);
  });

  it('keeps the value after the first = of an env variable', () => {
    expect(ok('env.A=B=C').env).toEqual({ A: 'B=C' });
  });

  it('explains words that are not key=value', () => {
    expect(errors('image')).toEqual(['image needs a value: write image=VALUE.']);
    expect(errors('env.FOO')).toEqual([
      'env.FOO needs a value: write env.FOO=VALUE (or env.FOO= for an empty value).',
    ]);
    expect(errors("args=-wle 'print 1'")).toEqual([
      `"print 1" is not a setting. To give args several words, quote them all: args="-wle 'print 1'".`,
    ]);
    expect(errors('deadline=5 activeDeadlineSeconds=6')).toEqual([
      'activeDeadlineSeconds is given more than once; keep one.',
    ]);
  });

  it('refuses numbers beyond what Kubernetes stores', () => {
    expect(errors('parallelism=2147483648')[0]).toMatch(/^parallelism must be a whole number/);
    expect(ok('parallelism=2147483647').parallelism).toBe(2147483647);
  });
});

describe('formatOverrides', () => {
  it('lists values in a fixed order, env last', () => {
    expect(formatOverrides({ env: { FOO: 'bar' }, parallelism: 2, image: 'perl:5.36' })).toBe(
      'image=perl:5.36, parallelism=2, env.FOO=bar',
    );
    expect(formatOverrides({})).toBe('');
  });

  it('quotes what would not read back as one word', () => {
    expect(formatOverrides({ args: ['-wle', 'print 1'], env: { GREETING: 'hi, there', EMPTY: '' } })).toBe(
      `args="-wle 'print 1'", env.GREETING="hi, there", env.EMPTY=""`,
    );
  });

  it.each<RunOverrides>([
    {
      container: 'sidecar',
      image: 'busybox:1.37',
      command: ['sh', '-c', `echo "it's" > /tmp/x`],
      args: [],
      env: { A: 'x y', B: '"quoted" \\ back', C: '“curly”', D: '' },
      parallelism: 2,
      completions: 3,
      activeDeadlineSeconds: 60,
      backoffLimit: 0,
      restartPolicy: 'OnFailure',
    },
    { args: ['-wle', 'print bpi(2000)'] },
    { command: ["it's", 'a "test"', 'back\\slash', 'tab\there'] },
  ])('reads back what formatOverrideWords wrote (%#)', (overrides) => {
    expect(parseOverrides(splitWords(formatOverrideWords(overrides)), TWO)).toEqual({
      ok: true,
      overrides,
      flags: { yes: false },
    });
  });
});

describe('overridesAgainst', () => {
  it('says what each value was and became, naming the container', () => {
    const changes = overridesAgainst(
      TWO,
      ok(
        'image=perl:5.36 args="-wle 1" parallelism=2 backoffLimit=4 deadline=60 restartPolicy=OnFailure ' +
          'env.MODE=slow env.TOKEN=abc env.NEW=1 env.MODE2=',
        TWO,
      ),
    );
    expect(changes.map((c) => c.text)).toEqual([
      'image (container pi): perl:5.34.0 → perl:5.36',
      'args (container pi): not set → -wle 1',
      'parallelism: default 1 → 2',
      'activeDeadlineSeconds: no limit → 60',
      'restartPolicy: Never → OnFailure',
      'env.MODE (container pi): "fast" → "slow"',
      'env.TOKEN (container pi): secret api/token → "abc"',
      'env.NEW (container pi): not set → "1"',
      'env.MODE2 (container pi): not set → ""',
    ]);
    expect(changes[0]).toEqual({
      key: 'image',
      container: 'pi',
      before: 'perl:5.34.0',
      after: 'perl:5.36',
      text: 'image (container pi): perl:5.34.0 → perl:5.36',
    });
  });

  it('follows container= and leaves out values that did not change', () => {
    expect(
      overridesAgainst(TWO, ok('container=sidecar args="sleep 10" command=', TWO)).map((c) => c.text),
    ).toEqual(['args (container sidecar): sleep 5 → sleep 10']);
    expect(overridesAgainst(PI_TEMPLATE, ok('backoffLimit=4 image=perl:5.34.0'))).toEqual([]);
  });
});

describe('applyRunOverrides and renderRunJob', () => {
  it('applies the restart policy with the other values and leaves the definition alone', () => {
    const before = structuredClone(PI_TEMPLATE);
    const applied = applyRunOverrides(PI_TEMPLATE, ok('restartPolicy=OnFailure image=perl:5.36'));
    if ('errors' in applied) throw new Error('unexpected');
    expect(applied.template.spec.template.spec.restartPolicy).toBe('OnFailure');
    expect(applied.template.spec.template.spec.containers[0]!.image).toBe('perl:5.36');
    expect(validateTemplate(applied.template)).toEqual([]);
    expect(PI_TEMPLATE).toEqual(before);

    const job = renderRunJob(
      { name: 'pi', namespace: 'jobs', template: PI_TEMPLATE },
      {
        number: 7,
        dispatchedBy: { id: 'U1', name: 'Ada' },
        overrides: ok('restartPolicy=OnFailure parallelism=2'),
      },
    );
    expect(job.metadata.name).toBe('pi-7');
    expect(job.spec.template.spec.restartPolicy).toBe('OnFailure');
    expect(job.spec.parallelism).toBe(2);
    expect(PI_TEMPLATE).toEqual(before);
  });

  it('reports a container that is not there', () => {
    expect(applyRunOverrides(PI_TEMPLATE, { container: 'nope', image: 'x', restartPolicy: 'Never' })).toEqual(
      {
        errors: [
          {
            path: 'container',
            message: 'There is no container "nope" in this definition; choose one of: pi.',
          },
        ],
      },
    );
  });
});
