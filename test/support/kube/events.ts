/**
 * core/v1 Events written by the emulated controllers, so `kubectl describe` and event watches see
 * what a cluster would say (SuccessfulCreate, Completed, BackoffLimitExceeded, BackOff...).
 */

import type { EmulatedClock } from './clock.js';
import type { IdSource } from './ids.js';
import type { ObjectStore } from './store.js';
import type { KubeObject } from './types.js';

export class EventRecorder {
  enabled = true;

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: EmulatedClock,
    private readonly ids: IdSource,
  ) {}

  record(
    obj: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    component: string,
  ): void {
    if (!this.enabled) return;
    const at = this.clock.iso();
    const suffix = Math.floor(this.ids.next() * 2 ** 52)
      .toString(16)
      .padStart(13, '0')
      .slice(0, 13);
    this.store.create('events', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${obj.metadata.name}.${suffix}`,
        namespace: obj.metadata.namespace ?? 'default',
        uid: this.ids.uid(),
        creationTimestamp: at,
      },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      reason,
      message,
      source: { component },
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: component,
      reportingInstance: '',
    });
  }
}
