/** The machine the figures came from, as BENCHMARKS.md reports it. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unavailable';
  }
}

export function machineInfo(): Record<string, string | number> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    nproc: Number(run('nproc', [])) || os.availableParallelism(),
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown',
    memory: run('free', ['-h']),
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    kubectl: run('/usr/bin/kubectl', ['version', '--client']).split('\n')[0] ?? 'unavailable',
  };
}
