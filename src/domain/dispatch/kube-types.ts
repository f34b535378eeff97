/**
 * The few fields of batch/v1 Jobs and v1 Pods that dispatch status is derived from, as plain shapes.
 * Both the client's typed objects (timestamps as Date) and raw watch JSON (timestamps as RFC 3339
 * strings) fit them, so the domain needs no Kubernetes client. Everything is optional: a Job seen
 * a moment after creation has no status yet.
 */

export type Timestamp = string | Date;

export interface ConditionLike {
  type: string;
  /** 'True', 'False' or 'Unknown'. */
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: Timestamp;
}

export interface MetadataLike {
  name?: string;
  uid?: string;
  labels?: Record<string, string>;
  creationTimestamp?: Timestamp;
  deletionTimestamp?: Timestamp;
}

export interface JobLike {
  metadata?: MetadataLike;
  spec?: {
    backoffLimit?: number;
    completions?: number;
    parallelism?: number;
    activeDeadlineSeconds?: number;
    template?: { spec?: { restartPolicy?: string } };
  };
  status?: {
    active?: number;
    ready?: number;
    succeeded?: number;
    failed?: number;
    terminating?: number;
    startTime?: Timestamp;
    completionTime?: Timestamp;
    conditions?: ConditionLike[];
  };
}

export interface ContainerStateLike {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: Timestamp };
  terminated?: {
    exitCode?: number;
    signal?: number;
    reason?: string;
    message?: string;
    startedAt?: Timestamp;
    finishedAt?: Timestamp;
  };
}

export interface ContainerStatusLike {
  name: string;
  image?: string;
  ready?: boolean;
  restartCount?: number;
  state?: ContainerStateLike;
  lastState?: ContainerStateLike;
}

export interface PodLike {
  metadata?: MetadataLike;
  status?: {
    /** Pending, Running, Succeeded, Failed or Unknown. */
    phase?: string;
    /** Why the whole pod ended, e.g. Evicted or DeadlineExceeded. */
    reason?: string;
    message?: string;
    startTime?: Timestamp;
    conditions?: ConditionLike[];
    containerStatuses?: ContainerStatusLike[];
    initContainerStatuses?: ContainerStatusLike[];
  };
}

/** The Job's controller-uid label on its pods (both spellings the API server sets). */
export const LABEL_CONTROLLER_UID = 'batch.kubernetes.io/controller-uid';
export const LABEL_CONTROLLER_UID_LEGACY = 'controller-uid';

/** An RFC 3339 string for a timestamp, or undefined when missing or unreadable. */
export function isoTime(value: Timestamp | undefined | null): string | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

export function conditionTrue(
  conditions: ConditionLike[] | undefined,
  type: string,
): ConditionLike | undefined {
  return conditions?.find((c) => c.type === type && c.status === 'True');
}
