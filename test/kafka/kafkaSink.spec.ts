import { expect } from 'chai'
import { concat, lastValueFrom, map, Observable, take, throwError, toArray } from 'rxjs'
import { ConfigError } from '../../lib/errors.js'
import type { KProducerStats } from '../../lib/kafka/producer.js'
import { fromLoop } from '../../lib/sources/fromLoop.js'
import type { TrainingStep } from '../../lib/step.js'
import { kafkaSink } from '../../operators/kafkaSink.js'
import { kafkaDown, kafkaUp } from '../kafka/broker.js'
import { createTopic, freshTopic, readTopic, topicSize, useKafka, type TestKafka } from '../support/kafka.js'
import { signalWhenReady } from '../support/child.js'
import { memoryLogger } from '../support/logger.js'
import { makeStep } from '../support/steps.js'

/** `count` steps of `perStep` records each, named `s<step>-<i>`. */
function stepsWithRecords(count: number, perStep: number): Observable<TrainingStep> {
  return fromLoop({
    steps: count,
    step: (i) => ({ loss: 0, records: Array.from({ length: perStep }, (_, j) => `s${i}-${j}`) }),
  })
}

describe('kafkaSink', function () {
  this.timeout(120_000)

  describe('configuration', () => {
    let saved: NodeJS.ProcessEnv
    beforeEach(() => {
      saved = { ...process.env }
      delete process.env.KAFKA_BROKER_LIST
      delete process.env.KAFKA_TOPIC_NAME
    })
    afterEach(() => {
      process.env = saved
    })

    it('with no brokers or topic anywhere, logs that once and passes steps through untouched', async () => {
      const logger = memoryLogger()
      const steps = [makeStep({ step: 1 }), makeStep({ step: 2 })]
      const out = await lastValueFrom(
        new Observable<TrainingStep>((s) => {
          steps.forEach((x) => s.next(x))
          s.complete()
        }).pipe(kafkaSink({ logger }), toArray()),
      )
      expect(out).to.deep.equal(steps)
      expect(out[0]).to.equal(steps[0])
      expect(logger.lines).to.deep.equal([
        'info: kafkaSink: no brokers or topic (options, KAFKA_BROKER_LIST, KAFKA_TOPIC_NAME): steps pass through, nothing is sent',
      ])
    })

    it('throws a ConfigError at creation when only one of brokers and topic is known', () => {
      expect(() => kafkaSink({ topic: 't', logger: memoryLogger() })).to.throw(
        ConfigError,
        "kafkaSink: topic 't' given but no brokers (set brokers or KAFKA_BROKER_LIST)",
      )
      process.env.KAFKA_BROKER_LIST = '127.0.0.1:9092'
      expect(() => kafkaSink({ logger: memoryLogger() })).to.throw(ConfigError, 'kafkaSink: brokers given but no topic (set topic or KAFKA_TOPIC_NAME)')
    })

    it('rejects bad producer options at creation, before any I/O', () => {
      expect(() => kafkaSink({ brokers: ['127.0.0.1:9092'], topic: 't', whenFull: 'block' as never })).to.throw(
        ConfigError,
        /whenFull must be/,
      )
    })
  })

  describe('against a real Kafka broker', () => {
    let kafka: TestKafka
    let saved: NodeJS.ProcessEnv

    before(async function () {
      kafka = await useKafka(this)
    })
    beforeEach(() => {
      saved = { ...process.env }
    })
    afterEach(() => {
      process.env = saved
    })

    it('takes brokers and topic from KAFKA_BROKER_LIST and KAFKA_TOPIC_NAME, and logs the counts at the end', async () => {
      const topic = freshTopic('sink-env')
      await createTopic(kafka.brokers, topic)
      process.env.KAFKA_BROKER_LIST = kafka.brokers.join(',')
      process.env.KAFKA_TOPIC_NAME = topic
      const logger = memoryLogger()
      await lastValueFrom(stepsWithRecords(3, 2).pipe(kafkaSink({ logger })))
      expect(await readTopic(kafka.brokers, topic)).to.deep.equal(['s0-0', 's0-1', 's1-0', 's1-1', 's2-0', 's2-1'])
      expect(logger.lines.at(-1)).to.equal(`info: kafkaSink(${topic}): 6 delivered, 0 failed of 6`)
    })

    it('ships 100,000 records, all read back exactly once with idempotence on; it completes only after draining', async () => {
      const topic = freshTopic('sink-100k')
      await createTopic(kafka.brokers, topic)
      let stats: KProducerStats | undefined
      let statsAtComplete: KProducerStats | undefined
      const steps = await lastValueFrom(
        stepsWithRecords(100, 1000).pipe(
          kafkaSink({ brokers: kafka.brokers, topic, idempotent: true, logger: memoryLogger(), onClose: (s) => (stats = s) }),
          toArray(),
          map((all) => {
            statsAtComplete = stats
            return all
          }),
        ),
      )
      expect(steps).to.have.length(100)
      expect(statsAtComplete).to.include({ total: 100_000, success: 100_000, failed: 0, dropped: 0, pending: 0 })
      const values = await readTopic(kafka.brokers, topic)
      expect(values).to.have.length(100_000)
      expect(new Set(values).size).to.equal(100_000)
    })

    it('ships what select returns instead of the records', async () => {
      const topic = freshTopic('sink-select')
      await createTopic(kafka.brokers, topic)
      await lastValueFrom(
        stepsWithRecords(3, 1).pipe(
          kafkaSink({ brokers: kafka.brokers, topic, logger: memoryLogger(), select: (s) => `{"step":${s.step},"loss":${s.loss}}` }),
        ),
      )
      expect(await readTopic(kafka.brokers, topic)).to.deep.equal(['{"step":1,"loss":0}', '{"step":2,"loss":0}', '{"step":3,"loss":0}'])
    })

    it('drains on error: what it accepted is delivered, then the error goes on', async () => {
      const topic = freshTopic('sink-error')
      await createTopic(kafka.brokers, topic)
      const failure = new Error('fit failed')
      let closed: KProducerStats | undefined
      const error = await lastValueFrom(
        concat(stepsWithRecords(5, 10), throwError(() => failure)).pipe(
          kafkaSink({ brokers: kafka.brokers, topic, logger: memoryLogger(), onClose: (s) => (closed = s) }),
        ),
      ).catch((e: unknown) => e)
      expect(error).to.equal(failure)
      expect(closed).to.include({ total: 50, success: 50, failed: 0 })
      expect(await topicSize(kafka.brokers, topic)).to.equal(50)
    })

    it('drains on unsubscribe: the steps it saw are all delivered', async () => {
      const topic = freshTopic('sink-unsubscribe')
      await createTopic(kafka.brokers, topic)
      const closed = new Promise<KProducerStats>((resolve) => {
        void lastValueFrom(
          stepsWithRecords(1000, 10).pipe(kafkaSink({ brokers: kafka.brokers, topic, logger: memoryLogger(), onClose: resolve }), take(7)),
        )
      })
      expect(await closed).to.include({ total: 70, success: 70, failed: 0 })
      expect(await readTopic(kafka.brokers, topic)).to.have.length(70)
    })

    it('drains on SIGTERM through the exit hook: every accepted record is on the topic before the process exits', async () => {
      const topic = freshTopic('sink-sigterm')
      await createTopic(kafka.brokers, topic)
      const run = await signalWhenReady('test/fixtures/kafka-sink-child.ts', [kafka.brokers.join(','), topic], 'SIGTERM')
      expect(run.code, run.stderr).to.equal(143)
      const stats = run.stats<KProducerStats>()
      expect(stats.total).to.be.at.least(1000)
      expect(stats).to.include({ success: stats.total, failed: 0, pending: 0 })
      const values = await readTopic(kafka.brokers, topic)
      expect(values).to.have.length(stats.total)
      expect(new Set(values).size).to.equal(stats.total)
    })

    it('keeps the stream going while the broker is down for 10 s, then delivers every accepted record', async function () {
      if (!kafka.local) {
        // KAFKA_BROKERS points at a broker these tests cannot stop and start.
        this.test!.title += ' (pending: needs the local test broker, which it stops and starts)'
        this.skip()
      }
      const topic = freshTopic('sink-outage')
      await createTopic(kafka.brokers, topic)
      let stats: KProducerStats | undefined
      let stepsWhileDown = 0
      let down = false
      const run = lastValueFrom(
        fromLoop({
          steps: 400,
          step: async (i) => {
            await new Promise((r) => setTimeout(r, 50))
            if (down) stepsWhileDown++
            return { loss: 0, records: Array.from({ length: 20 }, (_, j) => `s${i}-${j}`) }
          },
        }).pipe(kafkaSink({ brokers: kafka.brokers, topic, logger: memoryLogger(), onClose: (s) => (stats = s) })),
      )
      await new Promise((r) => setTimeout(r, 2000))
      await kafkaDown()
      down = true
      await new Promise((r) => setTimeout(r, 10_000))
      down = false
      await kafkaUp()
      await run
      expect(stepsWhileDown, 'steps emitted while the broker was down').to.be.at.least(100)
      expect(stats).to.include({ total: 8000, success: 8000, failed: 0, pending: 0 })
      const values = await readTopic(kafka.brokers, topic)
      const expected = new Set(Array.from({ length: 400 }, (_, i) => Array.from({ length: 20 }, (_, j) => `s${i}-${j}`)).flat())
      expect(new Set(values)).to.deep.equal(expected)
    })
  })
})
