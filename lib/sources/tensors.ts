import { MetricTensorError } from '../errors.js'
import type { TrainingRecord } from '../step.js'

/** The part of a TensorFlow.js tensor that sources use; any tfjs flavour (pure JS, node, node-gpu) has it. */
export interface TensorLike {
  readonly shape: readonly number[]
  readonly dtype: string
  readonly rank: number
  data(): Promise<ArrayLike<unknown>>
  dispose(): void
}

/** A number, or a tensor holding one. */
export type ScalarLike = number | TensorLike

/**
 * True when `value` looks like a tfjs tensor (duck-typed, so it works across tfjs packages).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs'
 * import { isTensor } from 'rxtrain'
 * isTensor(tf.scalar(1)) // true
 * isTensor(1) // false
 * ```
 * @param value anything
 * @returns whether it has a tensor's `dtype`, `shape` and `data()`
 */
export function isTensor(value: unknown): value is TensorLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as TensorLike).dtype === 'string' &&
    Array.isArray((value as TensorLike).shape) &&
    typeof (value as TensorLike).data === 'function'
  )
}

/**
 * Reads one metric: a number passes, a rank-0 float32/int32 tensor is read with
 * `await t.data()`; anything else is a {@link MetricTensorError} naming the metric.
 * Does not dispose: the caller knows whether it owns the tensor.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs'
 * import { readScalar } from 'rxtrain'
 * await readScalar('acc', tf.scalar(0.5)) // 0.5
 * await readScalar('acc', tf.tensor1d([1, 2])) // throws MetricTensorError: shape [2]
 * ```
 * @param name the metric's name, for the error
 * @param value a number or a tensor
 * @returns the number
 */
export async function readScalar(name: string, value: unknown): Promise<number> {
  if (typeof value === 'number') return value
  if (!isTensor(value)) throw new MetricTensorError(name, undefined, value === null ? 'null' : typeof value)
  if (value.shape.length !== 0 || (value.dtype !== 'float32' && value.dtype !== 'int32')) {
    throw new MetricTensorError(name, value.shape, value.dtype)
  }
  const data = await value.data()
  return data[0] as number
}

/** Disposes `value` when it is a tensor; numbers and other values are left alone. */
export function disposeIfTensor(value: unknown): void {
  if (isTensor(value)) value.dispose()
}

/** Reads records: an array passes through, a tensor (e.g. of strings) becomes an array of its values. */
export async function readRecords(value: unknown): Promise<TrainingRecord[]> {
  if (value === undefined || value === null) return []
  if (Array.isArray(value)) return value as TrainingRecord[]
  if (isTensor(value)) return Array.from(await value.data()) as TrainingRecord[]
  return [value as TrainingRecord]
}
