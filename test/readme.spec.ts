import { expect } from 'chai'
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freshTopic, useKafka, type TestKafka } from './support/kafka.js'

// Every ```ts block of the README runs as it is, as a user would paste it into a file:
// `from 'rxtrain'` is this checkout's entry point, the working directory a fresh folder
// (under .cache/, so the repo's node_modules resolve), and the snippet must exit 0.
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const readme = readFileSync(join(root, 'README.md'), 'utf8')
const snippets = [...readme.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => {
  const before = readme.slice(0, m.index).split('\n')
  return { code: m[1]!, line: before.length, section: before.filter((l) => l.startsWith('#')).at(-1)!.replace(/^#+ /, '') }
})
/** The address the README's Kafka snippets name: the local test broker's. */
const README_BROKER = '127.0.0.1:9092'

function run(file: string, cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd,
      env: { ...process.env, KAFKA_BROKER_LIST: '', KAFKA_TOPIC_NAME: '', RXTRAIN_BYTEPS: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 90_000,
    })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d))
    child.stderr.on('data', (d: Buffer) => (output += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
  })
}

describe('the README snippets', function () {
  this.timeout(120_000)
  let dir: string
  let kafka: TestKafka | undefined

  before(() => {
    mkdirSync(join(root, '.cache'), { recursive: true })
    dir = mkdtempSync(join(root, '.cache', 'readme-'))
  })

  after(() => rmSync(dir, { recursive: true, force: true }))

  it('has a ts snippet for each operator', () => {
    for (const name of ['fromFit', 'fitCallbacks', 'fromLoop', 'stepLoss', 'customMetrics', 'throughputEvery', 'throughput(', 'emitMetrics', 'reportMetrics', 'metricOperator', 'tensorboardSink', 'kafkaSink', 'KProducer', 'fileSink', 'profileWindow', 'nvProfileWindow', 'telemetryEvery', 'installExitHook']) {
      expect(snippets.some((s) => s.code.includes(name)), name).to.equal(true)
    }
  })

  for (const [i, { code, line, section }] of snippets.entries()) {
    const needsKafka = code.includes(README_BROKER)
    it(`runs the snippet at README.md:${line} (${section})`, async function () {
      if (needsKafka) kafka ??= await useKafka(this)
      let source = code.replaceAll(/from 'rxtrain'/g, `from '${join(root, 'index.ts')}'`)
      if (kafka) source = source.replaceAll(README_BROKER, kafka.brokers[0]!)
      const file = join(dir, `snippet-${String(i).padStart(2, '0')}.ts`)
      writeFileSync(file, source)
      const { code: exit, output } = await run(file, dir)
      expect(exit, `README.md:${line} exited ${exit}:\n${output.slice(-2000)}`).to.equal(0)
    })
  }
})

describe('the example scripts (examples/*.ts)', function () {
  this.timeout(120_000)
  const scripts = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.ts'))

  it('has a script beside each notebook', () => {
    const notebooks = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.ipynb'))
    expect(notebooks).to.have.length.of.at.least(3)
    expect(scripts.map((f) => f.replace(/\.ts$/, ''))).to.include.members(notebooks.map((f) => f.replace(/\.ipynb$/, '')))
  })

  for (const script of scripts) {
    it(`runs examples/${script} to the end`, async () => {
      const { code, output } = await run(join(root, 'examples', script), root)
      expect(code, `examples/${script} exited ${code}:\n${output.slice(-2000)}`).to.equal(0)
    })
  }

  it('runs examples/records.ts with KAFKA_BROKER_LIST and KAFKA_TOPIC_NAME set, shipping to the broker', async function () {
    const kafka = await useKafka(this)
    const topic = freshTopic('rxtrain-example-records')
    const { code, output } = await run(join(root, 'examples', 'records.ts'), root, { KAFKA_BROKER_LIST: kafka.brokers.join(','), KAFKA_TOPIC_NAME: topic })
    expect(code, output.slice(-2000)).to.equal(0)
    expect(output).to.match(new RegExp(`kafkaSink\\(${topic}\\): \\d+ delivered, 0 failed`))
  })
})
