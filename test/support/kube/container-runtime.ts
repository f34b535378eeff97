/**
 * One emulated container inside a pod: pulls, runs its behaviour's script on the emulated clock,
 * restarts in place (CrashLoopBackOff) when the pod's restartPolicy is OnFailure, and stops on
 * SIGTERM when the pod is deleted.
 *
 * Glossary: `done` means the container will not run again (terminated for good, or stopped while
 * waiting); `started` means it ran at least once, which is what moves a pod from Pending to
 * Running.
 */

import type { Behaviour, Step } from './behaviours.js';
import type { ClockTimer, EmulatedClock } from './clock.js';
import { attachGenerated } from './generated-log.js';
import type { ContainerRunLog, LogStore } from './logs.js';
import type { Container, ContainerState, ContainerStatus } from './types.js';

export interface ContainerHost {
  readonly clock: EmulatedClock;
  readonly logs: LogStore;
  readonly podUid: string;
  readonly podRef: string;
  readonly restartPolicy: string;
  /** Picks the behaviour of the next start (bumps the attempt counter). */
  nextBehaviour(container: Container): Behaviour;
  /** Something in this container's status changed: the pod status needs a write. */
  changed(): void;
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
  randomHex(length: number): string;
}

const CRASH_BACKOFF_BASE_S = 10;
const CRASH_BACKOFF_MAX_S = 300;
const PULL_RETRY_BASE_S = 10;

export class ContainerRuntime {
  state: ContainerState = { waiting: { reason: 'ContainerCreating' } };
  lastState: ContainerState = {};
  restartCount = 0;
  started = false;
  ready = false;
  done = false;
  private timer: ClockTimer | undefined;
  private behaviour: Behaviour | undefined;
  private run: ContainerRunLog | undefined;
  private steps: Step[] = [];
  private stepIndex = 0;
  private startedAt = '';
  private containerId = '';
  private pulled = false;
  private killing = false;

  constructor(
    readonly spec: Container,
    private readonly host: ContainerHost,
    /** Containers of a pod with init containers wait as PodInitializing until those are done. */
    waitingReason = 'ContainerCreating',
  ) {
    this.state = { waiting: { reason: waitingReason } };
  }

  get name(): string {
    return this.spec.name;
  }

  get running(): boolean {
    return this.state.running !== undefined;
  }

  get exitCode(): number | undefined {
    return this.state.terminated?.exitCode;
  }

  /** First start: image pull and creation, then the script. */
  start(): void {
    this.behaviour = this.host.nextBehaviour(this.spec);
    const pullError = this.behaviour.pullError;
    if (pullError) {
      this.failPull(pullError, 0);
      return;
    }
    this.state = { waiting: { reason: 'ContainerCreating' } };
    this.host.changed();
    const startup = (this.behaviour.startupSeconds ?? 1) * 1000;
    this.schedule(startup, () => this.beginRunning());
  }

  /** SIGTERM; past `graceSeconds` the container is killed. Resolves through `changed()`. */
  kill(graceSeconds: number): void {
    if (this.done || this.killing) return;
    this.timer?.cancel();
    if (!this.running) {
      this.done = true;
      this.host.changed();
      return;
    }
    this.killing = true;
    this.host.event('Normal', 'Killing', `Stopping container ${this.name}`);
    const exitAfter = this.behaviour?.terminationSeconds ?? 0;
    if (exitAfter < graceSeconds) this.schedule(exitAfter * 1000, () => this.terminate(143));
    else this.schedule(graceSeconds * 1000, () => this.terminate(137));
  }

  status(): ContainerStatus {
    const image = this.spec.image ?? '';
    const status: ContainerStatus = {
      name: this.name,
      image,
      imageID: this.pulled ? `docker.io/library/${image}@sha256:${this.digest()}` : '',
      ready: this.ready,
      started: this.running,
      restartCount: this.restartCount,
      state: structuredClone(this.state),
      lastState: structuredClone(this.lastState),
    };
    if (this.containerId) status.containerID = this.containerId;
    return status;
  }

  private digest(): string {
    let h = 0;
    for (const ch of this.spec.image ?? '') h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
    return h.toString(16).padStart(8, '0').repeat(8);
  }

  private schedule(ms: number, fn: () => void): void {
    this.timer?.cancel();
    this.timer = this.host.clock.setTimeout(fn, ms);
  }

  private failPull(reason: 'ErrImagePull' | 'InvalidImageName', retries: number): void {
    const image = this.spec.image ?? '';
    const message =
      reason === 'InvalidImageName'
        ? `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format`
        : `failed to pull and unpack image "docker.io/library/${image}": failed to resolve reference "docker.io/library/${image}": pull access denied, repository does not exist or may require authorization`;
    this.state = { waiting: { reason, message } };
    this.host.event('Warning', 'Failed', `Failed to pull image "${image}": ${message}`);
    this.host.changed();
    if (reason === 'InvalidImageName') return;
    const backoff = Math.min(PULL_RETRY_BASE_S * 2 ** retries, CRASH_BACKOFF_MAX_S);
    this.schedule(1000, () => {
      this.state = { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } };
      this.host.event('Normal', 'BackOff', `Back-off pulling image "${image}"`);
      this.host.changed();
      this.schedule(backoff * 1000, () => this.failPull(reason, retries + 1));
    });
  }

  private beginRunning(): void {
    if (!this.pulled) {
      this.pulled = true;
      this.host.event('Normal', 'Pulled', `Container image "${this.spec.image}" already present on machine`);
    }
    this.containerId = `containerd://${this.host.randomHex(64)}`;
    this.startedAt = this.host.clock.iso();
    this.state = { running: { startedAt: this.startedAt } };
    this.started = true;
    this.ready = true;
    this.run = this.host.logs.startRun(this.host.podUid, this.name);
    this.steps = this.behaviour?.steps ?? [];
    this.stepIndex = 0;
    this.host.event('Normal', 'Created', `Created container ${this.name}`);
    this.host.event('Normal', 'Started', `Started container ${this.name}`);
    this.host.changed();
    this.runSteps();
  }

  private runSteps(): void {
    while (this.stepIndex < this.steps.length) {
      const step = this.steps[this.stepIndex++]!;
      if (step.kind === 'print') {
        for (const line of step.lines) this.run?.append(this.host.clock.now(), line);
      } else if (step.kind === 'generate') {
        if (this.run) attachGenerated(this.run, step, this.host.clock.now());
      } else if (step.kind === 'sleep') {
        if (!Number.isFinite(step.seconds)) return;
        this.schedule(step.seconds * 1000, () => this.runSteps());
        return;
      } else {
        this.terminate(step.code, step.reason);
        return;
      }
    }
    this.terminate(0);
  }

  private terminate(exitCode: number, reason?: string): void {
    this.timer?.cancel();
    this.run?.finish();
    const terminated = {
      exitCode,
      reason: reason ?? (exitCode === 0 ? 'Completed' : 'Error'),
      startedAt: this.startedAt,
      finishedAt: this.host.clock.iso(),
      containerID: this.containerId,
    };
    this.ready = false;
    if (!this.killing && exitCode !== 0 && this.host.restartPolicy === 'OnFailure') {
      this.lastState = { terminated };
      this.restartCount++;
      const delay = Math.min(CRASH_BACKOFF_BASE_S * 2 ** (this.restartCount - 1), CRASH_BACKOFF_MAX_S);
      this.state = {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${delay}s restarting failed container=${this.name} pod=${this.host.podRef}`,
        },
      };
      this.host.event(
        'Warning',
        'BackOff',
        `Back-off restarting failed container ${this.name} in pod ${this.host.podRef}`,
      );
      this.schedule(delay * 1000, () => {
        this.behaviour = this.host.nextBehaviour(this.spec);
        this.beginRunning();
      });
    } else {
      this.state = { terminated };
      this.done = true;
    }
    this.host.changed();
  }
}
