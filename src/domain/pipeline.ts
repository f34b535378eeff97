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
