/** Shared inputs for the job definition tests: the Kubernetes docs' "pi" Job and a cluster setup. */
import type { ClusterContext, DefinitionInput, JobTemplate } from '../../src/domain/definition/index.js';

export { PI_YAML } from '../support/fixtures.js';

export const PI_TEMPLATE: JobTemplate = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  spec: {
    template: {
      spec: {
        containers: [
          { name: 'pi', image: 'perl:5.34.0', command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'] },
        ],
        restartPolicy: 'Never',
      },
    },
    backoffLimit: 4,
  },
};

export const CTX: ClusterContext = {
  clusters: [
    { name: 'kind-jobbot', namespaces: ['jobs', 'batch'] },
    { name: 'prod', namespaces: ['jobs'] },
  ],
};

/** A valid definition around `template` (the pi Job by default). */
export function definition(overrides: Partial<DefinitionInput> = {}): DefinitionInput {
  return {
    name: 'pi',
    namespace: 'jobs',
    cluster: 'kind-jobbot',
    description: 'Computes pi to 2000 places.',
    template: structuredClone(PI_TEMPLATE),
    ...overrides,
  };
}
