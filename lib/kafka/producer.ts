import { CompressionTypes, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs'
import { ConfigError, KafkaSinkError } from '../errors.js'
import { logFirstN, stderrLogger, type Logger } from '../log.js'
import { filterMessages } from './messages.js'
import { MessageQueue } from './queue.js'

/** What to do when the buffer is full. */
export type WhenFull = 'wait' | 'drop-oldest' | 'error'

/** Options of {@link KProducer}. */
export interface KProducerOptions {
  /** A kafkajs client you built (SASL, SSL, your own retry); `brokers` are then only named in errors. */
  kafka?: Kafka
  /** kafkajs client id. Default `'rxtrain'`. */
  clientId?: string
  /** Acknowledgements: -1 (all in-sync replicas), 1 (leader) or 0 (none). Default -1. */
  acks?: -1 | 0 | 1
  /** Compression of each batch. Default `'none'`. */
  compression?: 'none' | 'gzip'
  /** Idempotent producer: no duplicates from retries; one request in flight. Default false. */
  idempotent?: boolean
  /** Most messages in one request. Default 1,000 (kafkajs groups a request's messages in time quadratic in their number). */
  batchSize?: number
  /** Most payload bytes in one request (a single larger message still goes alone). Default 512 KiB, so a full batch with its per-record overhead stays under the broker's message.max.bytes. */
  batchBytes?: number
  /** How long a message may wait for a fuller batch, in ms. Default 5. */
  lingerMs?: number
  /** Requests in flight at once (1 when idempotent). Default 4. */
  maxInFlight?: number
  /** Cap on buffered messages. Default 32,768. */
  maxBufferedMessages?: number
  /** Cap on buffered bytes. Default 32 MiB. */
  maxBufferedBytes?: number
  /**
   * When a cap is reached: `'wait'` keeps every message and makes `ready()` (and so
   * rxtrain's sources) wait until deliveries make room; `'drop-oldest'` drops the
   * oldest buffered messages, counted in `dropped()`; `'error'` makes `send` throw.
   * Default `'wait'`.
   */
  whenFull?: WhenFull
  /** A message larger than this is counted failed at once, with its size. Default 1,048,588 (the broker's `message.max.bytes`). */
  maxMessageBytes?: number
  /** How long a message may take to be delivered, retries included, in ms. Default 120,000. */
  deliveryTimeoutMs?: number
  /** How long `close()` waits for the buffer to drain, in ms. Default 30,000. */
  closeTimeoutMs?: number
  /** JSON-encode messages that are neither strings nor bytes (refused otherwise). Default false. */
  json?: boolean
  /** Where it logs. Default stderr. */
  logger?: Logger
}

/** Counters of a {@link KProducer}: `total = success + failed + dropped + pending`. */
export interface KProducerStats {
  total: number
  success: number
  failed: number
  dropped: number
  pending: number
  /** The last delivery error, if any. */
  lastError: Error | undefined
}

const NON_RETRIABLE = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TOPIC_EXCEPTION',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'UNSUPPORTED_VERSION',
])

interface Batch {
  messages: Buffer[]
  deadline: number
}

function positive(name: string, value: number, integer = true): number {
  if (!(value > 0) || (integer && !Number.isInteger(value))) {
    throw new ConfigError(`KProducer: ${name} must be a ${integer ? 'whole ' : ''}number > 0, got ${String(value)}`)
  }
  return value
}

/** Options with their defaults filled in, checked. */
export type ProducerSettings = Required<Omit<KProducerOptions, 'kafka' | 'clientId' | 'logger'>>

/**
 * Checks producer options and fills in defaults; a bad one is a {@link ConfigError}
 * naming it. Sinks call it when they are created, before any I/O.
 *
 * @example
 * ```ts
 * import { producerSettings } from 'rxtrain'
 * producerSettings({ acks: 1 }).batchSize // 1000
 * ```
 * @param options the options
 * @returns the settings
 */
export function producerSettings(options: KProducerOptions): ProducerSettings {
  const idempotent = options.idempotent ?? false
  const acks = options.acks ?? -1
  if (![-1, 0, 1].includes(acks)) throw new ConfigError(`KProducer: acks must be -1, 0 or 1, got ${String(acks)}`)
  if (idempotent && acks !== -1) throw new ConfigError('KProducer: an idempotent producer needs acks = -1 (all)')
  const compression = options.compression ?? 'none'
  if (compression !== 'none' && compression !== 'gzip') {
    throw new ConfigError(`KProducer: compression must be 'none' or 'gzip', got ${String(compression)}`)
  }
  const whenFull = options.whenFull ?? 'wait'
  if (!['wait', 'drop-oldest', 'error'].includes(whenFull)) {
    throw new ConfigError(`KProducer: whenFull must be 'wait', 'drop-oldest' or 'error', got ${String(whenFull)}`)
  }
  const settings: ProducerSettings = {
    acks,
    compression,
    idempotent,
    batchSize: positive('batchSize', options.batchSize ?? 1000),
    batchBytes: positive('batchBytes', options.batchBytes ?? 512 * 1024),
    lingerMs: options.lingerMs ?? 5,
    maxInFlight: idempotent ? 1 : positive('maxInFlight', options.maxInFlight ?? 4),
    maxBufferedMessages: positive('maxBufferedMessages', options.maxBufferedMessages ?? 32_768),
    maxBufferedBytes: positive('maxBufferedBytes', options.maxBufferedBytes ?? 32 * 1024 * 1024),
    whenFull,
    maxMessageBytes: positive('maxMessageBytes', options.maxMessageBytes ?? 1_048_588),
    deliveryTimeoutMs: positive('deliveryTimeoutMs', options.deliveryTimeoutMs ?? 120_000, false),
    closeTimeoutMs: positive('closeTimeoutMs', options.closeTimeoutMs ?? 30_000, false),
    json: options.json ?? false,
  }
  if (!(settings.lingerMs >= 0)) throw new ConfigError(`KProducer: lingerMs must be >= 0, got ${String(options.lingerMs)}`)
  return settings
}

/**
 * The seed's KProducer on kafkajs: `send` filters and buffers messages and returns
 * at once; delivery runs in the background in batches (by count, bytes and linger
 * time), with retries until `deliveryTimeoutMs`. A failed delivery never blocks
 * `send`. `close()` delivers what is buffered, waits for every request in flight
 * (kafkajs' `disconnect()` does not), then disconnects.
 *
 * @example
 * ```ts
 * import { KProducer } from 'rxtrain'
 * const producer = new KProducer(['127.0.0.1:9092'], 'deep-insight')
 * producer.send(['{"uid":1}', '{"uid":2}'])
 * const stats = await producer.close()
 * console.log(stats.success, stats.failed)
 * ```
 */
export class KProducer {
  readonly brokers: readonly string[]
  readonly topic: string
  private readonly producer: Producer
  private readonly queue = new MessageQueue()
  private readonly inFlight = new Set<Promise<void>>()
  private readonly logger: Logger
  private readonly logFirst: (message: string) => void
  private readonly logDeliveryError: (message: string) => void
  private readonly opts: ProducerSettings
  private connecting: Promise<void> | undefined
  private lingerTimer: NodeJS.Timeout | undefined
  private retryTimer: NodeJS.Timeout | undefined
  private pausedUntil = 0
  private closing: Promise<KProducerStats> | undefined
  private closed = false
  private waiting: { promise: Promise<void>; resolve: () => void } | undefined
  private counts = { total: 0, success: 0, failed: 0, dropped: 0 }
  private lastError: Error | undefined

  /**
   * @param brokers `host:port`s of the bootstrap brokers
   * @param topic the topic to write to
   * @param options batching, buffering, delivery and client options
   */
  constructor(brokers: readonly string[], topic: string, options: KProducerOptions = {}) {
    if (!Array.isArray(brokers) || brokers.length === 0 || brokers.some((b) => typeof b !== 'string' || b === '')) {
      throw new ConfigError(`KProducer: brokers must be a non-empty list of host:port, got ${JSON.stringify(brokers)}`)
    }
    if (typeof topic !== 'string' || topic === '') throw new ConfigError(`KProducer: topic must be a non-empty string, got ${JSON.stringify(topic)}`)
    this.opts = producerSettings(options)
    const idempotent = this.opts.idempotent
    this.brokers = [...brokers]
    this.topic = topic
    this.logger = options.logger ?? stderrLogger()
    this.logFirst = logFirstN(this.logger, 'info', 10)
    this.logDeliveryError = logFirstN(this.logger, 'warn', 10)
    const kafkaLog = logFirstN(this.logger, 'warn', 20)
    const kafka =
      options.kafka ??
      new Kafka({
        clientId: options.clientId ?? 'rxtrain',
        brokers: this.brokers as string[],
        connectionTimeout: 3000,
        retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: idempotent ? Number.MAX_SAFE_INTEGER : 5 },
        logLevel: logLevel.WARN,
        logCreator: () => (entry) => kafkaLog(`kafkajs ${entry.namespace}: ${entry.log.message}`),
      })
    this.producer = kafka.producer({
      idempotent,
      maxInFlightRequests: idempotent ? 1 : undefined,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: true,
    })
    this.connect()
  }

  /**
   * Filters and buffers messages, as the seed: null or empty sends nothing, a
   * string or bytes is one message, null and empty entries of a list are dropped.
   * A value that is neither string nor bytes (unless `json`), or a message over
   * `maxMessageBytes`, is counted failed with an error naming it. Never waits.
   *
   * @param msgs a message or a list of them
   * @returns false when the buffer is at its cap (with `whenFull: 'wait'`, await `ready()`)
   * @throws KafkaSinkError with `whenFull: 'error'` and a full buffer, or after `close()`
   */
  send(msgs: unknown): boolean {
    if (this.closing) throw new KafkaSinkError(`KProducer(${this.topic}): send after close`)
    const { accepted, rejected } = filterMessages(msgs, this.opts.json)
    if (accepted.length === 0 && rejected.length === 0) return !this.full()
    this.counts.total += accepted.length + rejected.length
    for (const reason of rejected) this.fail(1, new KafkaSinkError(`KProducer(${this.topic}): ${reason}`))
    if (accepted.length > 0) this.logFirst(`KProducer(${this.topic}) sends: ${accepted[0]!.toString('utf8', 0, 200)}`)
    const deadline = Date.now() + this.opts.deliveryTimeoutMs
    for (const message of accepted) {
      if (message.byteLength > this.opts.maxMessageBytes) {
        this.fail(
          1,
          new KafkaSinkError(
            `KProducer(${this.topic}): a message of ${message.byteLength} bytes is over maxMessageBytes (${this.opts.maxMessageBytes}, the broker's message.max.bytes)`,
          ),
        )
        continue
      }
      if (this.full()) {
        if (this.opts.whenFull === 'error') {
          this.fail(1, new KafkaSinkError(`KProducer(${this.topic}): buffer full`))
          throw new KafkaSinkError(
            `KProducer(${this.topic}): buffer full (${this.queue.length} messages, ${this.queue.bytes} bytes; caps ${this.opts.maxBufferedMessages} and ${this.opts.maxBufferedBytes})`,
          )
        }
        if (this.opts.whenFull === 'drop-oldest') {
          while (this.full() && this.queue.dropOldest()) this.counts.dropped++
        }
      }
      this.queue.push(message, deadline)
    }
    this.schedule()
    return !this.full()
  }

  /** Resolves once the buffer is below its caps (at once when it is); undefined when there is nothing to wait for. */
  ready(): Promise<void> | undefined {
    if (!this.full() || this.closed) return undefined
    if (!this.waiting) {
      let resolve!: () => void
      const promise = new Promise<void>((r) => (resolve = r))
      this.waiting = { promise, resolve }
    }
    return this.waiting.promise
  }

  /** Whether messages are buffered or requests are in flight. */
  busy(): boolean {
    return this.queue.length > 0 || this.inFlight.size > 0
  }

  /** Messages accepted by `send`. */
  total(): number {
    return this.counts.total
  }

  /** Messages the broker acknowledged. */
  success(): number {
    return this.counts.success
  }

  /** Messages refused, over size, or not delivered within the delivery timeout. */
  failed(): number {
    return this.counts.failed
  }

  /** Messages dropped from a full buffer (`whenFull: 'drop-oldest'`). */
  dropped(): number {
    return this.counts.dropped
  }

  /** All counters at once. */
  stats(): KProducerStats {
    const { total, success, failed, dropped } = this.counts
    return { total, success, failed, dropped, pending: total - success - failed - dropped, lastError: this.lastError }
  }

  /**
   * Delivers everything buffered, waits for requests in flight, and disconnects;
   * after `closeTimeoutMs`, whatever is still undelivered is counted failed. Safe to
   * call twice (the same promise).
   *
   * @returns the final counters
   */
  close(): Promise<KProducerStats> {
    this.closing ??= this.drainAndDisconnect()
    return this.closing
  }

  private async drainAndDisconnect(): Promise<KProducerStats> {
    const timedOut = new Promise<'timeout'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), this.opts.closeTimeoutMs)
      timer.unref()
    })
    const drained = (async () => {
      for (;;) {
        if (this.closed) return 'timeout' as const
        this.schedule()
        if (this.queue.length === 0 && this.inFlight.size === 0) return 'drained' as const
        await Promise.race([...this.inFlight, new Promise((r) => setTimeout(r, 20).unref())])
      }
    })()
    const outcome = await Promise.race([drained, timedOut])
    this.closed = true
    clearTimeout(this.lingerTimer)
    clearTimeout(this.retryTimer)
    if (outcome === 'timeout') {
      const left = this.queue.clear()
      const unsettled = this.stats().pending
      this.fail(
        unsettled,
        new KafkaSinkError(
          `KProducer(${this.topic}): ${unsettled} message(s) (${left} never sent) not delivered to ${this.brokers.join(', ')} within closeTimeoutMs (${this.opts.closeTimeoutMs} ms)` +
            (this.lastError ? `; last error: ${this.lastError.message}` : ''),
          { cause: this.lastError, retriable: true },
        ),
      )
    }
    this.waiting?.resolve()
    // kafkajs' disconnect() does not stop a connect() under way, whose socket would then stay open:
    // let the connect settle first. Wait for it all at most 2 s; it still finishes in the background.
    const disconnected = (async () => {
      await this.connecting?.catch(() => {})
      await this.producer.disconnect()
    })().catch(() => {})
    await Promise.race([disconnected, new Promise((r) => setTimeout(r, 2000).unref())])
    return this.stats()
  }

  private full(): boolean {
    return this.queue.length >= this.opts.maxBufferedMessages || this.queue.bytes >= this.opts.maxBufferedBytes
  }

  private connect(): Promise<void> {
    this.connecting ??= this.producer.connect().catch((err: unknown) => {
      this.connecting = undefined
      throw err
    })
    return this.connecting
  }

  private fail(count: number, error: Error): void {
    if (count <= 0) return
    this.counts.failed += count
    this.lastError = error
    this.logDeliveryError(error.message)
  }

  /** Starts requests while there is room and a batch is due; otherwise arms the linger timer. */
  private schedule(): void {
    if (this.closed || Date.now() < this.pausedUntil) return
    while (this.queue.length > 0 && this.inFlight.size < this.opts.maxInFlight) {
      const due =
        this.closing !== undefined ||
        this.opts.lingerMs === 0 ||
        this.queue.length >= this.opts.batchSize ||
        this.queue.bytes >= this.opts.batchBytes
      if (!due) {
        this.lingerTimer ??= setTimeout(() => {
          this.lingerTimer = undefined
          this.dispatch()
        }, this.opts.lingerMs)
        return
      }
      this.dispatch()
    }
  }

  /** Sends the next batch now. */
  private dispatch(): void {
    if (this.closed || this.queue.length === 0 || this.inFlight.size >= this.opts.maxInFlight) return
    clearTimeout(this.lingerTimer)
    this.lingerTimer = undefined
    const request = this.deliver(this.queue.take(this.opts.batchSize, this.opts.batchBytes)).finally(() => {
      this.inFlight.delete(request)
      if (this.waiting && !this.full()) {
        this.waiting.resolve()
        this.waiting = undefined
      }
      this.schedule()
    })
    this.inFlight.add(request)
  }

  private async deliver(batch: Batch): Promise<void> {
    try {
      await this.connect()
      await this.producer.send({
        topic: this.topic,
        acks: this.opts.acks,
        compression: this.opts.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
        messages: batch.messages.map((value) => ({ value })),
      })
      if (this.closed) return // counted failed by close()'s timeout already
      this.counts.success += batch.messages.length
    } catch (err) {
      if (this.closed) return
      const type = errorType(err)
      if ((type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') && batch.messages.length > 1) {
        // Some message is too large for the broker: halve the batch until it is alone.
        const half = batch.messages.length >> 1
        await this.deliver({ messages: batch.messages.slice(0, half), deadline: batch.deadline })
        await this.deliver({ messages: batch.messages.slice(half), deadline: batch.deadline })
        return
      }
      this.handleFailure(batch, err as Error, type)
    }
  }

  private handleFailure(batch: Batch, err: Error, type: string | undefined): void {
    const error = new KafkaSinkError(
      `KProducer(${this.topic}): delivery of ${batch.messages.length} message(s) to ${this.brokers.join(', ')} failed: ${err.message}`,
      { cause: err, retriable: !NON_RETRIABLE.has(type ?? '') },
    )
    if (error.retriable && !this.opts.idempotent && Date.now() < batch.deadline) {
      this.lastError = error
      this.logDeliveryError(`${error.message}; retrying`)
      this.requeue(batch.messages, batch.deadline)
      return
    }
    this.fail(batch.messages.length, error)
  }

  /** Puts a batch back at the front and retries after a short pause. */
  private requeue(messages: Buffer[], deadline: number, pauseMs = 200): void {
    this.queue.unshift(messages, deadline)
    this.pausedUntil = Date.now() + pauseMs
    clearTimeout(this.retryTimer)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      // The pause is over: timers run on the monotonic clock and may fire a millisecond
      // before Date.now() reaches pausedUntil, and schedule() would then arm nothing.
      this.pausedUntil = 0
      this.schedule()
    }, pauseMs)
  }
}

/** The Kafka error code name of a kafkajs error (or of its cause), e.g. `MESSAGE_TOO_LARGE`. */
function errorType(err: unknown): string | undefined {
  const e = err as { type?: string; cause?: { type?: string }; originalError?: { type?: string } }
  return e?.type ?? e?.cause?.type ?? e?.originalError?.type
}
