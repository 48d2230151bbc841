import { expect } from 'chai'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs'
import { ProfileDumpError } from '../../lib/errors.js'
import type { ProfileDump } from '../../lib/profile/v8Recorder.js'
import { drainOpenSinks } from '../../lib/sinks/registry.js'
import { fromFit } from '../../lib/sources/fromFit.js'
import { fromLoop } from '../../lib/sources/fromLoop.js'
import { profileWindow } from '../../operators/profileWindow.js'

interface TraceEvent {
  name: string
  ph: string
  ts: number
  dur?: number
  args: Record<string, number>
}

/** Burns about `ms` of CPU, so the profiler has samples to take. */
function busy(ms: number): number {
  const until = performance.now() + ms
  let x = 0
  while (performance.now() < until) x += Math.sqrt(x + 1)
  return x
}

const busyLoop = (steps: number, ms = 2) => fromLoop({ steps, step: () => ({ loss: busy(ms) % 1 }) })
const stepNums = (trace: { traceEvents: TraceEvent[] }) => trace.traceEvents.filter((e) => e.ph === 'X').map((e) => e.args.step_num)
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'))

describe('profileWindow dumps (real inspector, real files)', () => {
  let logdir: string

  beforeEach(() => {
    logdir = mkdtempSync(join(tmpdir(), 'rxtrain-profile-'))
  })
  afterEach(() => rmSync(logdir, { recursive: true, force: true }))

  it('writes one dump folder per window, each with a .cpuprofile (nodes, samples) and a trace of exactly its steps', async () => {
    const dumps: ProfileDump[] = []
    const out = await lastValueFrom(
      busyLoop(25).pipe(
        profileWindow({ logdir, initStepRange: [2, 5], saveSteps: 10, samplingIntervalUs: 100, onTraceReady: (d) => void dumps.push(d) }),
        toArray(),
      ),
    )
    expect(out.map((s) => s.step)).to.deep.equal(Array.from({ length: 25 }, (_, i) => i + 1))
    expect(dumps.map((d) => [d.window, d.startIndex, d.endIndex, d.reason])).to.deep.equal([
      [0, 2, 5, 'end'],
      [1, 12, 15, 'end'],
      [2, 22, 25, 'end'],
    ])
    const runs = readdirSync(join(logdir, 'plugins', 'profile'))
    expect(runs).to.have.length(3)
    expect(new Set(runs).size).to.equal(3)
    for (const d of dumps) {
      expect(d.dir.startsWith(join(logdir, 'plugins', 'profile'))).to.equal(true)
      const trace = readJson(d.trace)
      expect(stepNums(trace)).to.deep.equal(Array.from({ length: d.endIndex - d.startIndex }, (_, i) => d.startIndex + i))
      // The step events carry the global step (index + 1 here) and their durations cover the busy time.
      for (const e of trace.traceEvents.filter((x: TraceEvent) => x.ph === 'X')) {
        expect(e.args.step).to.equal(e.args.step_num + 1)
        expect(e.dur).to.be.greaterThan(0)
      }
      expect(trace.traceEvents.some((e: TraceEvent) => e.ph === 'C' && e.name === 'heap')).to.equal(true)
      const profile = readJson(d.cpuProfile!)
      expect(profile.nodes).to.be.an('array').that.is.not.empty
      expect(profile.samples).to.be.an('array').that.is.not.empty
      expect(profile.timeDeltas).to.have.length(profile.samples.length)
      expect(profile.endTime).to.be.greaterThan(profile.startTime)
      // Both files share V8's monotonic microsecond clock.
      const first = trace.traceEvents.find((e: TraceEvent) => e.ph === 'X')
      expect(Math.abs(first.ts - profile.startTime)).to.be.lessThan(5_000_000)
    }
  })

  it('captures once with a range alone', async () => {
    const dumps: ProfileDump[] = []
    await lastValueFrom(busyLoop(40, 0).pipe(profileWindow({ logdir, initStepRange: [3, 6], onTraceReady: (d) => void dumps.push(d) })))
    expect(dumps).to.have.length(1)
    expect(stepNums(readJson(dumps[0]!.trace))).to.deep.equal([3, 4, 5])
  })

  it('opens windows by saveSecs on the real clock, each at least saveSecs after the one before', async function () {
    this.timeout(20_000)
    const dumps: ProfileDump[] = []
    const sleepy = fromLoop({ steps: 24, step: async () => ({ loss: await new Promise<number>((r) => setTimeout(() => r(0), 25)) }) })
    await lastValueFrom(sleepy.pipe(profileWindow({ logdir, initStepRange: [0, 2], saveSecs: 0.15, onTraceReady: (d) => void dumps.push(d) })))
    // 24 steps of >= 25 ms are >= 600 ms: windows at 0, then one per >= 150 ms (how many depends on the machine's pace).
    expect(dumps.length).to.be.at.least(2)
    // A trace starts when its window opens; the plan reads Date.now, whose grain is the 1 ms allowed.
    const starts = dumps.map((d) => readJson(d.trace).traceEvents.find((e: TraceEvent) => e.ph === 'X').ts as number)
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).to.be.at.least(149_000)
    expect(dumps[0]!.startIndex).to.equal(0)
    for (const d of dumps.slice(0, -1)) expect(d.endIndex - d.startIndex).to.equal(2)
  })

  it('adds tf.memory() counters when TensorFlow.js is loaded, over a real fit', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [4] })] })
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' })
    const xs = tf.randomNormal([64, 4])
    const ys = tf.randomNormal([64, 1])
    const dumps: ProfileDump[] = []
    try {
      await lastValueFrom(fromFit(model, xs, ys, { batchSize: 16, epochs: 2 }).pipe(profileWindow({ logdir, initStepRange: [1, 4], onTraceReady: (d) => void dumps.push(d) })))
    } finally {
      xs.dispose()
      ys.dispose()
      model.dispose()
    }
    expect(dumps).to.have.length(1)
    const trace = readJson(dumps[0]!.trace)
    const memory = trace.traceEvents.filter((e: TraceEvent) => e.ph === 'C' && e.name === 'tf.memory')
    expect(memory.length).to.equal(4) // at the window's start and after each of its 3 steps
    for (const m of memory) expect(m.args.numTensors).to.be.greaterThan(0)
    expect(stepNums(trace)).to.deep.equal([1, 2, 3])
  })

  it('writes the dump of a window cut short by an error before the error arrives', async () => {
    const dumps: ProfileDump[] = []
    const failing = fromLoop({
      steps: 10,
      step: (i) => {
        if (i === 4) throw new Error('step 4 failed')
        return { loss: 0 }
      },
    })
    const err = await lastValueFrom(failing.pipe(profileWindow({ logdir, initStepRange: [2, 8], onTraceReady: (d) => void dumps.push(d) }))).catch((e: Error) => e)
    expect((err as Error).message).to.equal('step 4 failed')
    expect(dumps.map((d) => [d.startIndex, d.endIndex, d.reason])).to.deep.equal([[2, 4, 'error']])
    expect(stepNums(readJson(dumps[0]!.trace))).to.deep.equal([2, 3])
  })

  it('still writes the dump when unsubscribed mid-window (the sink registry waits for it)', async () => {
    const dumps: ProfileDump[] = []
    const first = await firstValueFrom(
      busyLoop(100, 0).pipe(profileWindow({ logdir, initStepRange: [0, 50], onTraceReady: (d) => void dumps.push(d) }), take(3), toArray()),
    )
    expect(first).to.have.length(3)
    const report = await drainOpenSinks(5000)
    expect(report.failed).to.deep.equal([])
    expect(dumps.map((d) => [d.startIndex, d.endIndex, d.reason])).to.deep.equal([[0, 3, 'unsubscribe']])
  })

  it('errors the stream with what onTraceReady throws', async () => {
    const err = await lastValueFrom(
      busyLoop(5, 0).pipe(
        profileWindow({
          logdir,
          initStepRange: [0, 2],
          onTraceReady: () => {
            throw new Error('listener failed')
          },
        }),
      ),
    ).catch((e: Error) => e)
    expect((err as Error).message).to.equal('listener failed')
  })

  it('errors with ProfileDumpError naming the path when the dump cannot be written, keeping earlier dumps', async () => {
    const blocker = join(logdir, 'not-a-dir')
    writeFileSync(blocker, 'x')
    const err = await lastValueFrom(busyLoop(5, 0).pipe(profileWindow({ logdir: blocker, initStepRange: [0, 2] }))).catch((e: Error) => e)
    expect(err).to.be.instanceOf(ProfileDumpError)
    expect((err as ProfileDumpError).path.startsWith(blocker)).to.equal(true)
    expect((err as Error).message).to.include(blocker).and.to.include('ENOTDIR')
  })

  it('tolerates a V8 profiler someone else is running, as the seed tolerates one already started', async () => {
    const theirs = new Session()
    theirs.connect()
    const post = (method: string) =>
      new Promise<unknown>((resolve, reject) => theirs.post(method, (e, r) => (e ? reject(e) : resolve(r))))
    await post('Profiler.enable')
    await post('Profiler.start')
    const dumps: ProfileDump[] = []
    try {
      await lastValueFrom(busyLoop(6, 3).pipe(profileWindow({ logdir, initStepRange: [1, 4], samplingIntervalUs: 100, onTraceReady: (d) => void dumps.push(d) })))
      const profile = (await post('Profiler.stop')) as { profile: { samples: number[] } }
      expect(profile.profile.samples.length).to.be.greaterThan(0)
    } finally {
      theirs.disconnect()
    }
    expect(dumps).to.have.length(1)
    expect(readJson(dumps[0]!.cpuProfile!).samples).to.be.an('array').that.is.not.empty
  })
})
