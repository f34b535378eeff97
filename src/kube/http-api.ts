/**
 * The HTTP library every API call of a cluster goes through: over kept-alive connections
 * (agents.ts), and counted when the cluster is metered (metering.ts). Watches fetch on their own and
 * hold their connection for long anyway, so they are not in it.
 */
import {
  createConfiguration,
  type HttpLibrary,
  IsomorphicFetchHttpLibrary,
  type KubeConfig,
  ServerConfiguration,
} from '@kubernetes/client-node';
import { keepingAlive } from './agents.js';
import { meteredFor } from './metering.js';

/** Makes every API client of `kc` send through `httpApiFor(kc)`. */
export function installHttpApi(kc: KubeConfig): void {
  const make = kc.makeApiClient.bind(kc);
  kc.makeApiClient = ((apiClientType: Parameters<KubeConfig['makeApiClient']>[0]) => {
    const cluster = kc.getCurrentCluster();
    if (!cluster) return make(apiClientType);
    return new apiClientType(
      createConfiguration({
        baseServer: new ServerConfiguration(cluster.server, {}),
        authMethods: { default: kc },
        httpApi: httpApiFor(kc),
      }),
    );
  }) as KubeConfig['makeApiClient'];
}

/**
 * `library` as `kc` uses it. A call that brings its own library (a log read as a stream) replaces
 * the client's, so it is wrapped here too.
 */
export function httpApiFor(
  kc: KubeConfig,
  library: HttpLibrary = new IsomorphicFetchHttpLibrary(),
): HttpLibrary {
  return meteredFor(kc, keepingAlive(kc, library));
}
