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

class Memory implements MemoryClient {
  // Columns rather than an object per metric, so recording allocates nothing; with a
  // limit they form a ring holding the newest `limit` metrics.
  private kinds: MetricKind[] = []
  private names: string[] = []
  private numbers: number[] = []
  private tagSets: (Tags | undefined)[] = []
  private size = 0
  private next = 0
  received = 0

  constructor(
    private readonly prefix: string,
    private readonly defaults: Tags | undefined,
    private readonly limit: number,
  ) {}

  private record(kind: MetricKind, name: string, value: number, tags: Tags | undefined): void {
    this.received++
    if (this.limit === 0) return
    let at: number
    if (this.size < this.limit) at = this.size++
    else {
      at = this.next
      this.next = at + 1 === this.limit ? 0 : at + 1
    }
    this.kinds[at] = kind
    this.names[at] = this.prefix === '' ? name : this.prefix + name
    this.numbers[at] = value
    this.tagSets[at] = this.defaults === undefined ? tags : mergeTags(this.defaults, tags)
  }

  get metrics(): RecordedMetric[] {
    const out: RecordedMetric[] = []
    for (let i = 0; i < this.size; i++) {
      const at = (this.next + i) % this.size
      out.push({ kind: this.kinds[at]!, name: this.names[at]!, value: this.numbers[at]!, tags: this.tagSets[at] })
    }
    return out
  }

  emitCounter(name: string, value: number, tags?: Tags): void {
    this.record('counter', name, value, tags)
  }

  emitTimer(name: string, value: number, tags?: Tags): void {
    this.record('timer', name, value, tags)
  }

  emitStore(name: string, value: number, tags?: Tags): void {
    this.record('store', name, value, tags)
  }

  values(name: string): number[] {
    return this.metrics.filter((m) => m.name === name).map((m) => m.value)
  }

  clear(): void {
    this.kinds = []
    this.names = []
    this.numbers = []
    this.tagSets = []
    this.size = 0
    this.next = 0
    this.received = 0
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}
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
  const limit = options.limit ?? Infinity
  if (!(limit >= 0) || (limit !== Infinity && !Number.isInteger(limit))) {
    throw new ConfigError(`memoryClient: limit must be a whole number >= 0, got ${String(options.limit)}`)
  }
  return new Memory(options.prefix ?? '', options.defaultTags, limit)
}
