import { Subject, type Observable } from 'rxjs'
import type { TrainingStep } from '../step.js'
import { stepCallbacks, type SourceOptions, type StepCallbacks } from './stepCallbacks.js'

/**
 * For code that calls `fit` itself: callbacks to pass to it, and the hot stream of
 * its steps (subscribe before training starts). The stream completes when training
 * ends; a metric that cannot be read errors it and fails the fit.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs'
 * import { fitCallbacks, stepLoss } from 'rxtrain'
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] })
 * model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' })
 * const { callbacks, steps$ } = fitCallbacks()
 * steps$.pipe(stepLoss()).subscribe((m) => console.log(m.step, m.value))
 * await model.fit(tf.ones([8, 1]), tf.ones([8, 1]), { batchSize: 4, callbacks })
 * ```
 * @param options clock and per-example records
 * @returns `callbacks` for `fit`'s `callbacks` argument, and `steps$`
 */
export function fitCallbacks(options: SourceOptions = {}): {
  callbacks: StepCallbacks
  steps$: Observable<TrainingStep>
} {
  const steps = new Subject<TrainingStep>()
  const inner = stepCallbacks((step) => steps.next(step), options, () => steps.complete())
  const callbacks: StepCallbacks = {
    ...inner,
    async onBatchEnd(batch, logs) {
      try {
        await inner.onBatchEnd(batch, logs)
      } catch (err) {
        steps.error(err)
        throw err
      }
    },
  }
  return { callbacks, steps$: steps.asObservable() }
}
