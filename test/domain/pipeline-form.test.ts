import { describe, expect, it } from 'vitest';
import { formYaml, parseStages, stagesForm } from '../../src/domain/pipeline.js';

describe('pipeline form <-> YAML', () => {
  it('round-trips stages with overrides that need escaping', () => {
    const stages = [
      { jobs: [{ job: 'migrate', overrides: { 'env.MODE': 'very "fast"', image: 'perl:5.36' } }] },
      { jobs: [{ job: 'web' }, { job: 'api', overrides: { args: "it's \\ fine" } }] },
    ];
    const form = stagesForm(stages);
    expect(form[0]!.jobs).toEqual(['migrate']);
    const yaml = formYaml(form);
    expect(yaml.ok).toBe(true);
    const parsed = parseStages((yaml as { yaml: string }).yaml);
    expect(parsed).toEqual({ ok: true, stages });
  });

  it('names the stage and line of each unusable override line', () => {
    const r = formYaml([
      { jobs: ['a'], overrides: '\nb x=1\na novalue\na "unclosed' },
      { jobs: [], overrides: 'a x=1' },
    ]);
    expect(r).toEqual({
      ok: false,
      errors: [
        "Stage 1, overrides line 2: start it with one of this stage's jobs (a).",
        'Stage 1, overrides line 3: `novalue` is not key=value.',
        'Stage 1, overrides line 4: a " quote is not closed.',
        "Stage 2, overrides line 1: start it with one of this stage's jobs (none picked).",
      ],
    });
  });

  it('leaves an empty stage to the YAML checks, which refuse it', () => {
    const r = formYaml([{ jobs: [], overrides: '' }]);
    expect(r.ok).toBe(true);
    expect(parseStages((r as { yaml: string }).yaml)).toMatchObject({ ok: false });
  });
});
