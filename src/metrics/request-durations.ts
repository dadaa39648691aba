import type { Metric, Registry } from 'prom-client';

/** One line of the export, as prom-client's formatter reads it. */
interface ExportedValue {
  metricName: string;
  labels: Readonly<Record<string, string | number>>;
  value: number;
}

/** One label set's histogram: a count per bucket (the last is +Inf), their sum and total. */
export class DurationSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(seconds: number): void {
    let bucket = 0;
    // `le` buckets: the first bound at or above the value; a few bounds, so a plain scan.
    while (bucket < this.bounds.length && seconds > this.bounds[bucket]) bucket++;
    this.counts[bucket]++;
    this.sum += seconds;
    this.count++;
  }
}

/**
 * The request-duration histogram, counted in plain arrays. prom-client's Histogram converts,
 * validates and hashes the labels of every observation, even through a child from `labels()`:
 * a sixth of what a do-nothing request cost here (BENCHMARKS.md). This one is registered in the
 * same registry and printed by prom-client's own formatter, in the same exposition format.
 */
export class RequestDurations {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /** method → route → status → its series, so an observation allocates nothing. */
  private readonly series = new Map<string, Map<string, Map<number, DurationSeries>>>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    // prom-client's registry asks a metric only for its name and get(); this is one.
    registry.registerMetric(this as unknown as Metric);
  }

  seriesFor(method: string, route: string, status: number): DurationSeries {
    let byRoute = this.series.get(method);
    if (!byRoute) this.series.set(method, (byRoute = new Map()));
    let byStatus = byRoute.get(route);
    if (!byStatus) byRoute.set(route, (byStatus = new Map()));
    let series = byStatus.get(status);
    if (!series) byStatus.set(status, (series = new DurationSeries({ method, route, status: String(status) }, this.bounds)));
    return series;
  }

  /** What prom-client's Histogram exports: cumulative `_bucket` lines with `le`, then `_sum` and `_count`, per label set. */
  get(): { name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: ExportedValue[] } {
    const values: ExportedValue[] = [];
    for (const byRoute of this.series.values())
      for (const byStatus of byRoute.values())
        for (const series of byStatus.values()) {
          let cumulative = 0;
          this.bounds.forEach((bound, i) => {
            cumulative += series.counts[i];
            values.push({ metricName: `${this.name}_bucket`, labels: { ...series.labels, le: bound }, value: cumulative });
          });
          values.push(
            { metricName: `${this.name}_bucket`, labels: { ...series.labels, le: '+Inf' }, value: series.count },
            { metricName: `${this.name}_sum`, labels: series.labels, value: series.sum },
            { metricName: `${this.name}_count`, labels: series.labels, value: series.count },
          );
        }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
