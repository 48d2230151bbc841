import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { ConfigError, MetricsClientError } from '../errors.js'
import type { MetricKind, Tags } from '../step.js'
import { mergeTags, type ClientOptions, type MetricsClient } from './client.js'

/** Options of {@link prometheusClient}. */
export interface PrometheusClientOptions extends ClientOptions {
  /** The registry to register metrics in. Default: a new one of this client's own. */
  registry?: Registry
  /** Serve `GET /metrics` on this port (0 picks a free one). Default: no server. */
  port?: number
  /** Interface for the server. Default `'127.0.0.1'`. */
  host?: string
  /** Histogram buckets for timers, in seconds. Default prom-client's. */
  buckets?: number[]
}

/** A {@link MetricsClient} backed by prom-client. */
export interface PrometheusClient extends MetricsClient {
  /** The registry metrics are registered in. */
  readonly registry: Registry
  /** The `/metrics` URL, once the server listens; rejects when it has no server or cannot listen. */
  url(): Promise<string>
}

type PromMetric = Counter<string> | Gauge<string> | Histogram<string>

/**
 * Turns a Monolith name (`run_steps.all`) into a Prometheus one (`run_steps_all`).
 *
 * @example
 * ```ts
 * import { prometheusName } from 'rxtrain'
 * prometheusName('run_steps.all') // 'run_steps_all'
 * ```
 * @param name a metric or tag name
 * @returns the name with every character Prometheus does not allow turned into `_`
 */
export function prometheusName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9_:]/g, '_')
  return /^[a-zA-Z_:]/.test(cleaned) ? cleaned : `_${cleaned}`
}

const SUFFIX: Record<MetricKind, string> = { counter: '_total', timer: '_seconds', store: '' }

/**
 * A client that keeps metrics in a prom-client registry, optionally served over
 * HTTP for Prometheus to scrape. Counters become `<name>_total` counters, timers
 * `<name>_seconds` histograms, stores gauges; dots and other characters Prometheus
 * does not allow become `_`, and tags become labels (a tag missing on a later call
 * is the empty string).
 *
 * @example
 * ```ts
 * import { prometheusClient } from 'rxtrain'
 * const client = prometheusClient({ prefix: 'rxtrain_', port: 9464 })
 * client.emitStore('step_loss', 0.5)
 * console.log(await client.url()) // http://127.0.0.1:9464/metrics
 * ```
 * @param options registry, prefix, default tags and the optional HTTP endpoint
 * @returns the client
 */
export function prometheusClient(options: PrometheusClientOptions = {}): PrometheusClient {
  const registry = options.registry ?? new Registry()
  const prefix = options.prefix ?? ''
  const defaults = options.defaultTags
  const metrics = new Map<string, { metric: PromMetric; kind: MetricKind; labels: string[] }>()
  let server: Server | undefined
  let listening: Promise<string> = Promise.reject(new ConfigError('prometheusClient: no port given, so no /metrics server'))
  listening.catch(() => {})
  if (options.port !== undefined) {
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
      throw new ConfigError(`prometheusClient: port must be an integer from 0 to 65535, got ${String(options.port)}`)
    }
    const srv = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('rxtrain: only GET /metrics is served\n')
        return
      }
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
      )
    })
    server = srv
    const host = options.host ?? '127.0.0.1'
    listening = new Promise<string>((resolve, reject) => {
      srv.once('error', (err) =>
        reject(new MetricsClientError(`prometheusClient: cannot listen on ${host}:${options.port}: ${err.message}`, { cause: err })),
      )
      srv.listen(options.port, host, () => {
        const { port } = srv.address() as AddressInfo
        resolve(`http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`)
      })
    })
    listening.catch(() => {})
  }

  const find = (kind: MetricKind, name: string, tags: Tags | undefined) => {
    const fullName = prometheusName(prefix + name) + SUFFIX[kind]
    let entry = metrics.get(fullName)
    if (entry === undefined) {
      const labels = tags ? Object.keys(tags).map(prometheusName).sort() : []
      const config = { name: fullName, help: `${prefix}${name} (${kind}, from rxtrain)`, labelNames: labels, registers: [registry] }
      let metric: PromMetric
      try {
        metric =
          kind === 'counter' ? new Counter(config)
          : kind === 'timer' ? new Histogram({ ...config, ...(options.buckets ? { buckets: options.buckets } : {}) })
          : new Gauge(config)
      } catch (err) {
        throw new MetricsClientError(`prometheusClient: cannot register ${kind} '${fullName}': ${(err as Error).message}`, { cause: err })
      }
      entry = { metric, kind, labels }
      metrics.set(fullName, entry)
    } else if (entry.kind !== kind) {
      throw new MetricsClientError(`prometheusClient: '${fullName}' was emitted as a ${entry.kind} before, now as a ${kind}`)
    }
    return entry
  }

  const labelValues = (entry: { labels: string[] }, name: string, tags: Tags | undefined) => {
    const values: Record<string, string> = {}
    for (const label of entry.labels) values[label] = ''
    if (tags) {
      for (const key of Object.keys(tags)) {
        const label = prometheusName(key)
        if (!(label in values)) {
          throw new MetricsClientError(
            `prometheusClient: metric '${name}' got tag '${key}', but its labels are [${entry.labels.join(', ')}] (Prometheus fixes a metric's labels when it is first emitted)`,
          )
        }
        values[label] = tags[key]!
      }
    }
    return values
  }

  const emit = (kind: MetricKind, name: string, value: number, own: Tags | undefined) => {
    const tags = mergeTags(defaults, own)
    const entry = find(kind, name, tags)
    const labels = labelValues(entry, name, tags)
    if (kind === 'timer') (entry.metric as Histogram<string>).observe(labels, value)
    else if (kind === 'store') (entry.metric as Gauge<string>).set(labels, value)
    else if (value >= 0) (entry.metric as Counter<string>).inc(labels, value)
    else throw new MetricsClientError(`prometheusClient: counter '${name}' can only go up, got ${value}`)
  }

  let closed: Promise<void> | undefined
  return {
    registry,
    url: () => listening,
    emitCounter: (name, value, tags) => emit('counter', name, value, tags),
    emitTimer: (name, value, tags) => emit('timer', name, value, tags),
    emitStore: (name, value, tags) => emit('store', name, value, tags),
    flush: async () => {},
    close() {
      // Wait for listen to settle: closing a server that is still binding would leave it listening.
      closed ??= listening.then(
        () =>
          new Promise<void>((resolve) => {
            server!.close(() => resolve())
            server!.closeAllConnections()
          }),
        () => {},
      )
      return closed
    },
  }
}
