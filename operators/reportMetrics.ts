import { connect, ignoreElements, merge, Observable, type MonoTypeOperatorFunction, type OperatorFunction } from 'rxjs'
import { ConfigError } from '../lib/errors.js'
import { metricSender, type MetricsClient } from '../lib/metrics/client.js'
import type { Metric, TrainingStep } from '../lib/step.js'
import { emitMetrics } from './emitMetrics.js'
import { mergeMetrics } from './mergeMetrics.js'
import { stepHandlerOf } from './metricOperator.js'

/**
 * Runs metric operators over the steps, sends what they emit to a client, and
 * passes the steps on, as sinks do: `steps$.pipe(reportMetrics(client, stepLoss()), ...)`
 * is `mergeMetrics` + `emitMetrics` without a stream of metric events after it. Each
 * step's metrics are sent before the step moves on. With rxtrain's own operators (or
 * ones built with `metricOperator`) it all runs in one subscriber, the cheapest way
 * to ship metrics per step.
 *
 * @example
 * ```ts
 * import { fromLoop, reportMetrics, stepLoss, throughputEvery, memoryClient } from 'rxtrain'
 * const client = memoryClient()
 * fromLoop({ steps: 100, step: () => ({ loss: 0.5 }) })
 *   .pipe(reportMetrics(client, stepLoss(), throughputEvery(30)))
 *   .subscribe((step) => console.log(step.step))
 * ```
 * @param client where the metrics go
 * @param operators metric operators
 * @returns an operator that passes the steps through
 * @throws ConfigError when no operator is given
 */
export function reportMetrics(
  client: MetricsClient,
  ...operators: OperatorFunction<TrainingStep, Metric>[]
): MonoTypeOperatorFunction<TrainingStep> {
  if (operators.length === 0) throw new ConfigError('reportMetrics: give at least one metric operator')
  const merged = mergeMetrics(...operators)
  const setup = stepHandlerOf(merged)
  if (setup === undefined) {
    return connect((steps) => merge(steps.pipe(merged, emitMetrics(client), ignoreElements()), steps))
  }
  const send = metricSender(client)
  return (source) =>
    new Observable<TrainingStep>((subscriber) => {
      const handle = setup(send)
      return source.subscribe({
        next(step) {
          // A synchronous source keeps calling after an error or unsubscribe; do no more work.
          if (subscriber.closed) return
          try {
            handle(step)
          } catch (err) {
            subscriber.error(err)
            return
          }
          subscriber.next(step)
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      })
    })
}
