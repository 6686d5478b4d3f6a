/**
 * The k6 metric objects, one per catalog entry, created in the init context as k6 requires. Each costs
 * about 1.45 KB in every VU: the metrics only teardown records (the audit, readiness on drain) are
 * created in VU 0 only, where k6 runs setup, teardown and handleSummary and first reads the options, so
 * their thresholds always find them.
 */
import { Counter, Rate, Trend } from 'k6/metrics';
import { type MetricName, type MetricSpec, metricCatalog } from './catalog.ts';

type Catalog = ReturnType<typeof metricCatalog>;
type MetricOf<K extends MetricName> = Catalog[K]['type'] extends 'rate'
  ? Rate
  : Catalog[K]['type'] extends 'trend'
    ? Trend
    : Counter;

function create(name: string, spec: MetricSpec): Counter | Rate | Trend {
  if (spec.type === 'rate') return new Rate(name);
  if (spec.type === 'trend') return new Trend(name, spec.time === true);
  return new Counter(name);
}

/** The catalog is read here and dropped: only the metric objects stay. */
function createMetrics() {
  const catalog: Record<string, MetricSpec> = metricCatalog();
  return Object.fromEntries(
    Object.entries(catalog)
      .filter(([, spec]) => __VU === 0 || !spec.teardown)
      .map(([name, spec]) => [name, create(name, spec)]),
  ) as { [K in MetricName]: MetricOf<K> };
}

export const metrics = createMetrics();
