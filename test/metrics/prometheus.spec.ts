import { createServer, type Server } from 'node:net'
import { expect } from 'chai'
import { Registry } from 'prom-client'
import { ConfigError, MetricsClientError } from '../../lib/errors.js'
import { prometheusClient, prometheusName, type PrometheusClient, type PrometheusClientOptions } from '../../lib/metrics/prometheus.js'

/** The sample lines of an exposition (no comments, no blank lines). */
const samples = (text: string) => text.split('\n').filter((line) => line !== '' && !line.startsWith('#'))

describe('prometheusClient over real HTTP on 127.0.0.1', () => {
  let clients: PrometheusClient[]
  let blockers: Server[]

  beforeEach(() => {
    clients = []
    blockers = []
  })

  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()))
    await Promise.all(blockers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
  })

  const open = (options: PrometheusClientOptions = {}) => {
    const client = prometheusClient(options)
    clients.push(client)
    return client
  }

  const scrape = async (client: PrometheusClient) => {
    const res = await fetch(await client.url())
    expect(res.status).to.equal(200)
    expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/)
    return res.text()
  }

  it('serves counters as _total, timers as _seconds histograms and stores as gauges, with tags as labels', async () => {
    const client = open({ port: 0, prefix: 'rx_' })
    client.emitCounter('run_steps.all', 5, { model_name: 'm', cluster_type: 'stable' })
    client.emitCounter('run_steps.all', 3, { model_name: 'm', cluster_type: 'stable' })
    client.emitTimer('run_steps_elapsed_time.all', 0.25, { model_name: 'm' })
    client.emitTimer('run_steps_elapsed_time.all', 0.5, { model_name: 'm' })
    client.emitStore('step_loss', 0.5, { model_name: 'm' })
    client.emitStore('step_loss', 0.125, { model_name: 'm' })
    expect(await client.url()).to.match(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
    const text = await scrape(client)
    expect(text).to.include('# TYPE rx_run_steps_all_total counter\n')
    expect(text).to.include('# TYPE rx_run_steps_elapsed_time_all_seconds histogram\n')
    expect(text).to.include('# TYPE rx_step_loss gauge\n')
    const lines = samples(text)
    expect(lines).to.include('rx_run_steps_all_total{cluster_type="stable",model_name="m"} 8')
    expect(lines).to.include('rx_run_steps_elapsed_time_all_seconds_count{model_name="m"} 2')
    expect(lines).to.include('rx_run_steps_elapsed_time_all_seconds_sum{model_name="m"} 0.75')
    expect(lines).to.include('rx_run_steps_elapsed_time_all_seconds_bucket{le="0.25",model_name="m"} 1')
    expect(lines).to.include('rx_run_steps_elapsed_time_all_seconds_bucket{le="+Inf",model_name="m"} 2')
    expect(lines).to.include('rx_step_loss{model_name="m"} 0.125')
    // no name keeps a dot
    for (const line of lines) expect(line.split('{')[0]).to.match(/^[a-zA-Z_:][a-zA-Z0-9_:]*( |$)/)
  })

  it('turns dots in names and tag keys into _, merges default tags under own, and fills a missing tag with ""', async () => {
    const client = open({ port: 0, prefix: 'rx.', defaultTags: { job: 't', model_name: 'default' } })
    client.emitStore('loss.val', 1, { 'model.kind': 'dense', model_name: 'm' })
    client.emitStore('loss.val', 2, { model_name: 'n' }) // no model.kind this time
    client.emitStore('3d', 4)
    const lines = samples(await scrape(client))
    expect(lines).to.include('rx_loss_val{job="t",model_kind="dense",model_name="m"} 1')
    expect(lines).to.include('rx_loss_val{job="t",model_kind="",model_name="n"} 2')
    expect(lines).to.include('rx_3d{job="t",model_name="default"} 4')
    expect(prometheusName('3d')).to.equal('_3d')
    expect(prometheusName('a.b-c:d')).to.equal('a_b_c:d')
  })

  it('answers 404 on any path but /metrics and on methods other than GET, and ignores a query string', async () => {
    const client = open({ port: 0 })
    client.emitCounter('c', 1)
    const url = new URL(await client.url())
    for (const path of ['/', '/other', '/metrics/extra']) {
      const res = await fetch(new URL(path, url))
      expect(res.status, path).to.equal(404)
      expect(await res.text()).to.equal('rxtrain: only GET /metrics is served\n')
    }
    const post = await fetch(url, { method: 'POST', body: '' })
    expect(post.status).to.equal(404)
    await post.arrayBuffer()
    const withQuery = await fetch(`${url.href}?name[]=c_total`)
    expect(withQuery.status).to.equal(200)
    expect(samples(await withQuery.text())).to.include('c_total 1')
  })

  it('throws MetricsClientError naming the metric when a later tag set has a key its labels lack', async () => {
    const client = open({ prefix: 'rx_' })
    client.emitStore('step_loss', 1, { model_name: 'm' })
    expect(() => client.emitStore('step_loss', 2, { model_name: 'm', epoch: '3' }))
      .to.throw(MetricsClientError)
      .with.property('message')
      .that.matches(/metric 'step_loss' got tag 'epoch', but its labels are \[model_name\]/)
    // the refused emit changed nothing
    expect(samples(await client.registry.metrics())).to.deep.equal(['rx_step_loss{model_name="m"} 1'])
  })

  it('throws MetricsClientError when two kinds map to the same Prometheus name', () => {
    const client = open({ prefix: 'rx_' })
    client.emitCounter('steps', 1) // rx_steps_total
    expect(() => client.emitStore('steps_total', 2)).to.throw(
      MetricsClientError,
      "prometheusClient: 'rx_steps_total' was emitted as a counter before, now as a store",
    )
    client.emitStore('lr', 0.1) // rx_lr
    expect(() => client.emitCounter('lr', 1)).not.to.throw() // rx_lr_total: a name of its own
    client.emitTimer('step', 0.1) // rx_step_seconds
    expect(() => client.emitCounter('step_seconds', 1)).not.to.throw() // rx_step_seconds_total
    expect(() => client.emitStore('step_seconds', 1)).to.throw(
      MetricsClientError,
      "prometheusClient: 'rx_step_seconds' was emitted as a timer before, now as a store",
    )
  })

  it('throws MetricsClientError naming the counter when it would go down', () => {
    const client = open({})
    expect(() => client.emitCounter('run_steps.all', -3)).to.throw(
      MetricsClientError,
      "prometheusClient: counter 'run_steps.all' can only go up, got -3",
    )
  })

  it('registers in a registry it is given', async () => {
    const registry = new Registry()
    const client = open({ registry, prefix: 'rx_' })
    client.emitCounter('c', 2, { a: 'b' })
    expect(client.registry).to.equal(registry)
    expect(samples(await registry.metrics())).to.deep.equal(['rx_c_total{a="b"} 2'])
  })

  it('stops serving on close(): a later fetch fails, and close() twice returns the same promise', async () => {
    const client = open({ port: 0 })
    client.emitCounter('c', 1)
    const url = await client.url()
    expect((await fetch(url)).status).to.equal(200) // leaves a keep-alive connection open
    const closing = client.close()
    expect(client.close()).to.equal(closing)
    await closing
    const err = await fetch(url).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).to.be.instanceOf(TypeError)
  })

  it('closes the server even when close() is called before it has started listening', async () => {
    const client = open({ port: 0 })
    await client.close()
    const url = await client.url()
    const err = await fetch(url).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err, `${url} still answers after close()`).to.be.instanceOf(TypeError)
  })

  it('without a port, url() rejects with ConfigError and close() still resolves', async () => {
    const client = open()
    client.emitCounter('c', 1)
    const err = await client.url().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).to.be.instanceOf(ConfigError)
    expect((err as Error).message).to.equal('prometheusClient: no port given, so no /metrics server')
    await client.close()
  })

  it('on an occupied port, url() rejects with MetricsClientError carrying the cause, and close() resolves', async () => {
    const blocker = createServer()
    blockers.push(blocker)
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as { port: number }).port
    const client = open({ port })
    const err = await client.url().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).to.be.instanceOf(MetricsClientError)
    expect((err as Error).message).to.match(new RegExp(`^prometheusClient: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`))
    expect((err as Error).cause).to.have.property('code', 'EADDRINUSE')
    await client.close()
  })

  it('rejects a port outside 0..65535 with ConfigError, at creation', () => {
    for (const port of [-1, 65536, 1.5]) {
      expect(() => prometheusClient({ port }), `port ${port}`).to.throw(ConfigError, /port must be an integer from 0 to 65535/)
    }
  })
})
