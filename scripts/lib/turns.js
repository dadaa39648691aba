// Contenders measured in turns within one run. These machines' speed drifts by half from one minute
// to the next: measured one after another for 10 s each, payonce's HTTP payments ran at 0.68-1.27 of
// raw mysql2 over 20 runs, above raw itself in 5 (BENCHMARKS.md, eleventh pass), a figure of the
// moments as much as of the contenders. In turns, each ratio compares slices measured seconds apart.
import { summarize } from './load.js';

/**
 * Runs each of `contenders` ({ name: () => Promise<slice> }) once a round for `rounds` rounds, the order
 * turned by one each round, so that none always goes first or always follows the same one. A slice is
 * what one run resolved to, with at least { rate, seconds } and, for its latency, `latencies`.
 * Resolves to { name: [the slice of round 0, round 1, ...] }.
 */
export async function inTurns(contenders, rounds) {
  const names = Object.keys(contenders);
  const slices = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length];
      slices[name][round] = await contenders[name]();
    }
  }
  return slices;
}

/**
 * A contender's slices as one run: its rate over all of them (every counted answer over every counted
 * second), the lowest and highest slice's, the latency of all its answers, and the sum of each count
 * the slices share (non2xx, errors, ...). `firstError` is the first slice's that had one.
 */
export function pooled(slices) {
  const seconds = slices.reduce((sum, slice) => sum + slice.seconds, 0);
  const answers = slices.reduce((sum, slice) => sum + slice.rate * slice.seconds, 0);
  const rates = slices.map((slice) => slice.rate);
  const counts = {};
  for (const field of ['ok2xx', 'non2xx', 'errors']) {
    if (slices.some((slice) => typeof slice[field] === 'number')) counts[field] = slices.reduce((sum, slice) => sum + (slice[field] ?? 0), 0);
  }
  return {
    ...counts,
    seconds,
    rate: seconds > 0 ? answers / seconds : 0,
    low: Math.min(...rates),
    high: Math.max(...rates),
    exhausted: slices.some((slice) => slice.exhausted),
    firstError: slices.find((slice) => slice.firstError)?.firstError,
    latency: summarize(slices.flatMap((slice) => slice.latencies ?? [])),
  };
}

/** `a`'s rate over `b`'s, pooled over the whole run, and the lowest and highest of the two's ratios round by round. */
export function ratioInTurns(a, b) {
  const byRound = a.map((slice, round) => slice.rate / b[round].rate);
  return { ratio: pooled(a).rate / pooled(b).rate, low: Math.min(...byRound), high: Math.max(...byRound) };
}
