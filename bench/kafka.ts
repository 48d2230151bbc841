/**
 * 1e6 records of 200 bytes to the local test broker (`npm run bench:kafka` starts
 * it when it is not running) with acks=all, each contender to a fresh
 * one-partition topic: rxtrain's `kafkaSink` in
 * a real pipeline, the Monolith seed's KProducer on kafka-python (bench/kprod.py),
 * and kcat. Every contender runs in its own process, so its peak RSS is its own;
 * what it delivered is read back from the topic's end offset.
 *
 *   npm run bench:setup   # Debian's python3-kafka, kcat and time
 *   npm run bench:kafka
 */
import { spawn, spawnSync } from 'node:child_process'
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Kafka, logLevel, type Admin } from 'kafkajs'
import { printRows, type Row } from './report.js'

const RECORDS = 1_000_000
const RECORD_BYTES = 200
const LINES_PER_WRITE = 10_000
const BROKER = '127.0.0.1:9092'
/** Debian's interpreter, the one that sees python3-kafka (a pyenv `python3` on PATH does not). */
const PYTHON = '/usr/bin/python3'
const TIME = '/usr/bin/time'
const HERE = dirname(fileURLToPath(import.meta.url))

/** What a contender's process reports. */
interface Run {
  seconds: number
  peakRssKB: number
}

/** A contender's figures, from what it delivered. */
interface Result {
  name: string
  delivered: number
  msgsPerSec: number
  peakRssMB: number
}

/** Record `i`: a "deep insight" JSON line, padded to RECORD_BYTES. */
function record(i: number): string {
  const json = JSON.stringify({
    req_time: 1_700_000_000 + Math.floor(i / 1000),
    gid: i % 977,
    uid: (i * 7919) % 1_000_003,
    predict: [((i * 37) % 1000) / 1000, ((i * 53) % 1000) / 1000],
    label: [i % 2, (i >> 1) % 2],
  })
  return `${json.slice(0, -1)},"pad":"${'x'.repeat(RECORD_BYTES - json.length - 9)}"}`
}

/** Writes the records to `file`, one a line. */
function writeRecords(file: string): void {
  const fd = openSync(file, 'w')
  try {
    for (let start = 0; start < RECORDS; start += LINES_PER_WRITE) {
      const lines: string[] = []
      for (let i = start; i < Math.min(start + LINES_PER_WRITE, RECORDS); i++) lines.push(record(i))
      writeSync(fd, lines.join('\n') + '\n')
    }
  } finally {
    closeSync(fd)
  }
}

/** The version a command prints, or undefined when it is not installed. */
function versionOf(command: string, args: string[], pattern: RegExp): string | undefined {
  const out = spawnSync(command, args, { encoding: 'utf8' })
  return out.status === 0 ? pattern.exec(out.stdout)?.[1] : undefined
}

/** Resolves when `child` exits 0; rejects naming `what` otherwise. */
function exited(child: ReturnType<typeof spawn>, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${what} exited with ${signal ?? `code ${code}`}`)),
    )
  })
}

/** Runs a contender that reports its own `{ seconds, peakRssKB }` as its last line of stdout. */
async function runReporting(command: string, args: string[]): Promise<Run> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  let stdout = ''
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  await exited(child, [command, ...args].join(' '))
  return JSON.parse(stdout.trim().split('\n').pop()!) as Run
}

/** Runs kcat on the records file, timed from here, its peak RSS from GNU time. */
async function runKcat(topic: string, file: string, rssFile: string): Promise<Run> {
  const input = openSync(file, 'r')
  try {
    const started = performance.now()
    const child = spawn(TIME, ['-f', '%M', '-o', rssFile, 'kcat', '-P', '-b', BROKER, '-t', topic, '-X', 'acks=all'], {
      stdio: [input, 'ignore', 'inherit'],
    })
    await exited(child, 'kcat')
    return { seconds: (performance.now() - started) / 1000, peakRssKB: Number(readFileSync(rssFile, 'utf8').trim()) }
  } finally {
    closeSync(input)
  }
}

/** Runs a contender against a fresh topic, counts what reached it, deletes it; undefined if it failed. */
async function measure(admin: Admin, name: string, run: (topic: string) => Promise<Run>): Promise<Result | undefined> {
  const topic = `bench-${name.replace(/[^\w.-]/g, '_')}-${Date.now()}`
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true })
  try {
    const { seconds, peakRssKB } = await run(topic)
    const [partition] = await admin.fetchTopicOffsets(topic)
    const delivered = Number(partition!.high)
    return { name, delivered, msgsPerSec: delivered / seconds, peakRssMB: peakRssKB / 1024 }
  } catch (err) {
    console.log(`${name}: ${(err as Error).message}`)
    return undefined
  } finally {
    await admin.deleteTopics({ topics: [topic] })
  }
}

/** A contender's name with what it delivered, marked when that is short of RECORDS. */
function label(result: Result): string {
  const delivered = result.delivered === RECORDS ? `${result.delivered}` : `SHORT: ${result.delivered} of ${RECORDS}`
  return `${result.name} [${delivered} delivered]`
}

/** rxtrain's throughput against each baseline that ran, and everyone's peak RSS. */
function tableRows(rxtrain: Result | undefined, python: Result | undefined, kcat: Result | undefined): Row[] {
  const throughput = (r: Result): Row => ({ name: `${label(r)} msgs/s`, figure: r.msgsPerSec, unit: 'msgs/s' })
  const peakRss = (r: Result): Row => ({ name: `${r.name} peak RSS`, figure: r.peakRssMB, unit: 'MB' })
  const rows: Row[] = []
  if (rxtrain) {
    for (const [baseline, ratio] of [[python, 3], [kcat, 0.5]] as const) {
      if (!baseline) continue
      rows.push({
        ...throughput(rxtrain),
        baselineName: label(baseline),
        baseline: baseline.msgsPerSec,
        target: { on: 'ratio', op: '>=', value: ratio },
      })
    }
    if (!python && !kcat) rows.push(throughput(rxtrain))
    rows.push({ ...peakRss(rxtrain), target: { on: 'figure', op: '<=', value: 300 } })
  } else {
    for (const other of [python, kcat]) if (other) rows.push(throughput(other))
  }
  for (const other of [python, kcat]) if (other) rows.push(peakRss(other))
  return rows
}

const kafkaPythonVersion = versionOf(PYTHON, ['-c', 'import kafka; print(kafka.__version__)'], /(\S+)/)
const kcatVersion = versionOf('kcat', ['-V'], /Version (\S+)/)
const hasTime = existsSync(TIME)
const missing = [kafkaPythonVersion ? '' : 'python3-kafka', kcatVersion ? '' : 'kcat', hasTime ? '' : 'time'].filter((p) => p)
if (missing.length > 0) {
  console.log(`missing Debian package(s) ${missing.join(' ')}: apt-get install -y ${missing.join(' ')} (or npm run bench:setup)`)
}

const admin = new Kafka({ clientId: 'rxtrain-bench', brokers: [BROKER], logLevel: logLevel.ERROR }).admin()
await admin.connect().catch((err: Error) => {
  throw new Error(`no broker at ${BROKER} (npm run kafka:up): ${err.message}`)
})
const dir = mkdtempSync(join(tmpdir(), 'rxtrain-bench-kafka-'))
const file = join(dir, 'records.jsonl')
try {
  writeRecords(file)
  const rxtrain = await measure(admin, 'rxtrain', (topic) =>
    runReporting(process.execPath, ['--import', 'tsx', join(HERE, 'kafka-rxtrain-child.ts'), BROKER, topic, file, String(RECORDS)]),
  )
  const python = kafkaPythonVersion
    ? await measure(admin, `kafka-python ${kafkaPythonVersion}`, (topic) =>
        runReporting(PYTHON, [join(HERE, 'kprod.py'), BROKER, topic, file]),
      )
    : undefined
  const kcat =
    kcatVersion && hasTime
      ? await measure(admin, `kcat ${kcatVersion}`, (topic) => runKcat(topic, file, join(dir, 'kcat.rss')))
      : undefined
  printRows(`Kafka: ${RECORDS} records of ${RECORD_BYTES} bytes, acks=all`, tableRows(rxtrain, python, kcat))
} finally {
  await admin.disconnect()
  rmSync(dir, { recursive: true, force: true })
}
