import { asyncScheduler, Observable } from 'rxjs'
import { ConfigError } from '../errors.js'
import { sinksReady } from '../sinks/registry.js'
import { turnGate } from '../turns.js'
import type { TrainingStep } from '../step.js'
import type { SourceOptions } from './stepCallbacks.js'
import { disposeIfTensor, readRecords, readScalar } from './tensors.js'

/** What one step of a custom loop returns: numbers or tensors (which the source reads and disposes). */
export interface LoopStepResult {
  loss: unknown
  metrics?: Record<string, unknown>
  records?: unknown
  /** Examples in this step's batch; defaults to the loop's `batchSize`. */
  batchSize?: number
}

/** Options of {@link fromLoop}. */
export interface LoopOptions extends Pick<SourceOptions, 'scheduler'> {
  /** How many steps to run (`Infinity` runs until unsubscribed). */
  steps: number
  /** Runs step `i` (from 0), e.g. `optimizer.minimize(...)`, and returns its loss. */
  step: (i: number) => LoopStepResult | Promise<LoopStepResult>
  /** Examples per batch, reported as `TrainingStep.batchSize`. Default 0 (unknown). */
  batchSize?: number
  /** Steps per epoch, to fill `epoch` and `batch`. Default: one epoch. */
  stepsPerEpoch?: number
  /**
   * How often the loop lets the event loop run (a `setImmediate`), as tfjs' fit does
   * with its own `yieldEvery`: `'auto'` (default) at most every 125 ms, `'step'` after
   * every step, a number of ms, or `'never'`. Steps that never wait (a synchronous
   * `optimizer.minimize`) otherwise starve it: no timer fires, no socket is served
   * (`/metrics`, Kafka deliveries) and a SIGTERM is not handled until the loop ends.
   */
  yieldEvery?: 'auto' | 'step' | 'never' | number
}

/** tfjs' DEFAULT_YIELD_EVERY_MS, what its fit's `yieldEvery: 'auto'` means. */
const AUTO_YIELD_MS = 125

function yieldMs(yieldEvery: LoopOptions['yieldEvery']): number {
  if (yieldEvery === undefined || yieldEvery === 'auto') return AUTO_YIELD_MS
  if (yieldEvery === 'step') return 0
  if (yieldEvery === 'never') return Infinity
  if (typeof yieldEvery === 'number' && yieldEvery >= 0) return yieldEvery
  throw new ConfigError(`fromLoop: yieldEvery must be 'auto', 'step', 'never' or a number of ms >= 0, got ${String(yieldEvery)}`)
}

/**
 * A cold Observable of a custom training loop: each subscription runs
 * `step(0)`, `step(1)`, ... one after the other, and stops when unsubscribed.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs'
 * import { fromLoop } from 'rxtrain'
 * const w = tf.variable(tf.scalar(0))
 * const optimizer = tf.train.sgd(0.1)
 * fromLoop({
 *   steps: 20,
 *   step: () => ({ loss: optimizer.minimize(() => w.sub(3).square().asScalar(), true)! }),
 * }).subscribe((s) => console.log(s.step, s.loss))
 * ```
 * @param options the loop
 * @returns the steps of the loop
 */
export function fromLoop(options: LoopOptions): Observable<TrainingStep> {
  const { steps, step, batchSize = 0, stepsPerEpoch = Infinity } = options
  if (!(steps >= 0)) throw new ConfigError(`fromLoop: steps must be a number >= 0, got ${String(steps)}`)
  if (typeof step !== 'function') throw new ConfigError('fromLoop: step must be a function')
  if (!(stepsPerEpoch > 0)) throw new ConfigError(`fromLoop: stepsPerEpoch must be > 0, got ${String(stepsPerEpoch)}`)
  const everyMs = yieldMs(options.yieldEvery)
  return new Observable<TrainingStep>((subscriber) => {
    const scheduler = options.scheduler ?? asyncScheduler
    const run = async () => {
      const turn = turnGate(everyMs, performance.now())
      for (let i = 0; i < steps && !subscriber.closed; i++) {
        const out = await step(i)
        if (out === null || typeof out !== 'object') {
          throw new ConfigError(`fromLoop: step(${i}) must return { loss, metrics?, records? }, got ${String(out)}`)
        }
        try {
          const metrics: Record<string, number> = {}
          if (out.metrics) {
            for (const key of Object.keys(out.metrics)) metrics[key] = await readScalar(key, out.metrics[key])
          }
          subscriber.next({
            step: i + 1,
            timeMs: scheduler.now(),
            epoch: Math.floor(i / stepsPerEpoch),
            batch: i % stepsPerEpoch,
            batchSize: out.batchSize ?? batchSize,
            loss: await readScalar('loss', out.loss),
            metrics,
            records: await readRecords(out.records),
          })
          const wait = sinksReady()
          if (wait) await wait
          const due = turn()
          if (due) await due
        } finally {
          disposeIfTensor(out.loss)
          disposeIfTensor(out.records)
          if (out.metrics) for (const value of Object.values(out.metrics)) disposeIfTensor(value)
        }
      }
    }
    run().then(
      () => subscriber.complete(),
      (err: unknown) => subscriber.error(err),
    )
  })
}
