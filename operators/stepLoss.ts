import type { Tags } from '../lib/step.js'
import { metricOperator, type MetricOperator } from './metricOperator.js'

/**
 * StepLossMetricHook: a store `step_loss` with each step's loss.
 *
 * @example
 * ```ts
 * import { fromLoop, stepLoss } from 'rxtrain'
 * fromLoop({ steps: 3, step: (i) => ({ loss: 1 / (i + 1) }) })
 *   .pipe(stepLoss())
 *   .subscribe((m) => console.log(m.name, m.value)) // step_loss 1, 0.5, 0.333...
 * ```
 * @param options `tags` to put on every `step_loss`
 * @returns an operator from steps to metrics
 */
export function stepLoss(options: { tags?: Tags } = {}): MetricOperator {
  const tags = options.tags
  return metricOperator((emit) => (s) => emit('store', 'step_loss', s.loss, tags, s))
}
