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
  // Columns rather than an object per metric, so recording allocates nothing. They are
  // allocated ahead (numbers in a Float64Array) and doubled as needed up to `limit`;
  // past it they form a ring holding the newest `limit` metrics, `next` the slot to
  // write (and, once `wrapped`, the oldest metric).
  private capacity: number
  private kinds: MetricKind[]
  private names: string[]
  private numbers: Float64Array
  private tagSets: (Tags | undefined)[]
  private next = 0
  private wrapped = false
  received = 0

  constructor(
    private readonly prefix: string,
    private readonly defaults: Tags | undefined,
    private readonly limit: number,
  ) {
    this.capacity = Math.min(limit, 1024)
    this.kinds = new Array<MetricKind>(this.capacity).fill('store')
    this.names = new Array<string>(this.capacity).fill('')
    this.numbers = new Float64Array(this.capacity)
    this.tagSets = new Array<Tags | undefined>(this.capacity).fill(undefined)
  }

  private record(kind: MetricKind, name: string, value: number, tags: Tags | undefined): void {
    this.received++
    let at = this.next
    if (at === this.capacity) {
      if (this.capacity < this.limit) this.grow()
      else if (this.limit === 0) return
      else {
        at = 0
        this.wrapped = true
      }
    }
    this.kinds[at] = kind
    this.names[at] = this.prefix === '' ? name : this.prefix + name
    this.numbers[at] = value
    this.tagSets[at] = this.defaults === undefined ? tags : mergeTags(this.defaults, tags)
    this.next = at + 1
  }

  private grow(): void {
    const capacity = Math.min(this.limit, this.capacity * 2)
    const more = capacity - this.capacity
    this.kinds = this.kinds.concat(new Array<MetricKind>(more).fill('store'))
    this.names = this.names.concat(new Array<string>(more).fill(''))
    const numbers = new Float64Array(capacity)
    numbers.set(this.numbers)
    this.numbers = numbers
    this.tagSets = this.tagSets.concat(new Array<Tags | undefined>(more).fill(undefined))
    this.capacity = capacity
  }

  get metrics(): RecordedMetric[] {
    const out: RecordedMetric[] = []
    const size = this.wrapped ? this.capacity : this.next
    const first = this.wrapped ? this.next : 0
    for (let i = 0; i < size; i++) {
      const at = (first + i) % size
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
    this.next = 0
    this.wrapped = false
    this.received = 0
    this.names.fill('')
    this.tagSets.fill(undefined)
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
