import { randomBytes } from 'node:crypto'
import { Kafka, logLevel } from 'kafkajs'
import { spawnSync } from 'node:child_process'
import { kafkaDown, kafkaStatus, kafkaUp } from '../kafka/broker.js'
import { requireInfra } from './infra.js'

/** The broker the tests use: `KAFKA_BROKERS`, else the local one `npm run kafka:up` started. */
export interface TestKafka {
  brokers: string[]
  /** True for the local test broker, which tests may stop and start. */
  local: boolean
}

let found: Promise<TestKafka | string> | undefined
let startedHere = false

async function reachable(brokers: string[]): Promise<string | undefined> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING, connectionTimeout: 3000, retry: { retries: 2 } }).admin()
  try {
    await admin.connect()
    await admin.describeCluster()
    return undefined
  } catch (err) {
    return `Kafka at ${brokers.join(',')} does not answer: ${(err as Error).message}`
  } finally {
    await admin.disconnect().catch(() => {})
  }
}

function find(): Promise<TestKafka | string> {
  found ??= (async () => {
    const fromEnv = process.env.KAFKA_BROKERS?.split(',').filter(Boolean)
    if (fromEnv?.length) return (await reachable(fromEnv)) ?? { brokers: fromEnv, local: false }
    const status = await kafkaStatus()
    if (status.ready && status.brokers) return { brokers: status.brokers, local: true }
    // No broker yet: start the local one (as `npm run kafka:up` does) when Java is here.
    if (spawnSync('java', ['-version']).status !== 0) return 'no Kafka broker and no java to start one: set KAFKA_BROKERS, or install Java 17 and run `npm run kafka:up`'
    try {
      const { brokers } = await kafkaUp()
      startedHere = true
      return { brokers, local: true }
    } catch (err) {
      return `could not start the local Kafka broker: ${(err as Error).message.split('\n')[0]}`
    }
  })()
  return found
}

/** Stops the local broker if these tests started it (a broker started by `npm run kafka:up` stays). */
export async function stopKafkaIfStartedHere(): Promise<void> {
  if (startedHere) await kafkaDown()
}

/** The test broker, or the test is pending (failed under CI=true) with the reason. Call from a `before` hook. */
export async function useKafka(ctx: Mocha.Context): Promise<TestKafka> {
  const kafka = await find()
  requireInfra(ctx, typeof kafka !== 'string', typeof kafka === 'string' ? kafka : '')
  return kafka as TestKafka
}

/** A topic name no other test uses. */
export function freshTopic(prefix: string): string {
  return `${prefix}-${Date.now()}-${randomBytes(3).toString('hex')}`
}

/**
 * Creates a one-partition topic and waits until it has a leader. A broker that has
 * just started may not serve the new partition at once: retry for a few seconds.
 */
export async function createTopic(brokers: string[], topic: string): Promise<void> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
        await admin.fetchTopicOffsets(topic)
        return
      } catch (err) {
        if (attempt >= 20 || (err as { retriable?: boolean }).retriable === false) throw err
        await new Promise((r) => setTimeout(r, 500))
      }
    }
  } finally {
    await admin.disconnect()
  }
}

/** Messages on a topic: its end offset (summed over partitions). */
export async function topicSize(brokers: string[], topic: string): Promise<number> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  try {
    const offsets = await admin.fetchTopicOffsets(topic)
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0)
  } finally {
    await admin.disconnect()
  }
}

/** Reads every message on `topic` from the beginning, as UTF-8 strings, with a real consumer. */
export async function readTopic(brokers: string[], topic: string, timeoutMs = 60_000): Promise<string[]> {
  const expected = await topicSize(brokers, topic)
  const values: string[] = []
  if (expected === 0) return values
  const consumer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).consumer({
    groupId: freshTopic('rxtrain-test-reader'),
    maxWaitTimeInMs: 100,
  })
  await consumer.connect()
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${values.length} of ${expected} messages from ${topic} in ${timeoutMs} ms`)),
        timeoutMs,
      )
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) values.push(m.value?.toString() ?? '')
            if (values.length >= expected) {
              clearTimeout(timer)
              resolve()
            }
          },
        })
        .catch(reject)
    })
  } finally {
    await consumer.disconnect()
  }
  return values
}
