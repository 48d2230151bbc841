import { asyncScheduler, type SchedulerLike } from 'rxjs'
import { sinksReady } from '../sinks/registry.js'
import type { TrainingStep } from '../step.js'
import { disposeIfTensor, readRecords, readScalar } from './tensors.js'

/** What a fit callback hands rxtrain for a batch: numbers, or scalar tensors when tfjs calls it raw. */
export type BatchLogs = Record<string, unknown>

/** Options every source takes. */
export interface SourceOptions {
  /** Clock for `TrainingStep.timeMs`. Default `asyncScheduler` (wall clock). */
  scheduler?: SchedulerLike
  /**
   * Per-example records for a batch (tfjs' fit has no place for them): an array,
   * or a tensor this source reads and disposes.
   */
  records?: (batch: { step: number; epoch: number; batch: number; logs: BatchLogs }) => unknown
}

/**
 * The callback object sources hand to `model.fit`. It has every method of a tfjs
 * `BaseCallback`, so tfjs can use it either wrapped (beside plain callback objects,
 * logs arrive as numbers) or as is (beside `tf.Callback` instances, logs arrive as
 * scalar tensors, which it reads before tfjs disposes them).
 */
export interface StepCallbacks {
  setParams(params: unknown): void
  setModel(model: unknown): void
  onTrainBegin(logs?: BatchLogs): Promise<void>
  onTrainEnd(logs?: BatchLogs): Promise<void>
  onEpochBegin(epoch: number, logs?: BatchLogs): Promise<void>
  onEpochEnd(epoch: number, logs?: BatchLogs): Promise<void>
  onBatchBegin(batch: number, logs?: BatchLogs): Promise<void>
  onBatchEnd(batch: number, logs?: BatchLogs): Promise<void>
}

const NOT_METRICS = new Set(['batch', 'size', 'loss'])

/**
 * Makes the callbacks that turn each batch end into a {@link TrainingStep}.
 *
 * @param emit receives each step
 * @param options the source's options
 * @param onTrainEnd called when tfjs ends training
 */
export function stepCallbacks(
  emit: (step: TrainingStep) => void,
  options: SourceOptions = {},
  onTrainEnd: () => void = () => {},
): StepCallbacks {
  const scheduler = options.scheduler ?? asyncScheduler
  const selectRecords = options.records
  let step = 0
  let epoch = 0
  const noop = async () => {}
  return {
    setParams() {},
    setModel() {},
    onTrainBegin: noop,
    onEpochEnd: noop,
    onBatchBegin: noop,
    async onTrainEnd() {
      onTrainEnd()
    },
    async onEpochBegin(index: number) {
      epoch = index
    },
    async onBatchEnd(batch: number, logs: BatchLogs = {}) {
      step += 1
      const metrics: Record<string, number> = {}
      for (const key of Object.keys(logs)) {
        if (!NOT_METRICS.has(key)) metrics[key] = await readScalar(key, logs[key])
      }
      let records: TrainingStep['records'] = []
      if (selectRecords !== undefined) {
        const selected = selectRecords({ step, epoch, batch, logs })
        records = await readRecords(selected)
        disposeIfTensor(selected)
      }
      emit({
        step,
        timeMs: scheduler.now(),
        epoch,
        batch,
        batchSize: typeof logs.size === 'number' ? logs.size : 0,
        loss: await readScalar('loss', logs.loss),
        metrics,
        records,
      })
      const wait = sinksReady()
      if (wait) await wait
    },
  }
}

/** Appends rxtrain's callbacks to the user's, keeping theirs first and running. */
export function withStepCallbacks(user: unknown, ours: StepCallbacks): unknown[] {
  if (user === undefined || user === null) return [ours]
  return Array.isArray(user) ? [...user, ours] : [user, ours]
}
