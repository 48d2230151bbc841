import { ConfigError } from '../errors.js'
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
  if (!(limit >= 0) || (limit !== Infinity && !Number.isInteger(limit))) {
    throw new ConfigError(`memoryClient: limit must be a whole number >= 0, got ${String(options.limit)}`)
  }
  // Columns rather than an object per metric, so recording allocates nothing; with a
  // limit they form a ring (the newest `limit` metrics).
  let kinds: MetricKind[] = []
  let names: string[] = []
  let values: number[] = []
  let tagSets: (Tags | undefined)[] = []
  let next = 0
  let received = 0
  const record = (kind: MetricKind, name: string, value: number, tags?: Tags) => {
    received++
    if (limit === 0) return
    const at = names.length < limit ? names.length : next
    kinds[at] = kind
    names[at] = prefix === '' ? name : prefix + name
    values[at] = value
    tagSets[at] = defaults === undefined ? tags : mergeTags(defaults, tags)
    if (at === next && names.length >= limit) next = (next + 1) % limit
  }
  const ordered = (): RecordedMetric[] => {
    const out: RecordedMetric[] = []
    for (let i = 0; i < names.length; i++) {
      const at = (next + i) % names.length
      out.push({ kind: kinds[at]!, name: names[at]!, value: values[at]!, tags: tagSets[at] })
    }
    return out
  }
  return {
    get metrics() {
      return ordered()
    },
    get received() {
      return received
    },
    emitCounter: (name, value, tags) => record('counter', name, value, tags),
    emitTimer: (name, value, tags) => record('timer', name, value, tags),
    emitStore: (name, value, tags) => record('store', name, value, tags),
    values: (name) => ordered().filter((m) => m.name === name).map((m) => m.value),
    clear() {
      kinds = []
      names = []
      values = []
      tagSets = []
      next = 0
      received = 0
    },
    flush: async () => {},
    close: async () => {},
  }
}
