import { connect, merge, type OperatorFunction } from 'rxjs'
import type { Metric, TrainingStep } from '../lib/step.js'

/**
 * Runs several metric operators over one step stream (subscribed to once) and
 * merges what they emit, in the order given for each step.
 *
 * @example
 * ```ts
 * import { fromLoop, mergeMetrics, stepLoss, throughputEvery } from 'rxtrain'
 * fromLoop({ steps: 10, step: () => ({ loss: 1 }) })
 *   .pipe(mergeMetrics(stepLoss(), throughputEvery(30)))
 *   .subscribe((m) => console.log(m.name))
 * ```
 * @param operators metric operators, such as `stepLoss()` and `customMetrics([...])`
 * @returns one operator from steps to all their metrics
 */
export function mergeMetrics(
  ...operators: OperatorFunction<TrainingStep, Metric>[]
): OperatorFunction<TrainingStep, Metric> {
  return connect((steps) => merge(...operators.map((op) => steps.pipe(op))))
}
