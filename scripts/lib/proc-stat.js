// What a process has cost the machine, from Linux's /proc: resident memory, and CPU time spent. A
// closed loop's rate on these 2-core machines swings by a third from one second to the next, with
// whatever else the cores are doing; the CPU each process spends on an evenly spaced request stays
// within a few per cent (BENCHMARKS.md, fifteenth pass), so the bench compares costs with it.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks a second of /proc/<pid>/stat's CPU fields (USER_HZ: 100 on every Linux seen). */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Resident memory of a process, in MB. */
export function rssMb(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** CPU time a process has spent so far in user and in system mode, in µs; undefined where /proc does not tell (not Linux, the process gone). */
export function cpuTimes(pid) {
  try {
    // The command name, in parentheses, may hold spaces: the fields are counted after its closing one.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return { user: (Number(fields[11]) * 1e6) / TICKS_PER_SECOND, system: (Number(fields[12]) * 1e6) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** cpuTimes' user and system together. */
export function cpuMicros(pid) {
  const times = cpuTimes(pid);
  return times && times.user + times.system;
}

/**
 * Spins until process `pid` (this one by default) has spent `micros` more CPU, as cpuMicros reads
 * it: a spec's known amount of work, which a stolen core or a busy GC thread makes take longer
 * but not cost more or less.
 */
export function spinCpu(micros, pid = process.pid) {
  const until = cpuMicros(pid) + micros;
  while (cpuMicros(pid) < until);
}

/**
 * The time each thread of a process has spent so far ready to run but waiting for a core (the
 * second field of /proc/<pid>/task/<tid>/schedstat), in µs by thread id; undefined where /proc does
 * not tell. A process that answers late while its threads waited long had the work ready and no
 * core to do it on. By thread, because threads end (a driver's worker) and a sum would then fall.
 */
export function threadWaits(pid) {
  try {
    const waits = {};
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        waits[tid] = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]) / 1000;
      } catch {
        // The thread ended between the listing and the read.
      }
    }
    return waits;
  } catch {
    return undefined;
  }
}

/** How much longer the threads of `after` (threadWaits) waited than in `before`: a thread that began since counts from its start. */
export function waitedBetween(before = {}, after = {}) {
  return Object.entries(after).reduce((sum, [tid, micros]) => sum + micros - (before[tid] ?? 0), 0);
}

/** The pid of the project's private database server (scripts/db.sh), when it runs; undefined otherwise. */
export function privateServerPid(pidFile = '.data/run/mysqld.pid') {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return /^(mariadbd|mysqld)$/.test(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The CPU `processes` ({ name: pid, or several pids summed }) spend between `start()` and
 * `perRequest(requests)`, which returns it divided by `requests`: { name: µs a request }. A name
 * whose CPU could not be read at either end is left out.
 */
export function cpuMeter(processes) {
  const spent = (name) => {
    const each = [processes[name]].flat().map(cpuMicros);
    return each.some((micros) => micros === undefined) ? undefined : each.reduce((sum, micros) => sum + micros, 0);
  };
  let before = {};
  return {
    start() {
      before = Object.fromEntries(Object.keys(processes).map((name) => [name, spent(name)]));
    },
    perRequest(requests) {
      const micros = {};
      for (const name of Object.keys(processes)) {
        const after = spent(name);
        if (before[name] !== undefined && after !== undefined) micros[name] = (after - before[name]) / requests;
      }
      return micros;
    },
  };
}

/** The middle value (the lower of the two middle ones for an even count); NaN for none. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : NaN;
}
