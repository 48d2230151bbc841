import { expect } from 'chai'
import { ConfigError, MetricsClientError } from '../../lib/errors.js'
import type { MetricsClient } from '../../lib/metrics/client.js'
import { statsdClient, type StatsdClientOptions } from '../../lib/metrics/statsd.js'
import { sleep, udpCollector, type UdpCollector } from '../support/udp.js'

describe('statsdClient over real UDP on 127.0.0.1', () => {
  let agent: UdpCollector
  let clients: MetricsClient[]

  beforeEach(async () => {
    agent = await udpCollector()
    clients = []
  })

  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()))
    await agent.close()
  })

  const open = (options: StatsdClientOptions = {}) => {
    const client = statsdClient({ host: '127.0.0.1', port: agent.port, ...options })
    clients.push(client)
    return client
  }

  it('sends a counter, a timer in milliseconds and a gauge with global and own DogStatsD tags', async () => {
    const client = open({ prefix: 'training', globalTags: { job: 't' } })
    client.emitCounter('run_steps.all', 5, { model_name: 'm' })
    client.emitTimer('run_steps_elapsed_time.all', 0.25, { model_name: 'm' })
    client.emitStore('step_loss', 0.5, { model_name: 'm', cluster_type: 'stable' })
    const packets = await agent.waitFor(3)
    expect(packets).to.have.members([
      'training.run_steps.all:5|c|#job:t,model_name:m',
      'training.run_steps_elapsed_time.all:250|ms|#job:t,model_name:m',
      'training.step_loss:0.5|g|#job:t,model_name:m,cluster_type:stable',
    ])
    await sleep(50)
    expect(agent.packets).to.have.length(3)
  })

  it('adds one dot after a prefix that lacks it, none after one that has it, and none without a prefix', async () => {
    open({ prefix: 'training' }).emitCounter('a', 1)
    open({ prefix: 'training.' }).emitCounter('b', 2)
    open().emitCounter('c', 3)
    const packets = await agent.waitFor(3)
    expect(packets).to.have.members(['training.a:1|c', 'training.b:2|c', 'c:3|c'])
  })

  it("lets a metric's own tag win over a global one, and merges defaultTags under globalTags", async () => {
    const client = open({ defaultTags: { job: 'd', team: 'ml' }, globalTags: { job: 'g' } })
    client.emitStore('loss', 1, { job: 'own' })
    client.emitStore('acc', 2)
    const packets = await agent.waitFor(2)
    expect(packets).to.have.members(['loss:1|g|#team:ml,job:own', 'acc:2|g|#job:g,team:ml'])
  })

  it('keeps tags whose keys hot-shots reads as option names (timestamp, cardinality, sampleRate, tags)', async () => {
    const client = open()
    client.emitCounter('a', 1, { timestamp: '2024-01-01' })
    client.emitTimer('b', 0.002, { cardinality: 'high' })
    client.emitStore('c', 3, { sampleRate: 'x', tags: 'y' })
    const packets = await agent.waitFor(3)
    expect(packets).to.have.members(['a:1|c|#timestamp:2024-01-01', 'b:2|ms|#cardinality:high', 'c:3|g|#sampleRate:x,tags:y'])
  })

  it('resolves close(), returns the same promise on a second call, and throws MetricsClientError on any emit after it', async () => {
    const client = open({ prefix: 'training' })
    client.emitCounter('before_close', 1)
    const closing = client.close()
    expect(client.close()).to.equal(closing)
    await closing
    // what was emitted before close() was sent
    expect(await agent.waitFor(1)).to.deep.equal(['training.before_close:1|c'])
    expect(() => client.emitCounter('after', 1)).to.throw(MetricsClientError, 'statsdClient: the client is closed')
    expect(() => client.emitTimer('after', 1)).to.throw(MetricsClientError, 'statsdClient: the client is closed')
    expect(() => client.emitStore('after', 1)).to.throw(MetricsClientError, 'statsdClient: the client is closed')
    await sleep(50)
    expect(agent.packets).to.deep.equal(['training.before_close:1|c'])
  })

  it('rejects a port that is not an integer from 1 to 65535 with ConfigError, at creation', () => {
    for (const port of [0, -1, 65536, 8125.5, Number.NaN]) {
      expect(() => statsdClient({ host: '127.0.0.1', port }), `port ${port}`).to.throw(
        ConfigError,
        `statsdClient: port must be an integer from 1 to 65535, got ${String(port)}`,
      )
    }
  })
})
