// What the machine and the database did, in 100-ms samples, while a latency phase ran: the CPU of
// each named process and of the whole machine (steal and iowait apart), and InnoDB's purge, page
// flushing and running threads. Read beside the phase's slow answers (summarizeTrace), it says
// whether a burst came with the database's own work, the hypervisor taking the cores, or the
// phase's first moments, instead of leaving each missed p99 to a guess (BENCHMARKS.md, sixteenth pass).
import { readFileSync } from 'node:fs';
import { cpuMicros, threadWaits, waitedBetween } from './proc-stat.js';

/** What summarizeTrace reads: a counter, as the change since the last sample; two levels, as read. */
const COUNTERS = ['Innodb_buffer_pool_pages_flushed'];
const LEVELS = ['Innodb_history_list_length', 'Threads_running'];
const STATUS_QUERY = `SHOW GLOBAL STATUS WHERE Variable_name IN (${[...COUNTERS, ...LEVELS].map((name) => `'${name}'`).join(', ')})`;

/** The machine's CPU so far, in clock ticks of all its cores: busy (user, nice, system, irq, softirq), iowait, steal, idle. */
function machineTicks() {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number);
  return { busy: user + nice + system + irq + softirq, iowait, steal, idle };
}

const minus = (a, b) => Object.fromEntries(Object.keys(a).map((key) => [key, a[key] - (b[key] ?? 0)]));

/**
 * Starts sampling every `everyMs`: `processes` is { name: pid or [pids] }, `database` a mysql2 pool
 * (or undefined) whose server's InnoDB status is read. `mark()` sets the moment `at` counts from
 * (the phase's first measured send: the samples of its warm-up have a negative `at`); `stop()`
 * resolves to the samples, each { at (its end), ms, cpu: { name: µs }, waited: { name: µs its threads
 * waited for a core }, machine: ticks, innodb }.
 */
export function tracePhase({ processes, database, everyMs = 100 }) {
  const samples = [];
  let origin = performance.now();
  const read = async () => {
    const status = {};
    if (database) for (const row of (await database.query(STATUS_QUERY))[0]) status[row.Variable_name] = Number(row.Value);
    const each = (of) => Object.fromEntries(Object.entries(processes).map(([name, pids]) => [name, [pids].flat().map(of)]));
    return { now: performance.now(), cpu: each((pid) => cpuMicros(pid) ?? 0), waits: each((pid) => threadWaits(pid) ?? {}), machine: machineTicks(), status };
  };
  let stopped = false;
  const loop = (async () => {
    let previous = await read();
    while (!stopped) {
      await new Promise((resolve) => setTimeout(resolve, everyMs));
      const current = await read();
      const levels = Object.fromEntries(LEVELS.filter((name) => name in current.status).map((name) => [name, current.status[name]]));
      const counters = minus(Object.fromEntries(COUNTERS.filter((name) => name in current.status).map((name) => [name, current.status[name]])), previous.status);
      samples.push({
        at: current.now - origin,
        ms: current.now - previous.now,
        cpu: Object.fromEntries(Object.keys(processes).map((name) => [name, current.cpu[name].reduce((sum, micros, i) => sum + micros - previous.cpu[name][i], 0)])),
        waited: Object.fromEntries(Object.keys(processes).map((name) => [name, current.waits[name].reduce((sum, waits, i) => sum + waitedBetween(previous.waits[name][i], waits), 0)])),
        machine: minus(current.machine, previous.machine),
        innodb: { ...levels, ...counters },
      });
      previous = current;
    }
  })();
  return {
    mark() {
      const now = performance.now();
      for (const sample of samples) sample.at -= now - origin;
      origin = now;
    },
    async stop() {
      stopped = true;
      await loop;
      return samples;
    },
  };
}

/**
 * The measured samples of a trace split by whether an answer over SLOW_ANSWER_MS was due in them
 * (`timeline`: openLoop's 100-ms bins, whose `slow` counts those), each side reduced to: how many,
 * the machine's cores busy, stolen and in iowait (% of all of them), each process's CPU and its
 * threads' wait for a core (% of one core's time), the samples in which InnoDB's purge ran (its
 * history list fell by half or more), the pages flushed and the most threads running. Also the slow
 * answers of the first second against all of them: a phase that starts with a burst.
 */
export function summarizeTrace(samples, timeline, { binMs = 100 } = {}) {
  const bins = new Map(timeline.map((bin) => [Math.floor(bin.at / binMs), bin]));
  const slowIn = (sample) => bins.get(Math.floor((sample.at - sample.ms / 2) / binMs))?.slow ?? 0;
  const history = (sample) => sample?.innodb.Innodb_history_list_length;
  const purgedIn = new Set(samples.filter((sample, i) => history(samples[i - 1]) > 0 && history(sample) <= history(samples[i - 1]) / 2));
  const measured = samples.filter((sample) => sample.at - sample.ms / 2 >= 0);
  const side = (list) => {
    const sum = (of) => list.reduce((total, sample) => total + of(sample), 0);
    const ticks = sum(({ machine: m }) => m.busy + m.iowait + m.steal + m.idle) || 1;
    const ofTicks = (field) => (100 * sum((sample) => sample.machine[field])) / ticks;
    const micros = sum((sample) => sample.ms) * 1000 || 1;
    const ofCore = (field) => Object.fromEntries(Object.keys(list[0]?.[field] ?? {}).map((name) => [name, (100 * sum((sample) => sample[field][name])) / micros]));
    return {
      samples: list.length,
      busyPct: ofTicks('busy'),
      stealPct: ofTicks('steal'),
      iowaitPct: ofTicks('iowait'),
      cpuPct: ofCore('cpu'),
      waitedPct: ofCore('waited'),
      purged: list.filter((sample) => purgedIn.has(sample)).length,
      pagesFlushed: sum((sample) => sample.innodb.Innodb_buffer_pool_pages_flushed ?? 0),
      threadsRunning: Math.max(0, ...list.map((sample) => sample.innodb.Threads_running ?? 0)),
    };
  };
  const slowOf = (list) => list.reduce((total, bin) => total + bin.slow, 0);
  return {
    slow: side(measured.filter((sample) => slowIn(sample) > 0)),
    calm: side(measured.filter((sample) => slowIn(sample) === 0)),
    slowAnswers: slowOf(timeline),
    slowInFirstSecond: slowOf(timeline.filter((bin) => bin.at < 1000)),
  };
}
