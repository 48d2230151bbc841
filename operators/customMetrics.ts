import { ConfigError, MissingMetricError } from '../lib/errors.js'
import type { Tags, TrainingStep } from '../lib/step.js'
import { metricOperator, type MetricOperator } from './metricOperator.js'

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
    return metricOperator((emit) => (s) => {
      const values = s.metrics
      for (let i = 0; i < count; i++) {
        const name = names[i]!
        const value = values[name]
        if (value === undefined) throw new MissingMetricError(name, s.step, Object.keys(values))
        emit('store', name, +value, tags, s)
      }
    })
  }
  const selectors = names.map((name) => (metrics as MetricSelectors)[name]!)
  return metricOperator((emit) => (s) => {
    for (let i = 0; i < count; i++) {
      emit('store', names[i]!, +selectors[i]!(s), tags, s)
    }
  })
}
