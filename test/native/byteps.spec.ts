import { expect } from 'chai'
import { lastValueFrom, toArray } from 'rxjs'
import { NativeLibraryError } from '../../lib/errors.js'
import { koffi } from '../../lib/native/loader.js'
import { loadByteps, type TelemetryEntry } from '../../lib/native/byteps.js'
import { fromLoop } from '../../lib/sources/fromLoop.js'
import type { Metric } from '../../lib/step.js'
import { telemetryEvery } from '../../operators/telemetryEvery.js'
import { requireInfra } from '../support/infra.js'
import { memoryLogger } from '../support/logger.js'
import { buildFakeByteps, buildSharedLibrary, NATIVE_CACHE } from '../support/native.js'

/** The fake's setters, declared on the same dlopen handle rxtrain gets, so state is shared. */
interface FakeControls {
  setRank(rank: number): void
  setReportedSize(size: number): void
  setEntries(entries: readonly TelemetryEntry[]): void
  reads(): number
}

function fakeControls(path: string): FakeControls {
  const lib = koffi().load(path)
  const setRank = lib.func('void fake_set_rank(int rank)')
  const setReportedSize = lib.func('void fake_set_reported_size(int size)')
  const setEntries = lib.func(
    'void fake_set_entries(int n, const char **names, const float *mean, const float *stdev, const int *count)',
  )
  const reads = lib.func('int fake_reads_count()')
  return {
    setRank: (rank) => setRank(rank),
    setReportedSize: (size) => setReportedSize(size),
    setEntries: (entries) =>
      setEntries(
        entries.length,
        entries.map((e) => e.name),
        Float32Array.from(entries, (e) => e.meanUs),
        Float32Array.from(entries, (e) => e.stdevUs),
        Int32Array.from(entries, (e) => e.count),
      ),
    reads: () => reads() as number,
  }
}

describe('libbyteps through koffi (a fake libbyteps built from test/native/byteps-fake.c)', function () {
  let path: string
  let fake: FakeControls

  before(function () {
    const built = buildFakeByteps()
    requireInfra(this, built !== undefined, 'gcc not found: cannot build the fake BytePS library')
    path = built!
    fake = fakeControls(path)
  })

  beforeEach(() => {
    fake.setRank(0)
    fake.setReportedSize(-1)
    fake.setEntries([])
  })

  const entries: TelemetryEntry[] = [
    { name: 'PushPull.dense_1/kernel', meanUs: 1.5, stdevUs: 0.25, count: 7 },
    { name: 'alltoall_émbeddings_✓', meanUs: 812.125, stdevUs: 0, count: 2_147_483_647 },
    { name: 'Broadcast 名前', meanUs: Math.fround(0.1), stdevUs: Math.fround(1e-7), count: 0 },
  ]

  it('reads names, means, stdevs and counts exactly as the library has them, non-ASCII names too', () => {
    const byteps = loadByteps({ path })
    expect(byteps.path).to.equal(path)
    expect(byteps.rank()).to.equal(0)
    fake.setEntries(entries)
    expect(byteps.read()).to.deep.equal(entries)
  })

  it('returns the same object for the same path', () => {
    expect(loadByteps({ path })).to.equal(loadByteps({ path }))
  })

  it('takes RXTRAIN_BYTEPS when no path is given', () => {
    const saved = process.env.RXTRAIN_BYTEPS
    process.env.RXTRAIN_BYTEPS = path
    try {
      expect(loadByteps().path).to.equal(path)
    } finally {
      if (saved === undefined) delete process.env.RXTRAIN_BYTEPS
      else process.env.RXTRAIN_BYTEPS = saved
    }
  })

  it('returns actual_size entries when the library writes fewer than the size it reported', () => {
    fake.setEntries(entries.slice(0, 2))
    fake.setReportedSize(5)
    expect(loadByteps({ path }).read()).to.deep.equal(entries.slice(0, 2))
  })

  it('passes the size it asked as max_size, so ops added since are not written past the buffers', () => {
    fake.setEntries(entries)
    fake.setReportedSize(1)
    expect(loadByteps({ path }).read()).to.deep.equal(entries.slice(0, 1))
  })

  it('reads nothing from an empty library', () => {
    const before = fake.reads()
    expect(loadByteps({ path }).read()).to.deep.equal([])
    expect(fake.reads()).to.equal(before + 1)
  })

  it('a read resets the summaries: the next read returns what the library has since', () => {
    const byteps = loadByteps({ path })
    fake.setEntries(entries)
    expect(byteps.read()).to.have.length(3)
    expect(byteps.read()).to.deep.equal([])
    const later = [{ name: 'PushPull.dense_2', meanUs: 3.75, stdevUs: 0.5, count: 1 }]
    fake.setEntries(later)
    expect(byteps.read()).to.deep.equal(later)
  })

  it('reads the rank the library reports', () => {
    fake.setRank(3)
    expect(loadByteps({ path }).rank()).to.equal(3)
  })

  it('throws NativeLibraryError naming libbyteps and the path tried when the library is missing', () => {
    const missing = `${NATIVE_CACHE}/no-such-libbyteps.so`
    let error: unknown
    try {
      loadByteps({ path: missing })
    } catch (err) {
      error = err
    }
    expect(error).to.be.instanceOf(NativeLibraryError)
    const e = error as NativeLibraryError
    expect(e.library).to.equal('libbyteps')
    expect(e.pathTried).to.deep.equal([missing])
    expect(e.message).to.include(`cannot load libbyteps (tried: ${missing})`)
    expect(e.cause).to.be.instanceOf(Error)
  })

  it('throws NativeLibraryError naming the path when the library lacks byteps_get_telemetry_data', function () {
    const partial = buildSharedLibrary('libbyteps-partial.so', {
      text: 'int byteps_rank(void) { return 0; }\nvoid byteps_get_telemetry_size(int *size) { *size = 0; }\n',
    })
    requireInfra(this, partial !== undefined, 'gcc not found: cannot build the partial BytePS library')
    let error: unknown
    try {
      loadByteps({ path: partial })
    } catch (err) {
      error = err
    }
    expect(error).to.be.instanceOf(NativeLibraryError)
    const e = error as NativeLibraryError
    expect(e.library).to.equal('libbyteps')
    expect(e.pathTried).to.deep.equal([partial])
    expect(e.message).to.include('byteps_get_telemetry_data')
  })

  describe('telemetryEvery over fromLoop', () => {
    const op = (name: string, meanUs: number, count: number): TelemetryEntry => ({ name, meanUs, stdevUs: meanUs / 4, count })
    // Each step of the loop leaves fresh summaries in the library, as BytePS's ops would.
    const loop = (steps: number) =>
      fromLoop({
        steps,
        step: (i) => {
          fake.setEntries([op('PushPull.w', i + 0.5, i), op('Broadcast.init', 1, 1), op('AllToAll.emb', 2 * i, 2)])
          return { loss: 0 }
        },
      })

    it('reads at each step past last + interval and emits the sampled ops of that read', async () => {
      const logger = memoryLogger()
      const before = fake.reads()
      const metrics = await lastValueFrom(loop(5).pipe(telemetryEvery(1, { path, logger }), toArray()))

      // Step 2 (> 0 + 1) reads what step(1) left; then step 4 (> 2 + 1) reads what step(3) left.
      const expected: Omit<Metric, 'timeMs'>[] = []
      for (const [step, i] of [
        [2, 1],
        [4, 3],
      ] as const) {
        for (const e of [op('PushPull.w', i + 0.5, i), op('AllToAll.emb', 2 * i, 2)]) {
          const at = { tags: { op: e.name }, step }
          expected.push(
            { kind: 'store', name: 'byteps_telemetry_mean_us', value: e.meanUs, ...at },
            { kind: 'store', name: 'byteps_telemetry_stdev_us', value: e.stdevUs, ...at },
            { kind: 'counter', name: 'byteps_telemetry_count', value: e.count, ...at },
          )
        }
      }
      expect(metrics.map(({ timeMs: _, ...m }) => m)).to.deep.equal(expected)
      expect(fake.reads() - before).to.equal(2)
      expect(logger.lines).to.deep.equal([
        'info: Communication telemetry: name: PushPull.w mean(us): 1.50 stdev(us): 0.38 count: 1; name: AllToAll.emb mean(us): 2.00 stdev(us): 0.50 count: 2',
        'info: Communication telemetry: name: PushPull.w mean(us): 3.50 stdev(us): 0.88 count: 3; name: AllToAll.emb mean(us): 6.00 stdev(us): 1.50 count: 2',
      ])
    })

    it('on a rank other than 0, never reads and emits nothing', async () => {
      fake.setRank(1)
      const logger = memoryLogger()
      const before = fake.reads()
      const metrics = await lastValueFrom(loop(5).pipe(telemetryEvery(0, { path, logger }), toArray()))
      expect(metrics).to.deep.equal([])
      expect(fake.reads()).to.equal(before)
      expect(logger.lines).to.deep.equal([])
    })

    it('does no I/O at creation; at subscribe, a missing library errors the stream before any step runs', async () => {
      const missing = `${NATIVE_CACHE}/no-such-libbyteps.so`
      let steps = 0
      const operator = telemetryEvery(0, { path: missing })
      const run = fromLoop({ steps: 3, step: () => (steps++, { loss: 0 }) }).pipe(operator)
      let error: unknown
      try {
        await lastValueFrom(run)
      } catch (err) {
        error = err
      }
      expect(error).to.be.instanceOf(NativeLibraryError)
      expect((error as NativeLibraryError).pathTried).to.deep.equal([missing])
      expect(steps).to.equal(0)
    })
  })
})
