/**
 * Pipelines as people write them: YAML of the form
 * `stages: [{jobs: [{job: migrate, overrides: {image: x}}]}, {jobs: [{job: web-smoke}]}]`.
 * Glossary:
 * - stage: jobs dispatched together (in parallel); the next stage starts once every one succeeded.
 * - overrides: the same `key=value` changes as `/job run NAME key=value`, written as a YAML map.
 * Parsing checks only the shape; whether each job exists and its overrides apply is the service's
 * question, since it needs the definitions.
 */
import yaml from 'js-yaml';
import { z } from 'zod';
import { splitWords } from './args.js';

export const MAX_STAGES = 10;
export const MAX_JOBS_PER_STAGE = 10;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const MAX_PIPELINE_NAME = 63;

const Scalar = z.union([z.string(), z.number(), z.boolean()]);

const StagesSchema = z.object({
  stages: z
    .array(
      z.object({
        jobs: z
          .array(
            z.object({
              job: z.string().min(1),
              overrides: z.record(z.string(), Scalar).optional(),
            }),
          )
          .min(1, 'a stage needs at least one job')
          .max(MAX_JOBS_PER_STAGE, `a stage holds at most ${MAX_JOBS_PER_STAGE} jobs`),
      }),
    )
    .min(1, 'a pipeline needs at least one stage')
    .max(MAX_STAGES, `a pipeline holds at most ${MAX_STAGES} stages`),
});

export interface PipelineJob {
  job: string;
  overrides?: Record<string, string | number | boolean>;
}

export interface PipelineStage {
  jobs: PipelineJob[];
}

export type ParsedStages = { ok: true; stages: PipelineStage[] } | { ok: false; errors: string[] };

/** A sentence about what is wrong with `name`, or undefined when it is a usable pipeline name. */
export function pipelineNameProblem(name: string): string | undefined {
  if (name === '') return 'Name the pipeline.';
  if (name.length > MAX_PIPELINE_NAME) return `The name is longer than ${MAX_PIPELINE_NAME} characters.`;
  if (!DNS_LABEL.test(name))
    return 'The name must be lower-case letters, digits and dashes, starting and ending with a letter or digit.';
  return undefined;
}

export function parseStages(text: string): ParsedStages {
  let doc: unknown;
  try {
    doc = yaml.load(text, { schema: yaml.JSON_SCHEMA });
  } catch (err) {
    return { ok: false, errors: [`The YAML cannot be read: ${(err as Error).message.split('\n')[0]}`] };
  }
  const parsed = StagesSchema.safeParse(doc);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map(
        (i) => `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`,
      ),
    };
  }
  return { ok: true, stages: parsed.data.stages as PipelineStage[] };
}

/** The `/job run` words for a job's overrides: `{image: x}` is `image=x`. */
export function overrideWords(job: PipelineJob): string[] {
  return Object.entries(job.overrides ?? {}).map(([k, v]) => `${k}=${String(v)}`);
}

/** The YAML shown when editing, from stages saved earlier. */
export function stagesYaml(stages: PipelineStage[]): string {
  return yaml.dump({ stages }, { flowLevel: 3, lineWidth: 110 });
}

/** One stage as the form shows it: the jobs picked, and `job key=value…` lines for their overrides. */
export interface StageForm {
  jobs: string[];
  overrides: string;
}

/** The form's stages as YAML, so both ways of editing are validated by the same `parseStages`. */
export function formYaml(
  form: readonly StageForm[],
): { ok: true; yaml: string } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const stages = form.map((s, i) => {
    const overrides = new Map<string, Record<string, string>>();
    for (const [n, line] of s.overrides.split('\n').entries()) {
      if (line.trim() === '') continue;
      let words: string[];
      try {
        words = splitWords(line);
      } catch (err) {
        errors.push(`Stage ${i + 1}, overrides line ${n + 1}: ${(err as Error).message}.`);
        continue;
      }
      const [job, ...pairs] = words;
      if (!job || !s.jobs.includes(job)) {
        errors.push(
          `Stage ${i + 1}, overrides line ${n + 1}: start it with one of this stage's jobs (${s.jobs.join(', ') || 'none picked'}).`,
        );
        continue;
      }
      const map = overrides.get(job) ?? {};
      for (const pair of pairs) {
        const eq = pair.indexOf('=');
        if (eq <= 0) errors.push(`Stage ${i + 1}, overrides line ${n + 1}: \`${pair}\` is not key=value.`);
        else map[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      overrides.set(job, map);
    }
    return {
      jobs: s.jobs.map((job) => {
        const o = overrides.get(job);
        return o && Object.keys(o).length > 0 ? { job, overrides: o } : { job };
      }),
    };
  });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, yaml: stagesYaml(stages) };
}

/** Saved stages as the form shows them; overrides become `job key=value` lines, quoted when needed. */
export function stagesForm(stages: readonly PipelineStage[]): StageForm[] {
  return stages.map((s) => ({
    jobs: s.jobs.map((j) => j.job),
    overrides: s.jobs
      .filter((j) => j.overrides && Object.keys(j.overrides).length > 0)
      .map((j) => [j.job, ...overrideWords(j).map(quoteWord)].join(' '))
      .join('\n'),
  }));
}

function quoteWord(word: string): string {
  // splitWords honours a backslash before any character, so escaping is enough: no quoting rules.
  return word.replace(/([\s"'\\“”‘’])/g, '\\$1');
}
