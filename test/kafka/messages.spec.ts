import { expect } from 'chai'
import { ConfigError } from '../../lib/errors.js'
import { filterMessages } from '../../lib/kafka/messages.js'
import { producerSettings } from '../../lib/kafka/producer.js'
import { MessageQueue } from '../../lib/kafka/queue.js'

const text = (r: { accepted: Buffer[] }) => r.accepted.map((b) => b.toString())

describe('filterMessages (the seed KProducer.send filtering)', () => {
  it('sends nothing for null, undefined, an empty string, empty bytes and an empty list', () => {
    for (const empty of [null, undefined, '', new Uint8Array(0), [], new Set()]) {
      expect(filterMessages(empty, false), String(empty)).to.deep.equal({ accepted: [], rejected: [] })
    }
  })

  it('wraps one string or one bytes value into a list of one', () => {
    expect(text(filterMessages('{"a":1}', false))).to.deep.equal(['{"a":1}'])
    const bytes = new Uint8Array([104, 105])
    expect(text(filterMessages(bytes, false))).to.deep.equal(['hi'])
  })

  it('drops null, undefined and empty entries of a list, keeping the order of the rest', () => {
    const r = filterMessages(['a', null, '', undefined, Buffer.from('b'), new Uint8Array(0), 'c'], false)
    expect(text(r)).to.deep.equal(['a', 'b', 'c'])
    expect(r.rejected).to.deep.equal([])
  })

  it('takes any iterable, not only arrays', () => {
    function* gen() {
      yield 'x'
      yield ''
      yield 'y'
    }
    expect(text(filterMessages(gen(), false))).to.deep.equal(['x', 'y'])
  })

  it('refuses values that are neither strings nor bytes, naming each, unless json is on', () => {
    const r = filterMessages(['ok', { uid: 1 }, 5, [1, 2], true], false)
    expect(text(r)).to.deep.equal(['ok'])
    expect(r.rejected).to.deep.equal([
      'message 1 is an object, not a string or bytes (pass json: true to JSON-encode it)',
      'message 2 is a number, not a string or bytes (pass json: true to JSON-encode it)',
      'message 3 is an array, not a string or bytes (pass json: true to JSON-encode it)',
      'message 4 is a boolean, not a string or bytes (pass json: true to JSON-encode it)',
    ])
  })

  it('JSON-encodes them when json is on, and still refuses what JSON cannot encode', () => {
    const r = filterMessages([{ uid: 1, predict: [0.5] }, 5, () => 1], true)
    expect(text(r)).to.deep.equal(['{"uid":1,"predict":[0.5]}', '5'])
    expect(r.rejected).to.deep.equal(['message 2 is a function, not a string or bytes JSON can encode'])
  })

  it('takes a single object as one message when json is on', () => {
    expect(text(filterMessages({ a: 1 }, true))).to.deep.equal(['{"a":1}'])
    expect(filterMessages({ a: 1 }, false).rejected).to.have.length(1)
  })

  it('encodes strings as UTF-8 and keeps bytes without copying', () => {
    expect(filterMessages('héllo', false).accepted[0]!.byteLength).to.equal(6)
    const bytes = Buffer.from('abc')
    expect(filterMessages([bytes], false).accepted[0]).to.equal(bytes)
  })
})

describe('MessageQueue', () => {
  const buf = (s: string) => Buffer.from(s)

  it('takes batches by count and by bytes, always at least one message, with the earliest deadline', () => {
    const q = new MessageQueue()
    q.push(buf('aaaa'), 30)
    q.push(buf('bbbb'), 10)
    q.push(buf('cccccccc'), 20)
    q.push(buf('d'), 5)
    expect(q.length).to.equal(4)
    expect(q.bytes).to.equal(17)
    const first = q.take(10, 8)
    expect(first.messages.map(String)).to.deep.equal(['aaaa', 'bbbb'])
    expect(first.deadline).to.equal(10)
    const second = q.take(10, 4) // one message over the byte cap still goes, alone
    expect(second.messages.map(String)).to.deep.equal(['cccccccc'])
    expect(q.take(10, 100).messages.map(String)).to.deep.equal(['d'])
    expect(q.length).to.equal(0)
    expect(q.bytes).to.equal(0)
  })

  it('puts a batch back at the front, in order, and drops the oldest on demand', () => {
    const q = new MessageQueue()
    q.push(buf('c'), 1)
    q.unshift([buf('a'), buf('b')], 2)
    expect(q.take(10, 100).messages.map(String)).to.deep.equal(['a', 'b', 'c'])
    q.push(buf('x'), 1)
    q.push(buf('y'), 1)
    expect(q.dropOldest()).to.equal(true)
    expect(q.take(10, 100).messages.map(String)).to.deep.equal(['y'])
    expect(q.dropOldest()).to.equal(false)
  })

  it('stays correct across many pushes and takes (compaction)', () => {
    const q = new MessageQueue()
    let next = 0
    let taken = 0
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 300; i++) q.push(buf(String(next++)), 0)
      for (const m of q.take(250, 1e9).messages) expect(String(m)).to.equal(String(taken++))
    }
    expect(q.length).to.equal(next - taken)
  })
})

describe('producerSettings', () => {
  it('fills in the defaults', () => {
    const s = producerSettings({})
    expect(s).to.include({ acks: -1, compression: 'none', idempotent: false, batchSize: 1000, whenFull: 'wait', json: false })
    expect(s.maxInFlight).to.equal(4)
    expect(producerSettings({ idempotent: true }).maxInFlight).to.equal(1)
  })

  it('rejects each bad option with a ConfigError naming it', () => {
    const bad: [object, RegExp][] = [
      [{ acks: 2 }, /acks must be -1, 0 or 1, got 2/],
      [{ idempotent: true, acks: 1 }, /idempotent producer needs acks = -1/],
      [{ compression: 'zstd' }, /compression must be 'none' or 'gzip', got zstd/],
      [{ whenFull: 'block' }, /whenFull must be 'wait', 'drop-oldest' or 'error', got block/],
      [{ batchSize: 0 }, /batchSize must be a whole number > 0, got 0/],
      [{ maxBufferedBytes: -1 }, /maxBufferedBytes must be a whole number > 0/],
      [{ lingerMs: -5 }, /lingerMs must be >= 0, got -5/],
      [{ deliveryTimeoutMs: NaN }, /deliveryTimeoutMs must be a number > 0, got NaN/],
    ]
    for (const [options, message] of bad) expect(() => producerSettings(options as never), JSON.stringify(options)).to.throw(ConfigError, message)
  })
})
