import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'chai'
import { from, lastValueFrom, Subject, toArray } from 'rxjs'
import type { Metric, Tags } from '../../lib/step.js'
import { readRecords } from '../../lib/tensorboard/tfrecord.js'
import { tensorboardSink, type TensorBoardSinkOptions, type TensorBoardSinkStats } from '../../operators/tensorboardSink.js'
import { requireInfra } from '../support/infra.js'
import { memoryLogger } from '../support/logger.js'

// The integration test the issue asks for: files written by tensorboardSink, read back by
// TensorBoard's own Python reader (the `tensorboard` package from PyPI, which .ci/run
// installs into .cache/pip/tensorboard and names in RXTRAIN_TENSORBOARD_PYTHONPATH).
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const script = join(repo, 'test/tensorboard/read_events.py')
const pythonPath = process.env.RXTRAIN_TENSORBOARD_PYTHONPATH || join(repo, '.cache/pip/tensorboard')

/** What read_events.py prints. */
interface TensorBoardView {
  tensorboard: string
  scalars: Record<string, [number, number][]>
  wall_times: Record<string, number[]>
  plugins: Record<string, string>
  first_event_time: number | null
  files: { name: string; records: number; file_version: string | null; error: string | null }[]
}

function python(args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      'python3',
      args,
      { env: { ...process.env, PYTHONPATH: pythonPath, PYTHONDONTWRITEBYTECODE: '1' }, maxBuffer: 256 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) => done({ ok: err === null, stdout, stderr: stderr || (err ? err.message : '') }),
    )
  })
}

async function tensorboardView(logdir: string): Promise<TensorBoardView> {
  const { ok, stdout, stderr } = await python([script, logdir])
  expect(ok, `read_events.py failed: ${stderr}`).to.equal(true)
  return JSON.parse(stdout) as TensorBoardView
}

const metric = (name: string, step: number, value: number, tags?: Tags): Metric => ({
  kind: 'store',
  name,
  value,
  tags,
  step,
  timeMs: 1_700_000_000_000 + step * 37,
})

/** TensorBoard's view of `metrics`: per tag, [step, value as float32] in order. */
function expected(metrics: Metric[], tag: (m: Metric) => string): Record<string, [number, number][]> {
  const out: Record<string, [number, number][]> = {}
  for (const m of metrics) (out[tag(m)] ??= []).push([m.step, Math.fround(m.value)])
  return out
}

describe("tensorboardSink files, read by TensorBoard's own reader", function () {
  this.timeout(120_000)
  let base: string
  let stats: TensorBoardSinkStats | undefined

  before(async function () {
    const probe = await python(['-c', 'import tensorboard.backend.event_processing.plugin_event_accumulator'])
    requireInfra(
      this,
      probe.ok,
      `the tensorboard Python package is not importable by python3 with PYTHONPATH=${pythonPath} (.ci/run installs tensorboard==2.20.0 into .cache/pip/tensorboard; or set RXTRAIN_TENSORBOARD_PYTHONPATH)`,
    )
  })
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'rxtrain-tbread-'))
    stats = undefined
  })
  afterEach(() => rmSync(base, { recursive: true, force: true }))

  const sink = (options: Partial<TensorBoardSinkOptions> = {}) =>
    tensorboardSink({ logdir: base, logger: memoryLogger(), onClose: (s) => (stats = s), ...options })
  const onlyFile = () => {
    const names = readdirSync(base)
    expect(names).to.have.length(1)
    return join(base, names[0]!)
  }

  it('sees every tag, step and value (as float32), the wall times and the file version', async () => {
    const model = { model_name: 'mnist', cluster_type: 'stable' }
    const odd = [0, -2.5, 1e-8, 0.1, 1 / 3, 123_456_789, 3.4e38, -0]
    const metrics: Metric[] = []
    for (let step = 1; step <= 40; step++) {
      metrics.push(metric('step_loss', step, 1 / step))
      metrics.push(metric('run_steps.all', step, step * 3, model))
      metrics.push(metric('byteps_telemetry_mean_us', step, step * 1.1, { op: 'alltoall' }))
      metrics.push(metric('odd', step, odd[step % odd.length]!))
    }
    const passed = await lastValueFrom(from(metrics).pipe(sink(), toArray()))
    expect(passed).to.deep.equal(metrics)

    const view = await tensorboardView(base)
    expect(Object.keys(view.scalars).sort()).to.deep.equal([
      'byteps_telemetry_mean_us/op=alltoall',
      'odd',
      'run_steps.all/cluster_type=stable,model_name=mnist',
      'step_loss',
    ])
    const want = expected(metrics, (m) => (m.tags?.op ? `${m.name}/op=${m.tags.op}` : m.tags ? `${m.name}/cluster_type=stable,model_name=mnist` : m.name))
    expect(view.scalars).to.deep.equal(want)
    expect(view.scalars['odd']!.map(([, v]) => v)).to.include(Math.fround(0.1)).and.include(123_456_792) // float32, not the doubles given
    expect(Object.values(view.plugins)).to.deep.equal(['scalars', 'scalars', 'scalars', 'scalars'])
    expect(view.wall_times['step_loss']).to.deep.equal(metrics.filter((m) => m.name === 'step_loss').map((m) => m.timeMs / 1000))
    expect(view.first_event_time).to.be.a('number')
    expect(view.files).to.deep.equal([{ name: readdirSync(base)[0], records: 161, file_version: 'brain.Event:2', error: null }])
    expect(stats).to.deep.include({ received: 160, written: 160, dropped: 0, failed: 0 })
  })

  it('sees many steps written in many background writes, in order', async () => {
    const steps = 10_000
    const metrics: Metric[] = []
    for (let step = 1; step <= steps; step++) {
      metrics.push(metric('step_loss', step, Math.exp(-step / 1000)))
      metrics.push(metric('throughput.samples_per_sec', step, 1000 + (step % 97)))
    }
    await lastValueFrom(from(metrics).pipe(sink({ flushBytes: 4096 })))
    expect(readFileSync(onlyFile()).length / 4096, 'written in many chunks').to.be.above(100)

    const view = await tensorboardView(base)
    expect(view.scalars['step_loss']!.map(([s]) => s)).to.deep.equal(Array.from({ length: steps }, (_, i) => i + 1))
    expect(view.scalars).to.deep.equal(expected(metrics, (m) => m.name))
    expect(view.files[0]).to.deep.include({ records: 2 * steps + 1, error: null })
  })

  it('sees what was flushed while the sink is still open, as TensorBoard reads a live run', async () => {
    const subject = new Subject<Metric>()
    const done = lastValueFrom(subject.pipe(sink({ flushSecs: 0.05 })), { defaultValue: undefined })
    for (let step = 1; step <= 5; step++) subject.next(metric('step_loss', step, step))
    await new Promise((r) => setTimeout(r, 300))
    const live = await tensorboardView(base)
    expect(live.scalars['step_loss']).to.deep.equal([1, 2, 3, 4, 5].map((s) => [s, s]))
    for (let step = 6; step <= 8; step++) subject.next(metric('step_loss', step, step))
    subject.complete()
    await done
    expect((await tensorboardView(base)).scalars['step_loss']).to.have.length(8)
  })

  it('reads a file torn mid-record as TensorBoard does: every whole record before the tear', async () => {
    const metrics = Array.from({ length: 10 }, (_, i) => metric('step_loss', i + 1, i / 10))
    await lastValueFrom(from(metrics).pipe(sink()))
    const path = onlyFile()
    const size = readFileSync(path).length
    const { records } = readRecords(readFileSync(path))
    const last = records.at(-1)!.length + 16

    truncateSync(path, size - 3) // inside the last record's data CRC
    let view = await tensorboardView(base)
    expect(view.scalars['step_loss']).to.deep.equal(expected(metrics.slice(0, 9), (m) => m.name)['step_loss'])
    expect(view.files[0]).to.deep.include({ records: 10 })
    expect(view.files[0]!.error).to.match(/truncated/)

    truncateSync(path, size - last + 5) // inside the last record's length
    view = await tensorboardView(base)
    expect(view.scalars['step_loss']).to.have.length(9)
    expect(view.files[0]!.error).to.match(/truncated/)
  })

  it("checks the CRCs: TensorBoard stops at a record whose data was changed, so the sink's CRCs are the ones it expects", async () => {
    const metrics = Array.from({ length: 10 }, (_, i) => metric('step_loss', i + 1, i))
    await lastValueFrom(from(metrics).pipe(sink()))
    const path = onlyFile()
    const bytes = readFileSync(path)
    const { records } = readRecords(bytes)
    // The 6th record (the 5th metric): flip a byte of its data, in the file.
    const at = records[5]!.byteOffset - bytes.byteOffset + 2
    bytes[at] ^= 0x01
    writeFileSync(path, bytes)
    const view = await tensorboardView(base)
    expect(view.scalars['step_loss']!.map(([s]) => s)).to.deep.equal([1, 2, 3, 4])
    expect(view.files[0]!.error).to.match(/crc32/)
    expect(existsSync(path)).to.equal(true)
  })
})
