import { expect } from 'chai'
import { ConfigError } from '../../lib/errors.js'
import { memoryClient } from '../../lib/metrics/memory.js'

describe('memoryClient', () => {
  it('records each kind in order, with its prefix, and values() reads one name', () => {
    const client = memoryClient({ prefix: 'job.' })
    client.emitCounter('run_steps.all', 100)
    client.emitTimer('run_steps_elapsed_time.all', 0.25)
    client.emitStore('step_loss', 0.5)
    client.emitStore('step_loss', 0.25)
    expect(client.metrics).to.deep.equal([
      { kind: 'counter', name: 'job.run_steps.all', value: 100, tags: undefined },
      { kind: 'timer', name: 'job.run_steps_elapsed_time.all', value: 0.25, tags: undefined },
      { kind: 'store', name: 'job.step_loss', value: 0.5, tags: undefined },
      { kind: 'store', name: 'job.step_loss', value: 0.25, tags: undefined },
    ])
    expect(client.values('job.step_loss')).to.deep.equal([0.5, 0.25])
    expect(client.values('step_loss')).to.deep.equal([]) // the prefix is part of the name
    expect(client.received).to.equal(4)
  })

  it("merges default tags under a metric's own, which win", () => {
    const client = memoryClient({ defaultTags: { job: 'd', team: 'ml' } })
    client.emitStore('a', 1, { job: 'own', model_name: 'm' })
    client.emitStore('b', 2)
    expect(client.metrics.map((m) => m.tags)).to.deep.equal([
      { job: 'own', team: 'ml', model_name: 'm' },
      { job: 'd', team: 'ml' },
    ])
  })

  it('keeps only the newest `limit` metrics but counts all; limit 0 keeps none', () => {
    const client = memoryClient({ limit: 2 })
    for (let i = 1; i <= 5; i++) client.emitCounter('c', i)
    expect(client.values('c')).to.deep.equal([4, 5])
    expect(client.received).to.equal(5)
    const none = memoryClient({ limit: 0 })
    none.emitStore('s', 1)
    expect(none.metrics).to.deep.equal([])
    expect(none.received).to.equal(1)
  })

  it('with a limit, keeps order across many wraps of its ring, and clear() resets the ring', () => {
    const client = memoryClient({ limit: 3, prefix: 'p.' })
    for (let i = 1; i <= 10; i++) client.emitStore(i % 2 ? 'odd' : 'even', i, { i: String(i) })
    expect(client.metrics).to.deep.equal([
      { kind: 'store', name: 'p.even', value: 8, tags: { i: '8' } },
      { kind: 'store', name: 'p.odd', value: 9, tags: { i: '9' } },
      { kind: 'store', name: 'p.even', value: 10, tags: { i: '10' } },
    ])
    expect(client.values('p.even')).to.deep.equal([8, 10])
    client.clear()
    client.emitCounter('c', 1)
    client.emitTimer('t', 2)
    expect(client.metrics.map((m) => [m.kind, m.name, m.value])).to.deep.equal([
      ['counter', 'p.c', 1],
      ['timer', 'p.t', 2],
    ])
    expect(client.received).to.equal(2)
  })

  it('clear() forgets the metrics and the count, and recording goes on after it', async () => {
    const client = memoryClient()
    client.emitCounter('c', 1)
    client.clear()
    expect(client.metrics).to.deep.equal([])
    expect(client.received).to.equal(0)
    client.emitCounter('c', 2)
    expect(client.values('c')).to.deep.equal([2])
    await client.flush()
    await client.close()
    await client.close()
  })

  it('rejects a limit that is negative or not whole, naming it', () => {
    expect(() => memoryClient({ limit: -1 })).to.throw(ConfigError, 'memoryClient: limit must be a whole number >= 0, got -1')
    expect(() => memoryClient({ limit: 2.5 })).to.throw(ConfigError, 'got 2.5')
  })

  it('grows past its first columns: keeps every metric without a limit, and the newest `limit` with one that is not a power of two', () => {
    const all = memoryClient()
    const some = memoryClient({ limit: 1500 })
    for (let i = 0; i < 5000; i++) {
      all.emitStore('s', i, i % 2 ? { odd: 'yes' } : undefined)
      some.emitTimer('t', i)
    }
    const values = all.values('s')
    expect(values).to.have.length(5000)
    expect(values.every((v, i) => v === i)).to.equal(true)
    expect(all.metrics[4999]).to.deep.equal({ kind: 'store', name: 's', value: 4999, tags: { odd: 'yes' } })
    const newest = some.values('t')
    expect(newest).to.have.length(1500)
    expect(newest[0]).to.equal(3500)
    expect(newest[1499]).to.equal(4999)
    expect(some.received).to.equal(5000)
  })
})
