import { Observable, type MonoTypeOperatorFunction } from 'rxjs'
import type { MetricsClient } from '../lib/metrics/client.js'
import type { Metric } from '../lib/step.js'

/**
 * Sends each metric to a {@link MetricsClient} (counter, timer or store by its
 * `kind`) and passes it on. A client that throws errors the stream.
 *
 * @example
 * ```ts
 * import { fromLoop, stepLoss, emitMetrics, memoryClient } from 'rxtrain'
 * const client = memoryClient()
 * fromLoop({ steps: 3, step: () => ({ loss: 0.5 }) })
 *   .pipe(stepLoss(), emitMetrics(client))
 *   .subscribe({ complete: () => console.log(client.values('step_loss')) })
 * ```
 * @param client where the metrics go
 * @returns an operator that passes metrics through
 */
export function emitMetrics(client: MetricsClient): MonoTypeOperatorFunction<Metric> {
  return (source) =>
    new Observable<Metric>((subscriber) =>
      source.subscribe({
        next(m) {
          // A synchronous source keeps calling next after an error or an unsubscribe downstream.
          if (subscriber.closed) return
          try {
            if (m.kind === 'store') client.emitStore(m.name, m.value, m.tags)
            else if (m.kind === 'counter') client.emitCounter(m.name, m.value, m.tags)
            else client.emitTimer(m.name, m.value, m.tags)
          } catch (err) {
            subscriber.error(err)
            return
          }
          subscriber.next(m)
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    )
}
