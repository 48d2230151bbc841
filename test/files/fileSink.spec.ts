import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { concat, lastValueFrom, Observable, take, tap, throwError, toArray, VirtualTimeScheduler } from 'rxjs'
import { ConfigError, FileSinkError } from '../../lib/errors.js'
import { localStore, type RecordStore } from '../../lib/files/store.js'
import { openSinks } from '../../lib/sinks/registry.js'
import { fromLoop } from '../../lib/sources/fromLoop.js'
import type { TrainingStep } from '../../lib/step.js'
import { fileSink, type FileSinkOptions, type FileSinkStats } from '../../operators/fileSink.js'
import { signalWhenReady } from '../support/child.js'
import { memoryLogger } from '../support/logger.js'
import { spin } from '../support/spin.js'
import { makeStep } from '../support/steps.js'

/** Steps carrying the given records, `perStep` at a time, emitted synchronously. */
function stepsOf(records: unknown[], perStep: number): Observable<TrainingStep> {
  return new Observable((subscriber) => {
    for (let i = 0; i * perStep < records.length; i++) {
      subscriber.next(makeStep({ step: i + 1, records: records.slice(i * perStep, (i + 1) * perStep) as TrainingStep['records'] }))
    }
    subscriber.complete()
  })
}

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').slice(0, -1)
const parts = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('part_')).sort()

describe('fileSink', function () {
  this.timeout(30_000)
  let base: string
  let stats: FileSinkStats | undefined
  const cwd = process.cwd()

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'rxtrain-filesink-'))
    stats = undefined
  })
  afterEach(() => {
    process.chdir(cwd)
    rmSync(base, { recursive: true, force: true })
  })

  /** A sink over `base` whose records are `{ key, n }` objects routed to `base/<key>`. */
  const sink = (options: Partial<FileSinkOptions> = {}) =>
    fileSink({
      baseName: base,
      keyFn: (obj: { key: string }, _worker, baseName) => join(baseName, obj.key),
      layoutFn: (obj: { n: number }) => String(obj.n),
      parseFn: (r) => r,
      logger: memoryLogger(),
      onClose: (s) => (stats = s),
      ...options,
    })

  it('throws a ConfigError at creation without keyFn, or with a bad size', () => {
    expect(() => fileSink({} as FileSinkOptions)).to.throw(ConfigError, /keyFn is required/)
    expect(() => fileSink({ keyFn: () => base, partitionSize: 0 })).to.throw(ConfigError, 'fileSink: partitionSize must be a whole number > 0, got 0')
    expect(() => fileSink({ keyFn: () => base, batchSize: 1.5 })).to.throw(ConfigError, /batchSize/)
    expect(() => fileSink({ keyFn: () => base, fileExt: '../x' })).to.throw(ConfigError, /fileExt/)
  })

  it('rotates exactly every partitionSize lines, even when partitionSize is not a multiple of batchSize', async () => {
    const records = Array.from({ length: 23 }, (_, n) => ({ key: 'a', n }))
    await lastValueFrom(stepsOf(records, 5).pipe(sink({ partitionSize: 7, batchSize: 3 })))
    const dir = join(base, 'a')
    expect(parts(dir)).to.deep.equal(['part_000000.txt', 'part_000001.txt', 'part_000002.txt', 'part_000003.txt'])
    expect(parts(dir).map((p) => lines(join(dir, p)).length)).to.deep.equal([7, 7, 7, 2])
    expect(parts(dir).flatMap((p) => lines(join(dir, p)))).to.deep.equal(records.map((r) => String(r.n)))
    expect(stats).to.include({ received: 23, written: 23, parseErrors: 0, rejected: 0, directories: 1 })
  })

  it('leaves no empty part when the line count is a multiple of partitionSize', async () => {
    await lastValueFrom(stepsOf(Array.from({ length: 10 }, (_, n) => ({ key: 'a', n })), 10).pipe(sink({ partitionSize: 5, batchSize: 4 })))
    expect(parts(join(base, 'a'))).to.deep.equal(['part_000000.txt', 'part_000001.txt'])
  })

  it('writes many keys at once, each in its own directory and order, passing every step on', async () => {
    const records = Array.from({ length: 3000 }, (_, n) => ({ key: `k${n % 7}/w`, n }))
    const steps = await lastValueFrom(stepsOf(records, 100).pipe(sink({ partitionSize: 1000, batchSize: 64 }), toArray()))
    expect(steps).to.have.length(30)
    for (let k = 0; k < 7; k++) {
      const dir = join(base, `k${k}`, 'w')
      const expected = records.filter((r) => r.n % 7 === k).map((r) => String(r.n))
      expect(parts(dir).flatMap((p) => lines(join(dir, p)))).to.deep.equal(expected)
    }
    expect(stats).to.include({ received: 3000, written: 3000, directories: 7 })
  })

  it('takes the fileExt and the workerId it is given', async () => {
    let seen: number | undefined
    await lastValueFrom(
      stepsOf([{ key: 'a', n: 1 }], 1).pipe(
        sink({ fileExt: 'jsonl', workerId: 5, keyFn: (o: { key: string }, w, b) => ((seen = w), join(b, o.key)) }),
      ),
    )
    expect(seen).to.equal(5)
    expect(parts(join(base, 'a'))).to.deep.equal(['part_000000.jsonl'])
  })

  it('rotates by time as well, with rotateIntervalMs', async () => {
    const scheduler = new VirtualTimeScheduler()
    const s = sink({ rotateIntervalMs: 1000, batchSize: 1, scheduler })
    const subject = new Observable<TrainingStep>((subscriber) => {
      subscriber.next(makeStep({ records: [{ key: 'a', n: 1 }] as never }))
      setTimeout(() => {
        scheduler.schedule(() => {}, 1500) // the virtual clock moves only through actions
        scheduler.maxFrames = 1500
        scheduler.flush()
        subscriber.next(makeStep({ records: [{ key: 'a', n: 2 }] as never }))
        subscriber.complete()
      }, 50)
    })
    await lastValueFrom(subject.pipe(s))
    const dir = join(base, 'a')
    expect(parts(dir)).to.deep.equal(['part_000000.txt', 'part_000001.txt'])
    expect(lines(join(dir, 'part_000001.txt'))).to.deep.equal(['2'])
  })

  it('closes writers idle for 24 h in a sweep every 10 minutes, in virtual time; a later record goes on in a new part', async () => {
    const scheduler = new VirtualTimeScheduler()
    const events: string[] = []
    const local = localStore()
    const store: RecordStore = {
      async create(path) {
        const file = await local.create(path)
        events.push(`create ${path.slice(base.length + 1)}`)
        return { write: (d) => file.write(d), sync: () => file.sync(), close: async () => (await file.close(), void events.push(`close ${path.slice(base.length + 1)}`)) }
      },
    }
    let emit!: (records: unknown[]) => void
    let end!: () => void
    const steps = new Observable<TrainingStep>((subscriber) => {
      emit = (records) => subscriber.next(makeStep({ records: records as never }))
      end = () => subscriber.complete()
    })
    const done = lastValueFrom(steps.pipe(sink({ scheduler, store, batchSize: 1 })))
    emit([{ key: 'idle', n: 1 }, { key: 'busy', n: 1 }])
    await new Promise((r) => setTimeout(r, 50))
    for (let minutes = 10; minutes <= 24 * 60 + 10; minutes += 10) {
      scheduler.maxFrames = minutes * 60_000
      scheduler.flush()
      if (minutes % 60 === 0 && minutes <= 23 * 60) emit([{ key: 'busy', n: minutes }]) // busy keeps writing every hour
    }
    await new Promise((r) => setTimeout(r, 50))
    expect(events).to.include('close idle/part_000000.txt')
    expect(events).not.to.include('close busy/part_000000.txt')
    emit([{ key: 'idle', n: 2 }])
    end()
    await done
    expect(lines(join(base, 'idle', 'part_000000.txt'))).to.deep.equal(['1'])
    expect(lines(join(base, 'idle', 'part_000001.txt'))).to.deep.equal(['2'])
  })

  describe('draining', () => {
    it('on complete: every record is on disk when the stream completes', async () => {
      let onDisk: string[] = []
      await lastValueFrom(stepsOf(Array.from({ length: 50 }, (_, n) => ({ key: 'a', n })), 10).pipe(sink({ batchSize: 1000 })))
      onDisk = lines(join(base, 'a', 'part_000000.txt'))
      expect(onDisk).to.have.length(50)
    })

    it('on error: what it accepted is written, then the error goes on', async () => {
      const failure = new Error('fit failed')
      const error = await lastValueFrom(
        concat(stepsOf(Array.from({ length: 30 }, (_, n) => ({ key: 'a', n })), 10), throwError(() => failure)).pipe(sink({ batchSize: 1000 })),
      ).catch((e: unknown) => e)
      expect(error).to.equal(failure)
      expect(lines(join(base, 'a', 'part_000000.txt'))).to.have.length(30)
      expect(stats).to.include({ written: 30 })
    })

    it('on unsubscribe: the steps it saw are written', async () => {
      const closed = new Promise<FileSinkStats>((resolve) => {
        void lastValueFrom(stepsOf(Array.from({ length: 1000 }, (_, n) => ({ key: 'a', n })), 10).pipe(sink({ batchSize: 1000, onClose: resolve }), take(4)))
      })
      expect(await closed).to.include({ received: 40, written: 40 })
      expect(lines(join(base, 'a', 'part_000000.txt'))).to.have.length(40)
    })

    it('on SIGTERM through the exit hook: a child process killed mid-run has every accepted record on disk', async () => {
      const run = await signalWhenReady('test/fixtures/file-sink-child.ts', [base], 'SIGTERM')
      expect(run.code, run.stderr).to.equal(143)
      const childStats = run.stats<FileSinkStats>()
      expect(childStats.received).to.be.at.least(1000)
      expect(childStats.written).to.equal(childStats.received)
      const dir = join(base, 'worker')
      const onDisk = parts(dir).flatMap((p) => lines(join(dir, p)))
      expect(onDisk).to.have.length(childStats.received)
      expect(onDisk.slice(0, 3)).to.deep.equal(['s1-0', 's1-1', 's1-2'])
    })

    it('on SIGTERM, under a source whose steps are synchronous: the signal is handled and every accepted record is on disk', async () => {
      const run = await signalWhenReady('test/fixtures/file-sink-child.ts', [base, 'sync'], 'SIGTERM')
      expect(run.code, run.stderr).to.equal(143)
      const childStats = run.stats<FileSinkStats>()
      expect(childStats.written).to.equal(childStats.received)
      const dir = join(base, 'worker')
      expect(parts(dir).flatMap((p) => lines(join(dir, p)))).to.have.length(childStats.received)
    })
  })

  describe('bad input', () => {
    it("rejects a key that would leave baseName ('..', absolute elsewhere, NUL), writing nothing outside", async () => {
      const outside = join(base, '..', `${base.split('/').pop()}-outside`)
      const logger = memoryLogger()
      const keys = ['a', '../escape', outside, '/etc/rxtrain', 'b\0c', 'a/../../escape2', '']
      await lastValueFrom(
        stepsOf(keys.map((key, n) => ({ key, n })), 10).pipe(
          sink({ logger, keyFn: (o: { key: string }, _w, b) => (o.key.startsWith('/') ? o.key : o.key === '' ? '' : join(b, o.key)) }),
        ),
      )
      expect(stats).to.include({ received: 7, written: 1, rejected: 6 })
      expect(existsSync(outside)).to.equal(false)
      expect(existsSync('/etc/rxtrain')).to.equal(false)
      expect(existsSync(join(base, '..', 'escape'))).to.equal(false)
      expect(readdirSync(base)).to.deep.equal(['a'])
      expect(stats!.lastError).to.be.instanceOf(FileSinkError)
      expect(logger.lines.some((l) => l.includes("key '/etc/rxtrain' leaves baseName"))).to.equal(true)
      expect(logger.lines.some((l) => l.includes('contains a NUL byte'))).to.equal(true)
    })

    it('counts a record that fails to parse and reports it, writing every other record', async () => {
      const logger = memoryLogger()
      await lastValueFrom(
        stepsOf(['{"key":"a","n":1}', '{not json', '{"key":"a","n":2}'], 3).pipe(
          sink({ logger, parseFn: (r) => JSON.parse(r as string) }),
        ),
      )
      expect(stats).to.include({ received: 3, written: 2, parseErrors: 1, rejected: 0 })
      expect(lines(join(base, 'a', 'part_000000.txt'))).to.deep.equal(['1', '2'])
      expect(logger.lines.some((l) => l.startsWith('warn: fileSink: cannot parse a record of step 1'))).to.equal(true)
    })

    it('counts a record whose keyFn or layoutFn throws as rejected, writing the others', async () => {
      await lastValueFrom(
        stepsOf([{ key: 'a', n: 1 }, { key: 'a', n: -1 }, { key: 'a', n: 2 }], 3).pipe(
          sink({
            layoutFn: (o: { n: number }) => {
              if (o.n < 0) throw new Error('negative')
              return String(o.n)
            },
          }),
        ),
      )
      expect(stats).to.include({ written: 2, rejected: 1 })
      expect(stats!.lastError!.message).to.include('negative')
    })

    it('surfaces ENOSPC as an error naming the path, keeping the parts already written', async () => {
      const dir = join(base, 'full')
      mkdirSync(dir)
      symlinkSync('/dev/full', join(dir, 'part_000001.txt'))
      const records = Array.from({ length: 8 }, (_, n) => ({ key: 'full', n }))
      const error = (await lastValueFrom(stepsOf(records, 8).pipe(sink({ partitionSize: 5, batchSize: 8 }))).catch((e: unknown) => e)) as FileSinkError
      expect(error).to.be.instanceOf(FileSinkError)
      expect(error.path).to.equal(join(dir, 'part_000001.txt'))
      expect(error.message).to.match(/^fileSink: cannot write .*part_000001\.txt: ENOSPC/)
      expect(lines(join(dir, 'part_000000.txt'))).to.deep.equal(['0', '1', '2', '3', '4'])
    })

    it('errors on a failed write only once every other directory has written and closed what it took', async () => {
      mkdirSync(join(base, 'full'))
      symlinkSync('/dev/full', join(base, 'full', 'part_000000.txt'))
      const records = Array.from({ length: 40 }, (_, n) => ({ key: n % 2 === 0 ? 'full' : 'ok', n }))
      const error = await lastValueFrom(stepsOf(records, 4).pipe(sink({ batchSize: 4 }))).catch((e: unknown) => e)
      expect(error).to.be.instanceOf(FileSinkError)
      expect((error as FileSinkError).message).to.include('ENOSPC')
      // When the error arrives, the other directory's lines are all on disk, and the sink has left the registry.
      expect(lines(join(base, 'ok', 'part_000000.txt'))).to.deep.equal(records.filter((r) => r.key === 'ok').map((r) => String(r.n)))
      expect(openSinks()).to.deep.equal([])
    })

    it('surfaces EACCES as an error naming the path', async () => {
      // /sys refuses new files even to root.
      const error = (await lastValueFrom(
        stepsOf([{ key: 'x', n: 1 }], 1).pipe(sink({ baseName: '/sys', keyFn: () => '/sys' })),
      ).catch((e: unknown) => e)) as FileSinkError
      expect(error).to.be.instanceOf(FileSinkError)
      expect(error.path).to.equal('/sys/part_000000.txt')
      expect(error.message).to.match(/^fileSink: cannot create \/sys\/part_000000\.txt: EACCES/)
    })
  })

  it('with a full buffer, makes rxtrain sources wait (backpressure) and still writes everything', async () => {
    const steps = await lastValueFrom(
      fromLoop({ steps: 200, step: (i) => ({ loss: 0, records: Array.from({ length: 50 }, (_, j) => ({ key: 'a', n: i * 50 + j })) }) }).pipe(
        sink({ maxBufferedLines: 100, batchSize: 50 }),
        toArray(),
      ),
    )
    expect(steps).to.have.length(200)
    expect(lines(join(base, 'a', 'part_000000.txt'))).to.have.length(10_000)
  })

  it('lets the event loop turn while its writes are under way, under a source whose steps never wait', async () => {
    let stepsSeen = 0
    let stepsWhenLoopTurned = -1
    setImmediate(() => (stepsWhenLoopTurned = stepsSeen))
    await lastValueFrom(
      fromLoop({
        steps: 200,
        yieldEvery: 'never', // only the sink's turns
        step: (i) => {
          spin(0.25) // 50 ms in all: several of the sink's 10 ms turns
          return { loss: 0, records: Array.from({ length: 50 }, (_, j) => ({ key: 'a', n: i * 50 + j })) }
        },
      }).pipe(
        sink({ batchSize: 50 }),
        tap(() => stepsSeen++),
      ),
    )
    expect(stepsWhenLoopTurned).to.be.within(0, 199)
    expect(lines(join(base, 'a', 'part_000000.txt'))).to.have.length(10_000)
  })
})
