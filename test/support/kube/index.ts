/**
 * Public surface of the local Kubernetes API emulator used by Jobbot's tests.
 *
 *   const kube = await startKubeEmulator({ speed: 100 });      // 10 emulated s = 100 real ms
 *   await kube.writeKubeconfig(path);                          // contexts alpha (current), beta
 *   kube.behave({ job: 'report' }, [behaviours.fail(2), behaviours.succeed()]);
 *   await kube.waitFor(() => kube.job('default', 'report')?.status.succeeded);
 *   kube.failNext(1, { method: 'POST', path: /jobs$/, status: 503 });
 *   await kube.cluster('beta').setUnreachable();
 *   await kube.close();
 *
 * Unconfigured containers behave as their command says (sleep/echo/exit, the docs' pi Job);
 * see emulator.ts for the handle, cluster.ts for per-cluster controls and behaviours.ts for
 * container scripts.
 */

export type { AccessRule, RequestAttributes } from './access.js';
export { AccessRules, EMULATOR_USER } from './access.js';
export type { AttemptContext, Behaviour, BehaviourInput, BehaviourMatcher, Step } from './behaviours.js';
export { behaviours, piDigits } from './behaviours.js';
export type { ClockOptions, ClockTimer } from './clock.js';
export { EmulatedClock } from './clock.js';
export type { UnreachableMode } from './cluster.js';
export { KubeCluster } from './cluster.js';
export type { KubeconfigOptions, KubeEmulatorOptions } from './emulator.js';
export { KubeEmulator, startKubeEmulator } from './emulator.js';
export type { FaultOptions, RecordedRequest } from './faults.js';
export { ORPHAN_WARNING } from './handlers-delete.js';
export type { StatusBody, StatusCause } from './status.js';
export type { Job, KubeObject, Pod } from './types.js';
