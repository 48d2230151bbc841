import { StatsD } from 'hot-shots'
import { ConfigError, MetricsClientError } from '../errors.js'
import type { Tags } from '../step.js'
import type { ClientOptions, MetricsClient } from './client.js'

/** Options of {@link statsdClient}. */
export interface StatsdClientOptions extends ClientOptions {
  /** StatsD / DogStatsD agent host. Default `'127.0.0.1'`. */
  host?: string
  /** Agent port. Default 8125. */
  port?: number
  /** Tags on every metric (DogStatsD `|#k:v`); alias of `defaultTags`. */
  globalTags?: Tags
  /** Called when a packet cannot be sent. Default: log once per distinct message to stderr. */
  onError?: (err: Error) => void
}

/**
 * A client that sends metrics over UDP to a StatsD agent with DogStatsD tags
 * (hot-shots): counters as `c`, stores as `g`, timers as `ms` (the seed's seconds
 * times 1000, StatsD's own unit). A prefix without a trailing dot gets one.
 *
 * @example
 * ```ts
 * import { statsdClient } from 'rxtrain'
 * const client = statsdClient({ host: '127.0.0.1', port: 8125, prefix: 'training', globalTags: { job: 'demo' } })
 * client.emitTimer('run_steps_elapsed_time.all', 0.25) // training.run_steps_elapsed_time.all:250|ms|#job:demo
 * await client.close()
 * ```
 * @param options agent address, prefix and global tags
 * @returns the client
 */
export function statsdClient(options: StatsdClientOptions = {}): MetricsClient {
  const port = options.port ?? 8125
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new ConfigError(`statsdClient: port must be an integer from 1 to 65535, got ${String(options.port)}`)
  }
  const rawPrefix = options.prefix ?? ''
  const prefix = rawPrefix === '' || rawPrefix.endsWith('.') ? rawPrefix : `${rawPrefix}.`
  const seen = new Set<string>()
  const onError =
    options.onError ??
    ((err: Error) => {
      if (seen.has(err.message)) return
      seen.add(err.message)
      console.error(`rxtrain: statsdClient cannot send to ${options.host ?? '127.0.0.1'}:${port}: ${err.message}`)
    })
  const client = new StatsD({
    host: options.host ?? '127.0.0.1',
    port,
    prefix,
    globalTags: { ...options.defaultTags, ...options.globalTags },
    protocol: 'udp',
    errorHandler: onError,
  })
  let closed: Promise<void> | undefined
  // Tags go in hot-shots' fourth argument: in the sample-rate slot, a tags object with a key
  // `timestamp`, `cardinality`, `sampleRate` or `tags` is taken for an options object and the tags are lost.
  const check = () => {
    if (closed) throw new MetricsClientError('statsdClient: the client is closed')
  }
  return {
    emitCounter(name, value, tags) {
      check()
      client.increment(name, value, undefined, tags)
    },
    emitTimer(name, value, tags) {
      check()
      client.timing(name, value * 1000, undefined, tags)
    },
    emitStore(name, value, tags) {
      check()
      client.gauge(name, value, undefined, tags)
    },
    flush: async () => {},
    close() {
      closed ??= new Promise<void>((resolve) => client.close(() => resolve()))
      return closed
    },
  }
}
