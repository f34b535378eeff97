/**
 * The pipeline API's request and response shapes, as zod schemas. Requests are validated with them
 * and /api/v1/openapi.json is generated from them, so the document cannot drift from the code.
 */
import { z } from 'zod';

export const MAX_WAIT_SECONDS = 3600;

export const DispatchBody = z
  .object({
    overrides: z
      .record(z.string().min(1).max(200), z.string().max(10_000))
      .optional()
      .describe('The same keys as `/job run NAME key=value`, e.g. {"image": "perl:5.36"}.'),
    channel: z
      .string()
      .regex(/^[CGDU][A-Z0-9]{2,}$/)
      .optional()
      .describe('Slack channel id for the status message; default a DM to onBehalfOf or the token owner.'),
    onBehalfOf: z
      .string()
      .min(1)
      .max(254)
      .optional()
      .describe('Slack user id or e-mail address of the person the pipeline runs for.'),
    wait: z
      .number()
      .int()
      .min(0)
      .max(MAX_WAIT_SECONDS)
      .optional()
      .describe('Seconds to wait for the dispatch to finish before answering.'),
  })
  .strict();
export type DispatchBody = z.infer<typeof DispatchBody>;

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.array(z.string()).optional(),
  }),
});

/** A dispatch of a protected job: held until enough approvers agree in Slack. */
export const ApprovalHeldOut = z.object({
  status: z.literal('awaiting_approval'),
  approval: z.object({
    id: z.number().int(),
    approvals: z.number().int().describe('How many approvals it needs'),
    rule: z.string().describe('The policy rule asking for approval'),
    expiresAt: z.string().describe('When the request expires unanswered (ISO 8601)'),
  }),
});

export const DispatchOut = z.object({
  number: z.number().int(),
  status: z.string().describe('pending, creating, running, …, succeeded, failed, cancelled, failed_to_start'),
  finished: z.boolean(),
  definition: z.string(),
  job: z.string().describe('The Kubernetes Job name.'),
  cluster: z.string(),
  namespace: z.string(),
  verdict: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  links: z.object({ self: z.string(), logs: z.string(), cancel: z.string() }),
});
export type DispatchOut = z.infer<typeof DispatchOut>;

export const JobOut = z.object({
  name: z.string(),
  description: z.string(),
  cluster: z.string(),
  namespace: z.string(),
  revision: z.number().int(),
  links: z.object({ dispatches: z.string() }),
});
export type JobOut = z.infer<typeof JobOut>;

export const JobList = z.object({ jobs: z.array(JobOut) });

export const JobPutBody = z
  .object({
    cluster: z.string().min(1).max(200).describe('The cluster the job runs on (as in JOBBOT_CONFIG).'),
    namespace: z.string().min(1).max(253),
    description: z.string().max(1000).optional().describe('Default: the current description, or empty.'),
    yaml: z.string().optional().describe('The batch/v1 Job as YAML text; metadata.name must be {name}.'),
    job: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('The batch/v1 Job as a JSON object, instead of yaml.'),
  })
  .strict()
  .refine((b) => (b.yaml === undefined) !== (b.job === undefined), {
    message: 'give exactly one of yaml and job',
    path: ['yaml'],
  });
export type JobPutBody = z.infer<typeof JobPutBody>;

export const JobPutOut = JobOut.extend({
  created: z.boolean(),
  changed: z.boolean().describe('false when the definition was already exactly this (no new revision).'),
});
export type JobPutOut = z.infer<typeof JobPutOut>;

/** Body of POST /api/v1/pipelines/{name}/runs. */
export const PipelineRunBody = z
  .object({
    channel: z
      .string()
      .regex(/^[CGDU][A-Z0-9]{2,}$/)
      .optional(),
    onBehalfOf: z.string().min(1).max(254).optional(),
    wait: z.number().int().min(0).max(600).optional(),
  })
  .strict();

/** Body of PUT /api/v1/pipelines/{name}: the stages as YAML. */
export const PipelinePutBody = z.object({ yaml: z.string().min(1).max(20_000) }).strict();

const json = (schema: z.ZodType) => ({ 'application/json': { schema: z.toJSONSchema(schema) } });
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: 'Error', content: json(ErrorBody) }]));
const name = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
const number = { name: 'n', in: 'path', required: true, schema: { type: 'integer' } };

/** OpenAPI 3.1 (whose schemas are JSON Schema, what zod emits). */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'Jobbot pipeline API', version: '1' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: '`/job token create`' } },
    },
    security: [{ bearer: [] }],
    paths: {
      '/api/v1/jobs': {
        get: {
          summary: 'Jobs the token may use',
          responses: { 200: { description: 'OK', content: json(JobList) }, ...errors(401, 429) },
        },
      },
      '/api/v1/jobs/{name}': {
        get: {
          parameters: [name],
          responses: { 200: { description: 'OK', content: json(JobOut) }, ...errors(401, 403, 404, 429) },
        },
        put: {
          summary: 'Create the job (201) or save a new revision (200); YAML or JSON body (GitOps)',
          parameters: [
            name,
            {
              name: 'cluster',
              in: 'query',
              description: 'Required with a YAML body',
              schema: { type: 'string' },
            },
            {
              name: 'namespace',
              in: 'query',
              description: 'Required with a YAML body',
              schema: { type: 'string' },
            },
            { name: 'description', in: 'query', schema: { type: 'string' } },
          ],
          requestBody: {
            required: true,
            content: {
              ...json(JobPutBody),
              'application/yaml': { schema: { type: 'string', description: 'A batch/v1 Job' } },
              'text/yaml': { schema: { type: 'string' } },
              'application/x-yaml': { schema: { type: 'string' } },
            },
          },
          responses: {
            200: { description: 'Saved a new revision, or unchanged', content: json(JobPutOut) },
            201: { description: 'Created', content: json(JobPutOut) },
            ...errors(400, 401, 403, 409, 413, 415, 422, 429),
          },
        },
      },
      '/api/v1/jobs/{name}/dispatches': {
        post: {
          summary: 'Dispatch a job, optionally waiting for it to finish',
          parameters: [name],
          requestBody: { content: json(DispatchBody) },
          responses: {
            201: { description: 'Dispatched', content: json(DispatchOut) },
            202: {
              description: 'Held for approval: the policy asks approvers first (nothing runs yet)',
              content: json(ApprovalHeldOut),
            },
            ...errors(400, 401, 403, 404, 413, 422, 429),
          },
        },
      },
      '/api/v1/dispatches/{n}': {
        get: {
          parameters: [number],
          responses: { 200: { description: 'OK', content: json(DispatchOut) }, ...errors(401, 403, 404) },
        },
      },
      '/api/v1/dispatches/{n}/cancel': {
        post: {
          parameters: [number],
          responses: {
            202: { description: 'Cancel requested', content: json(DispatchOut) },
            ...errors(401, 403, 404, 409),
          },
        },
      },
      '/api/v1/pipelines/{name}': {
        put: {
          summary: 'Create (201) or update (200) a pipeline from its stages as YAML',
          parameters: [name],
          requestBody: { required: true, content: json(PipelinePutBody) },
          responses: {
            200: { description: 'Saved' },
            201: { description: 'Created' },
            ...errors(400, 401, 403, 413, 422, 429),
          },
        },
      },
      '/api/v1/pipelines/{name}/runs': {
        post: {
          summary: 'Run a pipeline, optionally waiting for it to finish',
          parameters: [name],
          requestBody: { content: json(PipelineRunBody) },
          responses: { 201: { description: 'Started' }, ...errors(400, 401, 403, 404, 413, 422, 429) },
        },
      },
      '/api/v1/pipeline-runs/{id}': {
        get: {
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
          responses: { 200: { description: 'OK' }, ...errors(401, 403, 404) },
        },
      },
      '/api/v1/pipeline-runs/{id}/cancel': {
        post: {
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
          responses: { 202: { description: 'Cancelled' }, ...errors(401, 403, 404, 409) },
        },
      },
      '/api/v1/dispatches/{n}/logs': {
        get: {
          parameters: [number, { name: 'container', in: 'query', schema: { type: 'string' } }],
          responses: {
            200: { description: 'OK', content: { 'text/plain': { schema: { type: 'string' } } } },
            ...errors(401, 403, 404),
          },
        },
      },
    },
  };
}
