/**
 * The clusters as Jobbot sees them (one per kubeconfig context, or `in-cluster`), built the way
 * main.ts builds them, with a silent log: the commands report in their own words.
 */
import type { KubeSource } from '../config.js';
import { OPEN_POLICY, type Policy } from '../domain/policy/index.js';
import { ClusterRegistry, clustersFrom, loadKubeConfig, policyClusters } from '../kube/clusters.js';
import { createLogger } from '../logger.js';
import { CliError, errorText } from './io.js';

/** The clusters as the app has them: under the policy's names when it names any. */
export function clusterRegistry(source: KubeSource, policy: Policy = OPEN_POLICY): ClusterRegistry {
  try {
    const kubeConfig = loadKubeConfig(source);
    const chosen = policyClusters(clustersFrom(kubeConfig, source), policy);
    if (chosen.problems.length > 0) throw new Error(chosen.problems.join(' '));
    return new ClusterRegistry(chosen.clusters, createLogger('silent'));
  } catch (err) {
    const where = source.kind === 'files' ? source.paths.join(', ') : 'the pod service account';
    throw new CliError(
      'bad_settings',
      `cannot read the Kubernetes configuration from ${where}: ${errorText(err)}. Fix KUBECONFIG or the file.`,
    );
  }
}
