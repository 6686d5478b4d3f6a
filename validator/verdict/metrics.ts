/** The k6 metric objects, one per catalog entry, created in the init context as k6 requires. */
import { Counter, Rate, Trend } from 'k6/metrics';
import { catalog, type MetricName } from './catalog.ts';

type Catalog = typeof catalog;
type MetricOf<K extends MetricName> = Catalog[K]['type'] extends 'rate'
  ? Rate
  : Catalog[K]['type'] extends 'trend'
    ? Trend
    : Counter;

function create(name: MetricName): Counter | Rate | Trend {
  const spec = catalog[name];
  if (spec.type === 'rate') return new Rate(name);
  if (spec.type === 'trend') return new Trend(name, 'time' in spec);
  return new Counter(name);
}

export const metrics = Object.fromEntries(
  (Object.keys(catalog) as MetricName[]).map((name) => [name, create(name)]),
) as { [K in MetricName]: MetricOf<K> };
