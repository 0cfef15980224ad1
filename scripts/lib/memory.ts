import { readFileSync } from 'node:fs';

/** A process's resident memory in MB, read from /proc (Linux). */
export function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return line === null ? NaN : Math.round(Number(line[1]) / 1024);
}

/** The CPU time a process has used, user and system, in ms, read from /proc (Linux). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  // utime and stime, the 14th and 15th fields of the line (12th and 13th after the name), in clock ticks of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
