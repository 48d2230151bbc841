import { Observable, type MonoTypeOperatorFunction } from 'rxjs'
import { metricSender, type MetricsClient } from '../lib/metrics/client.js'
import type { Metric } from '../lib/step.js'
import { fuseAfter, type Emit } from './metricOperator.js'

/**
 * Sends each metric to a {@link MetricsClient} (counter, timer or store by its
 * `kind`) and passes it on. A client that throws errors the stream. Right after a
 * metric operator it runs in that operator's subscriber.
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
  const send = metricSender(client)
  // The client's methods are called here rather than through `send`: one call less on the
  // per-metric path, which lets V8 inline the whole of it more often.
  const wrap =
    (emit: Emit): Emit =>
    (kind, name, value, tags, step) => {
      if (kind === 'store') client.emitStore(name, value, tags)
      else if (kind === 'counter') client.emitCounter(name, value, tags)
      else client.emitTimer(name, value, tags)
      emit(kind, name, value, tags, step)
    }
  return (metrics) =>
    fuseAfter(metrics, wrap, (source) =>
      new Observable<Metric>((subscriber) =>
        source.subscribe({
          next(m) {
            // A synchronous source keeps calling after an error or unsubscribe; send no more.
            if (subscriber.closed) return
            try {
              send(m.kind, m.name, m.value, m.tags)
            } catch (err) {
              subscriber.error(err)
              return
            }
            subscriber.next(m)
          },
          error: (err) => subscriber.error(err),
          complete: () => subscriber.complete(),
        }),
      ),
    )
}
