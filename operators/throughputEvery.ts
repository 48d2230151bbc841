import { ConfigError } from '../lib/errors.js'
import type { Tags } from '../lib/step.js'
import { metricOperator, type MetricOperator } from './metricOperator.js'

/** Options of {@link throughputEvery}. */
export interface ThroughputEveryOptions {
  /** Tag `model_name`. */
  modelName?: string
  /** Tag `cluster_type`. Default `'stable'`. */
  clusterType?: string
  /** When the job started, in seconds since the epoch; enables `run_start_elapsed_time.all`. */
  startTimeSecs?: number
}

/**
 * ThroughputMetricHook. Step-driven, no timers: the first step sets the mark; each
 * later step at least `secs` past the mark emits counter `run_steps.all` (steps
 * since the mark) and timer `run_steps_elapsed_time.all` (seconds per step since
 * the mark), then becomes the mark. With `startTimeSecs`, the first step also emits
 * timer `run_start_elapsed_time.all` (seconds from the job's start to that step).
 * Tags: `{ model_name, cluster_type }`. A due step that did not advance `step` emits
 * nothing and leaves the mark where it was; a step below the mark (a new run)
 * becomes the mark and emits nothing.
 *
 * @example
 * ```ts
 * import { fromLoop, throughputEvery } from 'rxtrain'
 * fromLoop({ steps: 1000, step: () => ({ loss: 0 }) })
 *   .pipe(throughputEvery(0.001, { modelName: 'demo' }))
 *   .subscribe((m) => console.log(m.name, m.value))
 * ```
 * @param secs seconds between emissions; default 30
 * @param options tags and the job's start time
 * @returns an operator from steps to metrics
 */
export function throughputEvery(
  secs = 30,
  options: ThroughputEveryOptions = {},
): MetricOperator {
  if (!(secs >= 0) || !Number.isFinite(secs)) {
    throw new ConfigError(`throughputEvery: secs must be a finite number >= 0, got ${String(secs)}`)
  }
  const tags: Tags = { model_name: options.modelName ?? '', cluster_type: options.clusterType ?? 'stable' }
  const everyMs = secs * 1000
  const startTimeSecs = options.startTimeSecs
  return metricOperator((emit) => {
    let markStep = -1
    let markTimeMs = 0
    return (s) => {
      if (markStep < 0) {
        markStep = s.step
        markTimeMs = s.timeMs
        if (startTimeSecs !== undefined) {
          const value = s.timeMs / 1000 - startTimeSecs
          emit('timer', 'run_start_elapsed_time.all', value, tags, s)
        }
        return
      }
      const elapsedMs = s.timeMs - markTimeMs
      if (elapsedMs < everyMs) return
      const steps = s.step - markStep
      // No progress: keep the mark, so the stalled time counts in the next report.
      if (steps === 0) return
      // The global step went back (a new run on the same stream): start over from here.
      if (steps < 0) {
        markStep = s.step
        markTimeMs = s.timeMs
        return
      }
      markStep = s.step
      markTimeMs = s.timeMs
      emit('counter', 'run_steps.all', steps, tags, s)
      const value = elapsedMs / 1000 / steps
      emit('timer', 'run_steps_elapsed_time.all', value, tags, s)
    }
  })
}
