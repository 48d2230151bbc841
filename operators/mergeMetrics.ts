import { connect, merge, type OperatorFunction } from 'rxjs'
import { ConfigError } from '../lib/errors.js'
import type { Metric, TrainingStep } from '../lib/step.js'
import { metricOperator, stepHandlerOf, type StepHandler } from './metricOperator.js'

/**
 * Runs several metric operators over one step stream (subscribed to once) and
 * merges what they emit, each step's metrics in the order the operators are given.
 * When every operator is one of rxtrain's (or built with `metricOperator`), they
 * run fused in one subscriber; otherwise through `connect` and `merge`.
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
 * @throws ConfigError when no operator is given
 */
export function mergeMetrics(
  ...operators: OperatorFunction<TrainingStep, Metric>[]
): OperatorFunction<TrainingStep, Metric> {
  if (operators.length === 0) throw new ConfigError('mergeMetrics: give at least one metric operator')
  const setups = operators.map(stepHandlerOf)
  if (setups.every((setup) => setup !== undefined)) {
    return metricOperator((emit) => {
      const handlers: StepHandler[] = setups.map((setup) => setup!(emit))
      return chain(handlers)
    })
  }
  return connect((steps) => merge(...operators.map((op) => steps.pipe(op))))
}

/**
 * One handler that calls `handlers` in order. Up to four are called from call sites of
 * their own, each seeing one function, so V8 inlines them (a loop over an array of
 * handlers is one call site that sees them all, and inlines none).
 */
function chain(handlers: StepHandler[]): StepHandler {
  const [a, b, c, d] = handlers
  switch (handlers.length) {
    case 1:
      return a!
    case 2:
      return (s) => {
        a!(s)
        b!(s)
      }
    case 3:
      return (s) => {
        a!(s)
        b!(s)
        c!(s)
      }
    case 4:
      return (s) => {
        a!(s)
        b!(s)
        c!(s)
        d!(s)
      }
    default: {
      const first = chain(handlers.slice(0, 4))
      const rest = chain(handlers.slice(4))
      return (s) => {
        first(s)
        rest(s)
      }
    }
  }
}
