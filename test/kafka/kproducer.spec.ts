import { expect } from 'chai'
import { Kafka, logLevel } from 'kafkajs'
import { ConfigError, KafkaSinkError } from '../../lib/errors.js'
import { KProducer } from '../../lib/kafka/producer.js'
import { createTopic, freshTopic, readTopic, useKafka, type TestKafka } from '../support/kafka.js'
import { memoryLogger } from '../support/logger.js'

describe('KProducer against a real Kafka broker', function () {
  this.timeout(120_000)
  let kafka: TestKafka
  let producers: KProducer[]

  before(async function () {
    kafka = await useKafka(this)
  })

  beforeEach(() => {
    producers = []
  })

  afterEach(async () => {
    await Promise.all(producers.map((p) => p.close()))
  })

  const open = (topic: string, options: ConstructorParameters<typeof KProducer>[2] = {}) => {
    const producer = new KProducer(kafka.brokers, topic, { logger: memoryLogger(), ...options })
    producers.push(producer)
    return producer
  }

  it('delivers what send accepts, filtered as the seed filters, and counts exactly', async () => {
    const topic = freshTopic('kproducer-filter')
    await createTopic(kafka.brokers, topic)
    const producer = open(topic)
    producer.send(null)
    producer.send([])
    producer.send('')
    producer.send('one')
    producer.send(Buffer.from('two'))
    producer.send(['three', null, '', undefined, new Uint8Array(0), Buffer.from('four')])
    expect(producer.total()).to.equal(4)
    const stats = await producer.close()
    expect(stats).to.include({ total: 4, success: 4, failed: 0, dropped: 0, pending: 0 })
    expect(await readTopic(kafka.brokers, topic)).to.deep.equal(['one', 'two', 'three', 'four'])
  })

  it('counts values that are neither strings nor bytes as failed, naming them; JSON-encodes them when asked', async () => {
    const topic = freshTopic('kproducer-json')
    await createTopic(kafka.brokers, topic)
    const plain = open(topic)
    plain.send(['ok', { uid: 1 }, 7])
    const stats = await plain.close()
    expect(stats).to.include({ total: 3, success: 1, failed: 2 })
    expect(stats.lastError).to.be.instanceOf(KafkaSinkError)
    expect(stats.lastError!.message).to.equal(
      `KProducer(${topic}): message 2 is a number, not a string or bytes (pass json: true to JSON-encode it)`,
    )
    const json = open(topic, { json: true })
    json.send([{ uid: 1, predict: [0.25] }, 7])
    expect(await json.close()).to.include({ total: 2, success: 2, failed: 0 })
    expect(await readTopic(kafka.brokers, topic)).to.deep.equal(['ok', '{"uid":1,"predict":[0.25]}', '7'])
  })

  it("counts a record over the broker's max message size failed with a clear error, and delivers the others", async () => {
    const topic = freshTopic('kproducer-large')
    await createTopic(kafka.brokers, topic)
    const big = 'x'.repeat(2 * 1024 * 1024)
    // Caught before any I/O by maxMessageBytes (the broker's default message.max.bytes) ...
    const checked = open(topic)
    checked.send(['before', big, 'after'])
    const s1 = await checked.close()
    expect(s1).to.include({ total: 3, success: 2, failed: 1 })
    expect(s1.lastError!.message).to.equal(
      `KProducer(${topic}): a message of ${big.length} bytes is over maxMessageBytes (1048588, the broker's message.max.bytes)`,
    )
    // ... and refused by the broker itself when the limit is set above the broker's: the batch is
    // split until the large record is alone, so the rest still get through.
    const unchecked = open(topic, { maxMessageBytes: 10 * 1024 * 1024, lingerMs: 50 })
    unchecked.send(['a', 'b', big, 'c', 'd'])
    const s2 = await unchecked.close()
    expect(s2).to.include({ total: 5, success: 4, failed: 1 })
    expect(s2.lastError!.message).to.match(
      new RegExp(`^KProducer\\(${topic}\\): delivery of 1 message\\(s\\) to ${kafka.brokers[0]} failed: .*larger than the max message size`),
    )
    expect((await readTopic(kafka.brokers, topic)).sort()).to.deep.equal(['a', 'after', 'b', 'before', 'c', 'd'])
  })

  it('delivers gzip-compressed batches through a kafkajs client the user built, with acks = 1', async () => {
    const topic = freshTopic('kproducer-gzip')
    await createTopic(kafka.brokers, topic)
    const client = new Kafka({ clientId: 'my-own-client', brokers: kafka.brokers, logLevel: logLevel.NOTHING })
    const producer = open(topic, { kafka: client, compression: 'gzip', acks: 1 })
    producer.send(Array.from({ length: 500 }, (_, i) => `{"i":${i},"text":"${'abc'.repeat(30)}"}`))
    expect(await producer.close()).to.include({ total: 500, success: 500, failed: 0 })
    const values = await readTopic(kafka.brokers, topic)
    expect(values).to.have.length(500)
    expect(JSON.parse(values[499]!).i).to.equal(499)
  })

  it('delivers 100,000 records exactly once with idempotence on: total = success = 100,000', async () => {
    const topic = freshTopic('kproducer-100k')
    await createTopic(kafka.brokers, topic)
    const producer = open(topic, { idempotent: true })
    const n = 100_000
    for (let i = 0; i < n; i += 1000) {
      producer.send(Array.from({ length: 1000 }, (_, j) => `r${i + j}`))
      const wait = producer.ready()
      if (wait) await wait
    }
    const stats = await producer.close()
    expect(stats).to.include({ total: n, success: n, failed: 0, dropped: 0, pending: 0 })
    const values = await readTopic(kafka.brokers, topic)
    expect(values).to.have.length(n)
    expect(new Set(values).size).to.equal(n)
    expect(values[0]).to.equal('r0')
    expect(values[n - 1]).to.equal(`r${n - 1}`)
  })

  it('refuses send after close', async () => {
    const producer = open(freshTopic('kproducer-closed'))
    await producer.close()
    expect(() => producer.send('late')).to.throw(KafkaSinkError, /send after close/)
  })
})

describe('KProducer without a broker', function () {
  this.timeout(30_000)
  let producers: KProducer[]

  beforeEach(() => {
    producers = []
  })

  afterEach(async () => {
    await Promise.all(producers.map((p) => p.close()))
  })

  it('with no broker at all: close() returns within its timeout, every record counts failed, the error names the brokers', async () => {
    const producer = new KProducer(['127.0.0.1:1'], 'nowhere', {
      logger: memoryLogger(),
      closeTimeoutMs: 3000,
      deliveryTimeoutMs: 1500,
    })
    producer.send(['a', 'b', 'c'])
    const started = Date.now()
    const stats = await producer.close()
    expect(Date.now() - started).to.be.below(3000 + 2500)
    expect(stats).to.include({ total: 3, success: 0, failed: 3, pending: 0 })
    expect(stats.lastError!.message).to.include('127.0.0.1:1')
  })

  it('retries after each pause even when the pause timer fires before Date.now() reaches its end', async () => {
    // Timers run on the monotonic clock and may fire a millisecond before Date.now() says the
    // pause is over; with Date.now() frozen they always do. A retry must still follow.
    const logger = memoryLogger()
    const kafka = new Kafka({ brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING, retry: { retries: 0 } })
    const realNow = Date.now
    const frozen = realNow()
    Date.now = () => frozen
    try {
      const producer = new KProducer(['127.0.0.1:1'], 'nowhere', { kafka, logger, closeTimeoutMs: 1500 })
      producer.send(['a'])
      const stats = await producer.close()
      expect(stats).to.include({ total: 1, success: 0, failed: 1 })
    } finally {
      Date.now = realNow
    }
    // A try, a 200 ms pause, a try, ... for 1.5 s: one try alone means the retry never came.
    expect(logger.lines.filter((l) => l.endsWith('; retrying'))).to.have.length.of.at.least(3)
  })

  describe('when the buffer is full (no broker, so nothing drains)', () => {
    const offline = (whenFull: 'wait' | 'drop-oldest' | 'error') => {
      const producer = new KProducer(['127.0.0.1:1'], 'nowhere', {
        logger: memoryLogger(),
        maxBufferedMessages: 10,
        lingerMs: 10_000,
        batchSize: 1000,
        whenFull,
        closeTimeoutMs: 500,
      })
      producers.push(producer)
      return producer
    }

    it("'drop-oldest' drops the oldest, counting each drop", async () => {
      const producer = offline('drop-oldest')
      for (let i = 0; i < 25; i++) producer.send(`m${i}`)
      expect(producer.dropped()).to.equal(15)
      const stats = await producer.close()
      expect(stats).to.include({ total: 25, dropped: 15, failed: 10, success: 0, pending: 0 })
    })

    it("'error' throws a KafkaSinkError naming the caps, counting the refused message failed", async () => {
      const producer = offline('error')
      for (let i = 0; i < 10; i++) producer.send(`m${i}`)
      expect(() => producer.send('one too many')).to.throw(KafkaSinkError, /buffer full \(10 messages, \d+ bytes; caps 10 and 33554432\)/)
      expect(producer.stats()).to.include({ total: 11, failed: 1, pending: 10 })
    })

    it("'wait' keeps every message, and ready() waits until there is room (here: until close)", async () => {
      const producer = offline('wait')
      for (let i = 0; i < 25; i++) expect(producer.send(`m${i}`)).to.equal(i < 9)
      expect(producer.stats()).to.include({ total: 25, pending: 25, dropped: 0 })
      const ready = producer.ready()
      expect(ready).to.be.instanceOf(Promise)
      let resolved = false
      void ready!.then(() => (resolved = true))
      await new Promise((r) => setTimeout(r, 50))
      expect(resolved).to.equal(false)
      await producer.close()
      await ready
      expect(resolved).to.equal(true)
    })
  })

  it('rejects bad arguments with a ConfigError before any I/O', () => {
    expect(() => new KProducer([], 't')).to.throw(ConfigError, 'KProducer: brokers must be a non-empty list of host:port, got []')
    expect(() => new KProducer(['127.0.0.1:9092'], '')).to.throw(ConfigError, 'KProducer: topic must be a non-empty string, got ""')
    expect(() => new KProducer(['127.0.0.1:9092'], 't', { acks: 3 as never })).to.throw(ConfigError, /acks/)
  })
})
