/**
 * The k6 metric objects, one per catalog entry, created in the init context as k6 requires. Each costs
 * about 1.3 KB in every VU: the audit's metrics (`zd_audit_*`, recorded in teardown) are created only in
 * VU 0, where k6 runs setup, teardown and handleSummary and first reads the options, so their thresholds
 * always find them.
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

const inThisVu = (name: string) => __VU === 0 || !name.startsWith('zd_audit_');

/** The catalog is read here and dropped: only the metric objects stay. */
function createMetrics() {
  const catalog: Record<string, MetricSpec> = metricCatalog();
  return Object.fromEntries(
    Object.keys(catalog)
      .filter(inThisVu)
      .map((name) => [name, create(name, catalog[name] as MetricSpec)]),
  ) as { [K in MetricName]: MetricOf<K> };
}

export const metrics = createMetrics();
