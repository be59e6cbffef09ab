/**
 * Runs one command and measures wall time, CPU time and peak resident memory.
 *
 * Peak memory comes from GNU time (`/usr/bin/time -v`, "Maximum resident set size": the
 * largest single process among those it waited for) when it is present and works; else
 * /proc/<pid>/status VmHWM of the command's own process is polled every 20 ms (VmHWM only
 * grows, so the last reading before exit is the peak up to 20 ms before the end).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBounded } from './procs.mjs';

const GNU_TIME = '/usr/bin/time';
let gnuTimeOk;

/** True when /usr/bin/time is GNU time and `-v -o FILE` works. */
export async function hasGnuTime() {
  if (gnuTimeOk !== undefined) return gnuTimeOk;
  gnuTimeOk = false;
  if (!existsSync(GNU_TIME)) return false;
  const dir = mkdtempSync(path.join(tmpdir(), 'rootlock-bench-'));
  try {
    const out = path.join(dir, 'time.txt');
    const r = await runBounded(GNU_TIME, ['-v', '-o', out, 'true'], { timeoutMs: 10_000 });
    gnuTimeOk = r.code === 0 && existsSync(out) && /Maximum resident set size/.test(readFileSync(out, 'utf8'));
  } catch {
    gnuTimeOk = false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return gnuTimeOk;
}

/** Parses GNU `time -v` output. Times in ms, memory in MiB. */
export function parseGnuTime(text) {
  const num = (re) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const elapsed = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)/.exec(text)?.[1];
  let elapsedMs;
  if (elapsed) {
    const parts = elapsed.split(':').map(Number);
    let s = 0;
    for (const p of parts) s = s * 60 + p;
    elapsedMs = Math.round(s * 1000);
  }
  const user = num(/User time \(seconds\): ([\d.]+)/);
  const sys = num(/System time \(seconds\): ([\d.]+)/);
  const rssKb = num(/Maximum resident set size \(kbytes\): (\d+)/);
  return {
    elapsedMs,
    userMs: user === undefined ? undefined : Math.round(user * 1000),
    sysMs: sys === undefined ? undefined : Math.round(sys * 1000),
    cpuMs: user === undefined || sys === undefined ? undefined : Math.round((user + sys) * 1000),
    peakRssMiB: rssKb === undefined ? undefined : Math.round((rssKb / 1024) * 10) / 10,
    exitStatus: num(/Exit status: (\d+)/),
  };
}

/** Reads VmHWM (kB) and utime+stime (clock ticks) of a live process; undefined once it is gone. */
function readProc(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { hwmKb: hwm ? Number(hwm[1]) : undefined, ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/**
 * Runs `cmd args` to completion (bounded by timeoutMs) and returns
 * { code, timedOut, wallMs, cpuMs, peakRssMiB, method, stdout, stderr, startedAt, endedAt }
 * where startedAt/endedAt are process.hrtime.bigint() values (for lining up proxy logs).
 */
export async function runMeasured(cmd, args, { env, cwd, timeoutMs = 600_000 } = {}) {
  const startedAt = process.hrtime.bigint();
  if (await hasGnuTime()) {
    const dir = mkdtempSync(path.join(tmpdir(), 'rootlock-bench-'));
    const out = path.join(dir, 'time.txt');
    try {
      const r = await runBounded(GNU_TIME, ['-v', '-o', out, cmd, ...args], { env, cwd, timeoutMs });
      const endedAt = process.hrtime.bigint();
      const t = existsSync(out) ? parseGnuTime(readFileSync(out, 'utf8')) : {};
      return {
        code: t.exitStatus ?? r.code,
        timedOut: r.timedOut,
        wallMs: Math.round(r.wallMs),
        cpuMs: t.cpuMs,
        userMs: t.userMs,
        sysMs: t.sysMs,
        peakRssMiB: t.peakRssMiB,
        method: '/usr/bin/time -v',
        stdout: r.stdout,
        stderr: r.stderr,
        startedAt,
        endedAt,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  let last;
  let timer;
  const r = await runBounded(cmd, args, {
    env,
    cwd,
    timeoutMs,
    onSpawn: (child) => {
      const poll = () => {
        const p = readProc(child.pid);
        if (p) last = p;
      };
      poll();
      timer = setInterval(poll, 20);
    },
  });
  clearInterval(timer);
  const endedAt = process.hrtime.bigint();
  return {
    code: r.code,
    timedOut: r.timedOut,
    wallMs: Math.round(r.wallMs),
    cpuMs: last ? Math.round((last.ticks * 1000) / 100) : undefined,
    peakRssMiB: last?.hwmKb === undefined ? undefined : Math.round((last.hwmKb / 1024) * 10) / 10,
    method: 'poll /proc/<pid>/status VmHWM every 20 ms',
    stdout: r.stdout,
    stderr: r.stderr,
    startedAt,
    endedAt,
  };
}
