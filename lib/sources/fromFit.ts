import { Observable } from 'rxjs'
import type { LayersModel, ModelFitArgs, ModelFitDatasetArgs, Tensor, TensorContainer, data } from '@tensorflow/tfjs'
import type { TrainingStep } from '../step.js'
import { stepCallbacks, withStepCallbacks, type SourceOptions, type StepCallbacks } from './stepCallbacks.js'

/** The model a fit source drives: a tfjs `LayersModel` from any tfjs package. */
export type FitModel = Pick<LayersModel, 'fit' | 'fitDataset' | 'stopTraining'>

/**
 * Runs `start` (a fit call that gets rxtrain's callbacks) once per subscriber.
 * Unsubscribing before the fit ends sets `model.stopTraining`, which tfjs checks
 * after each batch.
 */
function fromFitCall(
  model: FitModel,
  options: SourceOptions,
  start: (callbacks: StepCallbacks) => Promise<unknown>,
): Observable<TrainingStep> {
  return new Observable<TrainingStep>((subscriber) => {
    let ended = false
    const callbacks = stepCallbacks((step) => subscriber.next(step), options)
    start(callbacks).then(
      () => {
        ended = true
        subscriber.complete()
      },
      (err: unknown) => {
        ended = true
        subscriber.error(err)
      },
    )
    return () => {
      if (!ended) model.stopTraining = true
    }
  })
}

/**
 * A cold Observable of a `model.fit(x, y, args)` run: subscribing starts training,
 * each batch end is a step, the fit's end completes it and its failure errors it.
 * Unsubscribing stops training. Callbacks in `args` still run, before rxtrain's.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs'
 * import { fromFit } from 'rxtrain'
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] })
 * model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' })
 * fromFit(model, tf.ones([64, 1]), tf.ones([64, 1]), { batchSize: 16, epochs: 3 })
 *   .subscribe((s) => console.log(s.step, s.loss))
 * ```
 * @param model a compiled tfjs LayersModel
 * @param x inputs, as for `model.fit`
 * @param y targets, as for `model.fit`
 * @param args `model.fit`'s arguments
 * @param options clock and per-example records
 * @returns the steps of the run
 */
export function fromFit(
  model: FitModel,
  x: Tensor | Tensor[] | Record<string, Tensor>,
  y: Tensor | Tensor[] | Record<string, Tensor>,
  args: ModelFitArgs = {},
  options: SourceOptions = {},
): Observable<TrainingStep> {
  return fromFitCall(model, options, (ours) =>
    model.fit(x, y, { ...args, callbacks: withStepCallbacks(args.callbacks, ours) as ModelFitArgs['callbacks'] }),
  )
}

/**
 * As {@link fromFit}, for `model.fitDataset(dataset, args)`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs'
 * import { fromFitDataset } from 'rxtrain'
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] })
 * model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' })
 * const ds = tf.data.zip({ xs: tf.data.array([[1], [2]]), ys: tf.data.array([[2], [4]]) }).batch(2)
 * fromFitDataset(model, ds, { epochs: 2 }).subscribe((s) => console.log(s.step, s.loss))
 * ```
 * @param model a compiled tfjs LayersModel
 * @param dataset a tfjs Dataset of `{ xs, ys }` batches
 * @param args `model.fitDataset`'s arguments
 * @param options clock and per-example records
 * @returns the steps of the run
 */
export function fromFitDataset<T extends TensorContainer>(
  model: FitModel,
  dataset: data.Dataset<T>,
  args: ModelFitDatasetArgs<T>,
  options: SourceOptions = {},
): Observable<TrainingStep> {
  return fromFitCall(model, options, (ours) =>
    model.fitDataset(dataset, {
      ...args,
      callbacks: withStepCallbacks(args.callbacks, ours) as ModelFitDatasetArgs<T>['callbacks'],
    }),
  )
}
