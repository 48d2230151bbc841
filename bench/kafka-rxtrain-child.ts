/**
 * rxtrain's contender in bench/kafka.ts, in a process of its own so its peak RSS is
 * its own: the lines of a file, 1,000 a step, through `fromLoop` and `kafkaSink`
 * with acks=all. Prints `{ seconds, peakRssKB }` as JSON on stdout.
 *
 *   node --import tsx bench/kafka-rxtrain-child.ts <broker> <topic> <file> <records>
 */
import { createReadStream } from 'node:fs'
import { lastValueFrom } from 'rxjs'
import { fromLoop, kafkaSink, stderrLogger } from '../index.js'

const RECORDS_PER_STEP = 1000

/** The file's lines, `size` at a time, read in chunks so only a little of the file is in memory. */
async function* lineBatches(file: string, size: number): AsyncGenerator<string[]> {
  let batch: string[] = []
  let rest = ''
  for await (const chunk of createReadStream(file, { encoding: 'utf8' })) {
    const lines = (rest + (chunk as string)).split('\n')
    rest = lines.pop()!
    for (const line of lines) {
      batch.push(line)
      if (batch.length === size) {
        yield batch
        batch = []
      }
    }
  }
  if (rest !== '') batch.push(rest)
  if (batch.length > 0) yield batch
}

const [broker, topic, file, records] = process.argv.slice(2)
if (!broker || !topic || !file || !(Number(records) > 0)) {
  throw new Error('usage: kafka-rxtrain-child.ts <broker> <topic> <file> <records>')
}
const batches = lineBatches(file, RECORDS_PER_STEP)

const started = performance.now()
await lastValueFrom(
  fromLoop({
    steps: Math.ceil(Number(records) / RECORDS_PER_STEP),
    step: async () => {
      const next = await batches.next()
      return { loss: 0, records: next.done ? [] : next.value }
    },
  }).pipe(kafkaSink({ brokers: [broker], topic, acks: -1, logger: stderrLogger('warn') })),
)
const seconds = (performance.now() - started) / 1000
console.log(JSON.stringify({ seconds, peakRssKB: process.resourceUsage().maxRSS }))
