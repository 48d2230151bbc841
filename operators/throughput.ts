import { ConfigError } from '../lib/errors.js'
import type { Tags, TrainingStep } from '../lib/step.js'
import { metricOperator, type MetricOperator } from './metricOperator.js'

/** Options of {@link throughput}. */
export interface ThroughputOptions {
  /** Steps in the rolling window, at least 2. Default 100 (as Lightning's `Throughput`). */
  windowSize?: number
  /** Samples per step; default each step's `batchSize`. */
  batchSize?: number
  /** Items (tokens, pixels, ...) in a step; enables `items_per_sec`. */
  items?: (step: TrainingStep) => number
  /** FLOPs one step costs (a number, or computed from the step); enables `flops_per_sec`. */
  flopsPerBatch?: number | ((step: TrainingStep) => number)
  /** The device's peak FLOP/s; with `flopsPerBatch`, enables `mfu`. */
  availableFlops?: number
  /** Prefix of the metric names. Default `'throughput.'`. */
  prefix?: string
  /** Tags for every metric. */
  tags?: Tags
}

/**
 * Rolling-window throughput, as PyTorch Lightning's `Throughput`: once the window
 * holds `windowSize` steps, each step emits stores `<prefix>batches_per_sec`,
 * `samples_per_sec`, and, when configured, `items_per_sec`, `flops_per_sec` and
 * `mfu` (model FLOPs utilisation), over the window's first to last step. A window
 * spanning no time emits nothing.
 *
 * @example
 * ```ts
 * import { fromLoop, throughput } from 'rxtrain'
 * fromLoop({ steps: 50, batchSize: 32, step: () => ({ loss: 0 }) })
 *   .pipe(throughput({ windowSize: 10, flopsPerBatch: 1e9, availableFlops: 1e12 }))
 *   .subscribe((m) => console.log(m.name, m.value))
 * ```
 * @param options window, sizes and FLOPs
 * @returns an operator from steps to metrics
 */
export function throughput(options: ThroughputOptions = {}): MetricOperator {
  const { windowSize = 100, batchSize, items, flopsPerBatch, availableFlops, prefix = 'throughput.', tags } = options
  if (!Number.isInteger(windowSize) || windowSize < 2) {
    throw new ConfigError(`throughput: windowSize must be an integer >= 2, got ${String(windowSize)}`)
  }
  if (availableFlops !== undefined && !(availableFlops > 0)) {
    throw new ConfigError(`throughput: availableFlops must be > 0, got ${String(availableFlops)}`)
  }
  const flopsOf = typeof flopsPerBatch === 'number' ? () => flopsPerBatch : flopsPerBatch
  const names = {
    batches: `${prefix}batches_per_sec`,
    samples: `${prefix}samples_per_sec`,
    items: `${prefix}items_per_sec`,
    flops: `${prefix}flops_per_sec`,
    mfu: `${prefix}mfu`,
  }
  return metricOperator((emit) => {
    // Ring buffers of running totals at each step, so a window's figure is last - first.
    const timeMs = new Float64Array(windowSize)
    const samples = new Float64Array(windowSize)
    const itemsSeen = new Float64Array(windowSize)
    const flops = new Float64Array(windowSize)
    let count = 0
    let totalSamples = 0
    let totalItems = 0
    let totalFlops = 0
    return (s) => {
      let stepItems = 0
      let stepFlops = 0
      if (items) stepItems = items(s)
      if (flopsOf) stepFlops = flopsOf(s)
      totalSamples += batchSize ?? s.batchSize
      totalItems += stepItems
      totalFlops += stepFlops
      const at = count % windowSize
      timeMs[at] = s.timeMs
      samples[at] = totalSamples
      itemsSeen[at] = totalItems
      flops[at] = totalFlops
      count++
      if (count < windowSize) return
      const first = count % windowSize
      const elapsed = (s.timeMs - timeMs[first]!) / 1000
      if (!(elapsed > 0)) return
      emit('store', names.batches, (windowSize - 1) / elapsed, tags, s)
      emit('store', names.samples, (totalSamples - samples[first]!) / elapsed, tags, s)
      if (items) emit('store', names.items, (totalItems - itemsSeen[first]!) / elapsed, tags, s)
      if (flopsOf) {
        const flopsPerSec = (totalFlops - flops[first]!) / elapsed
        emit('store', names.flops, flopsPerSec, tags, s)
        if (availableFlops !== undefined) emit('store', names.mfu, flopsPerSec / availableFlops, tags, s)
      }
    }
  })
}
