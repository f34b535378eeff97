/** Counts each dispatch's end (job, outcome, duration) on its way to the notifications proper. */
import type { DispatchNotifications } from '../services/dispatches.js';
import { type Metrics, observeDispatch } from './metrics.js';

export function meteredNotifications(inner: DispatchNotifications, m: Metrics): DispatchNotifications {
  return {
    created: (d) => inner.created(d),
    changed: (d) => inner.changed(d),
    timeline: (d, events) => inner.timeline(d, events),
    finished: (d, logs) => {
      observeDispatch(m, d);
      inner.finished(d, logs);
    },
  };
}
