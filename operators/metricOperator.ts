import { Observable, type OperatorFunction } from 'rxjs'
import type { Metric, TrainingStep } from '../lib/step.js'

/** Handles one step: calls `emit` for each metric the step yields. May throw. */
export type StepHandler = (step: TrainingStep, emit: (metric: Metric) => void) => void

const SETUP = Symbol('rxtrain.metricOperator')

/** A metric operator built by {@link metricOperator}: an ordinary RxJS operator that also carries its step handler. */
export interface MetricOperator extends OperatorFunction<TrainingStep, Metric> {
  /** Makes a fresh handler (fresh state), one per subscription. */
  readonly [SETUP]: () => StepHandler
}

/**
 * Builds a metric operator from a per-subscription step handler. The handler's
 * state lives in `setup`'s closure, so each subscription starts fresh; a handler
 * that throws errors the stream. {@link mergeMetrics} runs several such operators
 * in one subscriber instead of a subject and a merge, which is what keeps the
 * per-step cost low.
 *
 * @example
 * ```ts
 * import { fromLoop, metricOperator } from 'rxtrain'
 * const lossDelta = () =>
 *   metricOperator(() => {
 *     let last = NaN
 *     return (s, emit) => {
 *       if (!Number.isNaN(last)) emit({ kind: 'store', name: 'loss_delta', value: s.loss - last, tags: undefined, step: s.step, timeMs: s.timeMs })
 *       last = s.loss
 *     }
 *   })
 * fromLoop({ steps: 3, step: (i) => ({ loss: 1 / (i + 1) }) }).pipe(lossDelta()).subscribe(console.log)
 * ```
 * @param setup called on each subscribe; returns the step handler
 * @returns the operator
 */
export function metricOperator(setup: () => StepHandler): MetricOperator {
  const operator = (source: Observable<TrainingStep>) =>
    new Observable<Metric>((subscriber) => {
      const handle = setup()
      const emit = (metric: Metric) => subscriber.next(metric)
      return source.subscribe({
        next(step) {
          // A synchronous source keeps calling next after an error or an unsubscribe downstream.
          if (subscriber.closed) return
          try {
            handle(step, emit)
          } catch (err) {
            subscriber.error(err)
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      })
    })
  return Object.assign(operator, { [SETUP]: setup })
}

/** The step handler factory of `operator` when it is a {@link MetricOperator}. */
export function stepHandlerOf(operator: OperatorFunction<TrainingStep, Metric>): (() => StepHandler) | undefined {
  return (operator as Partial<MetricOperator>)[SETUP]
}
