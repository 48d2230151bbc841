import { ConfigError, MissingMetricError } from '../lib/errors.js'
import type { Tags, TrainingStep } from '../lib/step.js'
import { metricOperator, type Emit, type MetricOperator } from './metricOperator.js'

/** A metric computed from a step, by name. */
export type MetricSelectors = Record<string, (step: TrainingStep) => number>

/**
 * CustomMetricHook: a store per metric per step, in the order given. Names read
 * `step.metrics[name]` (a step without it is an error naming both); selectors
 * compute a value from the step.
 *
 * @example
 * ```ts
 * import { fromLoop, customMetrics } from 'rxtrain'
 * fromLoop({ steps: 2, step: () => ({ loss: 1, metrics: { acc: 0.5 } }) })
 *   .pipe(customMetrics(['acc']))
 *   .subscribe((m) => console.log(m.name, m.value)) // acc 0.5, twice
 * ```
 * @param metrics metric names, or selectors by name; not empty
 * @param options `tags` for every metric
 * @returns an operator from steps to metrics
 * @throws ConfigError when no metric is given
 */
export function customMetrics(
  metrics: readonly string[] | MetricSelectors,
  options: { tags?: Tags } = {},
): MetricOperator {
  const names = Array.isArray(metrics) ? [...(metrics as readonly string[])] : Object.keys(metrics ?? {})
  if (names.length === 0) throw new ConfigError('customMetrics: the metric list is empty; name at least one metric')
  for (const name of names) {
    const bad = Array.isArray(metrics) ? typeof name !== 'string' : typeof (metrics as MetricSelectors)[name] !== 'function'
    if (bad) throw new ConfigError(`customMetrics: metric '${String(name)}' must be a name or a function of the step`)
  }
  const tags = options.tags
  const count = names.length
  if (Array.isArray(metrics)) {
    // By name, read in place: no selector call per metric (the per-step path of most runs).
    const read = compiledReader(names, tags) ?? keyedReader(names, tags)
    return metricOperator((emit) => (s) => read(s, emit))
  }
  const selectors = names.map((name) => (metrics as MetricSelectors)[name]!)
  return metricOperator((emit) => (s) => {
    for (let i = 0; i < count; i++) {
      emit('store', names[i]!, +selectors[i]!(s), tags, s)
    }
  })
}

/** Reads the named metrics of one step and emits a store for each. */
type Reader = (step: TrainingStep, emit: Emit) => void

function missing(name: string, step: TrainingStep): never {
  throw new MissingMetricError(name, step.step, Object.keys(step.metrics))
}

/** Reads `step.metrics[name]` for each name with one keyed load site, which sees every name. */
function keyedReader(names: readonly string[], tags: Tags | undefined): Reader {
  const count = names.length
  return (s, emit) => {
    const values = s.metrics
    for (let i = 0; i < count; i++) {
      const name = names[i]!
      const value = values[name]
      if (value === undefined) missing(name, s)
      emit('store', name, +value, tags, s)
    }
  }
}

/**
 * A reader compiled for these names: one property load per name, each a site of its
 * own that V8 keeps monomorphic, where a loop's single keyed load turns megamorphic
 * after the second name (about 10 ns a metric). Names go in only as JSON string
 * literals. Returns undefined where the runtime forbids `new Function` (a strict
 * Content-Security-Policy); the keyed reader is used there.
 */
function compiledReader(names: readonly string[], tags: Tags | undefined): Reader | undefined {
  const body = names
    .map((name) => {
      const key = JSON.stringify(name)
      return `v = m[${key}]; if (v === undefined) missing(${key}, s); emit('store', ${key}, +v, tags, s);`
    })
    .join('\n')
  try {
    const make = new Function('missing', 'tags', `return function read(s, emit) { const m = s.metrics; let v; ${body} }`)
    return make(missing, tags) as Reader
  } catch {
    return undefined
  }
}
