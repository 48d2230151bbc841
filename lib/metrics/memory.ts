import type { MetricKind, Tags } from '../step.js'
import { mergeTags, type ClientOptions, type MetricsClient } from './client.js'

/** One metric a {@link memoryClient} received. */
export interface RecordedMetric {
  kind: MetricKind
  name: string
  value: number
  tags: Tags | undefined
}

/** A {@link MetricsClient} that keeps what it receives, for tests and notebooks. */
export interface MemoryClient extends MetricsClient {
  /** Everything received, in order (the newest `limit` when a limit is set). */
  readonly metrics: readonly RecordedMetric[]
  /** How many metrics were received in all. */
  readonly received: number
  /** The values received for `name` (prefix included), in order. */
  values(name: string): number[]
  /** Forgets everything received. */
  clear(): void
}

/**
 * A client that records metrics in memory.
 *
 * @example
 * ```ts
 * import { memoryClient } from 'rxtrain'
 * const client = memoryClient()
 * client.emitStore('step_loss', 0.25)
 * console.log(client.values('step_loss')) // [0.25]
 * ```
 * @param options prefix, default tags, and `limit`: keep only the newest `limit` metrics (default: all)
 * @returns the client
 */
export function memoryClient(options: ClientOptions & { limit?: number } = {}): MemoryClient {
  const prefix = options.prefix ?? ''
  const defaults = options.defaultTags
  const limit = options.limit ?? Infinity
  let metrics: RecordedMetric[] = []
  let received = 0
  const record = (kind: MetricKind, name: string, value: number, tags?: Tags) => {
    received++
    if (limit === 0) return
    if (metrics.length >= limit) metrics.shift()
    metrics.push({ kind, name: prefix + name, value, tags: mergeTags(defaults, tags) })
  }
  return {
    get metrics() {
      return metrics
    },
    get received() {
      return received
    },
    emitCounter: (name, value, tags) => record('counter', name, value, tags),
    emitTimer: (name, value, tags) => record('timer', name, value, tags),
    emitStore: (name, value, tags) => record('store', name, value, tags),
    values: (name) => metrics.filter((m) => m.name === name).map((m) => m.value),
    clear() {
      metrics = []
      received = 0
    },
    flush: async () => {},
    close: async () => {},
  }
}
