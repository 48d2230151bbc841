/** One per-example "deep insight" record: a string (often JSON), bytes, or an object. */
export type TrainingRecord = string | Uint8Array | Record<string, unknown>

/**
 * One training step, after its batch ended. A plain object of numbers: no tensors.
 *
 * @example
 * ```ts
 * import type { TrainingStep } from 'rxtrain'
 * const step: TrainingStep = {
 *   step: 1, timeMs: Date.now(), epoch: 0, batch: 0, batchSize: 32,
 *   loss: 0.5, metrics: { acc: 0.9 }, records: [],
 * }
 * ```
 */
export interface TrainingStep {
  /** Global step after this batch: 1, 2, ... across epochs. */
  step: number
  /** When the batch ended, in milliseconds, from the source's scheduler clock. */
  timeMs: number
  /** Epoch index, from 0 (as TensorFlow.js callbacks count). */
  epoch: number
  /** Batch index within the epoch, from 0. */
  batch: number
  /** Examples in this batch. */
  batchSize: number
  /** The batch's loss. */
  loss: number
  /** Other per-batch metrics by name (accuracy, mse, ...). */
  metrics: Record<string, number>
  /** Per-example records this step produced. */
  records: TrainingRecord[]
}

/** Tags of a metric: string keys and values, as StatsD and Prometheus labels take them. */
export type Tags = Record<string, string>

/** The three kinds of metric Monolith's client emits. */
export type MetricKind = 'counter' | 'timer' | 'store'

/**
 * A metric event that metric operators emit and {@link MetricsClient}s ship.
 * Timers are in seconds; backends convert where their convention differs.
 *
 * @example
 * ```ts
 * import type { Metric } from 'rxtrain'
 * const m: Metric = { kind: 'store', name: 'step_loss', value: 0.3, tags: undefined, step: 7, timeMs: 0 }
 * ```
 */
export interface Metric {
  kind: MetricKind
  name: string
  value: number
  tags: Tags | undefined
  /** The step the metric was computed at. */
  step: number
  /** The time of that step, in milliseconds. */
  timeMs: number
}
