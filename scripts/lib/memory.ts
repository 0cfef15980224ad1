import { readFileSync } from 'node:fs';

/** A process's resident memory in MB, read from /proc (Linux). */
export function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return line === null ? NaN : Math.round(Number(line[1]) / 1024);
}
