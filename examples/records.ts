// Run with: npx tsx examples/records.ts
// (with a broker: npm run kafka:up, then KAFKA_BROKER_LIST=127.0.0.1:9092 KAFKA_TOPIC_NAME=deep-insight npx tsx examples/records.ts)
// The code of records.ipynb as a script: per-example records from a fit run, written to part
// files with fileSink (vepfsKey, vepfsLayout) and sent to Kafka with kafkaSink.
import * as tf from '@tensorflow/tfjs'
import { Kafka, logLevel } from 'kafkajs'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { count, lastValueFrom } from 'rxjs'
import { fileSink, fromFit, kafkaSink, vepfsKey, vepfsLayout, type FileSinkStats, type KProducerStats, type Logger } from '../index.js'

// A click-through model, and its records: after each batch, the batch's examples scored by the
// model as it stands. shuffle: false keeps batch b on examples 32b to 32b + 31, so a record's uid
// is its example's number, from 1 (the layout reads fields with Python's `or`, as the seed does:
// a uid of 0 would be written as the text `uid`). Epoch 1 replays the requests of 2024-01-01,
// epoch 2 those of 2024-01-02.
const N = 256
const BATCH = 32
const xs = tf.randomNormal([N, 4], 0, 1, 'float32', 1)
const ys = tf.tidy(() => xs.sum(1, true).greater(0).toFloat())
const labels = ys.dataSync()
const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [4] })] })
model.compile({ optimizer: tf.train.adam(0.05), loss: 'binaryCrossentropy' })

function batchRecords({ epoch, batch }: { epoch: number; batch: number }) {
  const start = batch * BATCH
  const scores = tf.tidy(() => (model.predict(xs.slice([start, 0], [BATCH, 4])) as tf.Tensor).dataSync())
  return Array.from(scores, (score, k) => ({
    model_name: 'ctr_demo',
    req_time: `2024010${epoch + 1}`,
    uid: start + k + 1,
    predict: [Number(score.toFixed(4))],
    label: [labels[start + k]!],
  }))
}
console.log(batchRecords({ epoch: 0, batch: 0 })[0])

// fileSink: vepfsKey routes each record to baseName/model_name/date/worker_N, vepfsLayout writes
// it as req_time;gid;uid;predict;label, exactly as the Python does, and every partitionSize lines
// (100 here, a million by default) start a new part file.
const baseName = mkdtempSync(join(tmpdir(), 'rxtrain-records-'))
let files: FileSinkStats | undefined
const fileSteps = await lastValueFrom(
  fromFit(model, xs, ys, { batchSize: BATCH, epochs: 2, shuffle: false }, { records: batchRecords }).pipe(
    fileSink({ keyFn: vepfsKey, layoutFn: vepfsLayout, baseName, workerId: 0, partitionSize: 100, onClose: (stats) => (files = stats) }),
    count(),
  ),
)
const parts = readdirSync(baseName, { recursive: true, encoding: 'utf8' }).filter((p) => p.endsWith('.txt')).sort()
const lines = new Map(parts.map((p) => [p, readFileSync(join(baseName, p), 'utf8').split('\n').slice(0, -1)]))
console.log(`${fileSteps} steps; ${files?.written} lines in ${files?.directories} directories under ${baseName}:`)
for (const [part, text] of lines) console.log(`  ${part} (${text.length} lines): ${text[0]}`)

// 2 epochs of 8 batches of 32 examples are 16 steps and 512 lines, two directories of 256 lines
// each, in parts of 100, 100 and 56, with every example once per day, in order.
if (fileSteps !== 16) throw new Error(`expected 16 steps, got ${fileSteps}`)
if (files === undefined || files.received !== 512 || files.written !== 512 || files.directories !== 2 || files.parseErrors + files.rejected !== 0)
  throw new Error(`expected 512 lines written to 2 directories, got ${JSON.stringify(files)}`)
for (const day of ['20240101', '20240102']) {
  const dir = join('ctr_demo', day, 'worker_0')
  const want = ['part_000000.txt', 'part_000001.txt', 'part_000002.txt'].map((p) => join(dir, p))
  const got = parts.filter((p) => p.startsWith(dir + '/'))
  if (got.join() !== want.join()) throw new Error(`expected ${want} in ${dir}, got ${got}`)
  const sizes = got.map((p) => lines.get(p)!.length)
  if (sizes.join() !== '100,100,56') throw new Error(`expected parts of 100, 100 and 56 lines in ${dir}, got ${sizes}`)
  got.flatMap((p) => lines.get(p)!).forEach((line, i) => {
    if (!new RegExp(`^${day};gid;${i + 1};\\[[0-9.e-]+\\];\\[[01]\\]$`).test(line)) throw new Error(`line ${i + 1} of ${dir}: ${line}`)
  })
}
rmSync(baseName, { recursive: true })

// kafkaSink: brokers and topic come from the options, else from KAFKA_BROKER_LIST and
// KAFKA_TOPIC_NAME. The records here are JSON strings, as the seed sends them; on complete the
// sink delivers every record and logs `kafkaSink(<topic>): N delivered, N failed of N`. With
// neither variable set it logs one line and passes the steps through.
const brokers = process.env.KAFKA_BROKER_LIST
const topic = process.env.KAFKA_TOPIC_NAME
const log: string[] = []
const logger: Logger = { info: (m) => log.push(m), warn: (m) => log.push(`warn: ${m}`), error: (m) => log.push(`error: ${m}`) }
let kafka: KProducerStats | undefined
const kafkaSteps = await lastValueFrom(
  fromFit(model, xs, ys, { batchSize: BATCH, epochs: 1, shuffle: false }, { records: (b) => batchRecords(b).map((r) => JSON.stringify(r)) }).pipe(
    kafkaSink({ logger, onClose: (stats) => (kafka = stats) }),
    count(),
  ),
)
console.log(`${kafkaSteps} steps passed through; the sink logged:`)
for (const line of log) console.log(`  ${line}`)

// With a broker: all 256 records delivered, and the topic holds at least that many (its
// partitions' offsets, read with kafkajs' admin client). Without: the one log line, no producer.
if (kafkaSteps !== 8) throw new Error(`expected 8 steps, got ${kafkaSteps}`)
if (brokers && topic) {
  if (kafka === undefined || kafka.success !== 256 || kafka.failed !== 0 || kafka.total !== 256) throw new Error(`expected 256 records delivered, got ${JSON.stringify(kafka)}`)
  if (!log.includes(`kafkaSink(${topic}): 256 delivered, 0 failed of 256`)) throw new Error('expected the delivery line in the log')
  const admin = new Kafka({ clientId: 'rxtrain-notebook', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  try {
    const offsets = await admin.fetchTopicOffsets(topic)
    const held = offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0)
    console.log(`${topic} holds ${held} records in ${offsets.length} partition(s)`)
    if (held < 256) throw new Error(`expected at least 256 records in ${topic}, found ${held}`)
  } finally {
    await admin.disconnect()
  }
} else {
  if (kafka !== undefined) throw new Error('no producer should have run')
  if (log.length !== 1 || !log[0]!.includes('no brokers or topic')) throw new Error(`expected one line saying there are no brokers or topic, got ${JSON.stringify(log)}`)
}

model.dispose()
tf.dispose([xs, ys])
