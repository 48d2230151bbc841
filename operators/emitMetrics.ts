import { tap, type MonoTypeOperatorFunction } from 'rxjs'
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
  return tap((m) => {
    switch (m.kind) {
      case 'counter':
        client.emitCounter(m.name, m.value, m.tags)
        break
      case 'timer':
        client.emitTimer(m.name, m.value, m.tags)
        break
      case 'store':
        client.emitStore(m.name, m.value, m.tags)
        break
    }
  })
}
