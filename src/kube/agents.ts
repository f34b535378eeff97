/**
 * Kept-alive connections to each cluster. client-node (1.4.0) builds a fresh Agent for every request,
 * so every call would open its own TCP connection, and against a real cluster do a TLS handshake. A
 * cluster's HTTP library (http-api.ts) swaps that agent for a pooled keep-alive one made with the
 * same TLS options. Node unrefs idle kept-alive sockets, so they never hold the process open.
 */
import { createHash, type Hash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { type HttpLibrary, type KubeConfig, wrapHttpLibrary } from '@kubernetes/client-node';

type Agent = http.Agent | https.Agent;

/** What client-node may copy into an agent (config.js), but `timeout` (see closingWhenIdle). */
const TLS_OPTIONS = [
  'ca',
  'cert',
  'key',
  'pfx',
  'passphrase',
  'rejectUnauthorized',
  'servername',
  'ciphers',
  'honorCipherOrder',
  'ecdhCurve',
  'clientCertEngine',
  'crl',
  'dhparam',
  'secureOptions',
  'secureProtocol',
  'sessionIdContext',
] as const;

/**
 * Idle connections are closed after this, before the server closes them: a request sent on a
 * connection the server is closing at that moment fails with ECONNRESET. Node's servers (the
 * emulator's) close idle ones after 5 s; 4 s is undici's default.
 */
const IDLE_MS = 4_000;

/** One cluster's keep-alive agents, one per set of TLS options: a rotated client cert gets its own. */
export class AgentPool {
  /** In the order made: the first is the oldest, the one to drop. */
  readonly #agents = new Map<string, Agent>();

  constructor(private readonly max = 4) {}

  get size(): number {
    return this.#agents.size;
  }

  /** Proxy agents (subclasses) and undefined pass through: their options are not ours to copy. */
  for<A extends Agent | undefined>(agent: A): A {
    const kind = agent?.constructor;
    if (!agent || (kind !== http.Agent && kind !== https.Agent)) return agent;
    const given = (agent as https.Agent).options as Record<string, unknown>;
    const options = Object.fromEntries(
      TLS_OPTIONS.filter((name) => given[name] !== undefined).map((name) => [name, given[name]]),
    );
    const key = hashOf(kind === https.Agent ? 'https' : 'http', options);
    let pooled = this.#agents.get(key);
    if (!pooled) {
      pooled = closingWhenIdle(new (kind as typeof https.Agent)({ ...options, keepAlive: true }));
      this.#agents.set(key, pooled);
      for (const [oldKey, old] of this.#agents) {
        if (this.#agents.size <= this.max) break;
        this.#agents.delete(oldKey);
        old.destroy();
      }
    }
    return pooled as A;
  }

  destroy(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }
}

/**
 * A timeout on idle sockets only. The agent's `timeout` option is set on sockets in use as well,
 * where a log read may be quiet for long. The agent destroys a free socket that times out.
 */
function closingWhenIdle(agent: Agent): Agent {
  const keep = agent.keepSocketAlive.bind(agent) as (socket: Socket) => boolean;
  const reuse = agent.reuseSocket.bind(agent);
  agent.keepSocketAlive = ((socket: Socket) => {
    const kept = keep(socket);
    socket.setTimeout(IDLE_MS);
    return kept;
  }) as Agent['keepSocketAlive'];
  agent.reuseSocket = (socket, request) => {
    (socket as Socket).setTimeout(0);
    reuse(socket, request);
  };
  return agent;
}

function hashOf(kind: string, options: Record<string, unknown>): string {
  const hash = createHash('sha256').update(kind);
  for (const name of TLS_OPTIONS) feed(hash.update(`\0${name}=`), options[name]);
  return hash.digest('hex');
}

function feed(hash: Hash, value: unknown): void {
  if (Array.isArray(value)) for (const v of value) feed(hash.update('\0[]'), v);
  else if (typeof value === 'string' || Buffer.isBuffer(value)) {
    // Length-prefixed, so no two values run together into the same bytes.
    const bytes = typeof value === 'string' ? Buffer.from(value) : value;
    hash.update(`${bytes.length}:`).update(bytes);
  } else hash.update(JSON.stringify(value) ?? 'undefined');
}

const pools = new WeakMap<KubeConfig, AgentPool>();

/** `library` sending every request of `kc` over `kc`'s pooled connections. */
export function keepingAlive(kc: KubeConfig, library: HttpLibrary): HttpLibrary {
  return wrapHttpLibrary({
    send(request) {
      const pool = pools.get(kc) ?? new AgentPool();
      pools.set(kc, pool);
      const agent = request.getAgent();
      if (agent) request.setAgent(pool.for(agent));
      return library.send(request).toPromise();
    },
  });
}

/** Closes `kc`'s pooled connections, idle or not. A later request starts a new pool. */
export function closeAgents(kc: KubeConfig): void {
  pools.get(kc)?.destroy();
  pools.delete(kc);
}
