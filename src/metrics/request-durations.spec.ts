import { describe, expect, it } from '@jest/globals';
import { Histogram, Registry } from 'prom-client';
import { RequestDurations } from './request-durations.js';

const BOUNDS = [0.005, 0.01, 0.025, 0.1, 1];

/** Each sample line as name, its labels sorted, and value: the exposition format says label order carries no meaning. */
function samples(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [, name, labels = '', value] = /^([\w:]+)(?:\{(.*)\})? (\S+)$/.exec(line)!;
      return `${name}{${labels.split(',').sort().join(',')}} ${value}`;
    })
    .sort();
}

describe('RequestDurations', () => {
  it("exports exactly what prom-client's Histogram exports for the same observations", async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const durations = new RequestDurations('payonce_http_request_duration_seconds', 'Time to answer a request', BOUNDS, ours);
    const reference = new Histogram({ name: 'payonce_http_request_duration_seconds', help: 'Time to answer a request', labelNames: ['method', 'route', 'status'], buckets: BOUNDS, registers: [theirs] });
    const observations: [string, string, number, number][] = [
      ['GET', '/health/live', 200, 0.0004],
      ['GET', '/health/live', 200, 0.005],
      ['GET', '/health/live', 200, 0.0051],
      ['POST', '/api/v1/payments', 200, 0.03],
      ['POST', '/api/v1/payments', 409, 2.5],
      ['GET', 'unmatched', 404, 1],
    ];
    for (const [method, route, status, seconds] of observations) {
      durations.seriesFor(method, route, status).observe(seconds);
      reference.labels(method, route, String(status)).observe(seconds);
    }
    const [text, expected] = [await ours.metrics(), await theirs.metrics()];
    expect(samples(text)).toEqual(samples(expected));
    expect(text.split('\n').slice(0, 2)).toEqual(expected.split('\n').slice(0, 2));
    expect(text).toContain('payonce_http_request_duration_seconds_bucket{method="GET",route="/health/live",status="200",le="0.005"} 2');
  });
});
