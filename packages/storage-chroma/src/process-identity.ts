import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/** Who wrote a journal: enough for another process to tell whether the writer can still be running. */
export interface ProcessOwner {
  host: string;
  /** The PID namespace (Linux), so that two containers with one host name do not read each other's pids. */
  pidNamespace: string;
  pid: number;
  /** The backend instance within the process. */
  instance: string;
}

export function processOwner(instance: string): ProcessOwner {
  let pidNamespace = '';
  try {
    pidNamespace = readlinkSync('/proc/self/ns/pid');
  } catch {
    // No /proc (macOS, Windows): the host name alone decides, with the age rule as the fallback.
  }
  return { host: hostname(), pidNamespace, pid: process.pid, instance };
}

/**
 * True when no process `pid` runs any more. A zombie counts as gone: it holds no connection or file and only waits
 * for its parent to reap it.
 */
export function isProcessGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** Whether a process described by `owner` is certainly gone, as seen from this process. */
export function ownerIsGone(owner: ProcessOwner, live: ReadonlySet<string>): boolean | undefined {
  if (live.has(owner.instance)) return false;
  const here = processOwner('');
  if (owner.host !== here.host || owner.pidNamespace !== here.pidNamespace) return undefined; // cannot tell
  if (owner.pid === process.pid) return true; // this process, and that backend is closed
  return isProcessGone(owner.pid);
}
