import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { from, lastValueFrom, Observable, Subject, take, tap, toArray, type Observer } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { ConfigError, SinkError, TensorBoardSinkError } from '../../lib/errors.js'
import { drainOpenSinks, openSinks, sinksReady } from '../../lib/sinks/registry.js'
import type { Metric } from '../../lib/step.js'
import { openLocalEventFile, type EventFile, type EventFileStore } from '../../lib/tensorboard/eventFile.js'
import { decodeEvent, type DecodedEvent } from '../../lib/tensorboard/events.js'
import { readRecords } from '../../lib/tensorboard/tfrecord.js'
import { tensorboardSink, type TensorBoardSinkOptions, type TensorBoardSinkStats } from '../../operators/tensorboardSink.js'
import { requireInfra } from '../support/infra.js'
import { memoryLogger } from '../support/logger.js'

/** One file of a {@link memoryStore}: what was written, in the writer's own chunks (not copied). */
interface MemoryFile {
  path: string
  chunks: Uint8Array[]
  closed: boolean
}

/**
 * A store that keeps files in memory and finishes every call synchronously, so the
 * sink's writes and close happen inside the TestScheduler's virtual time. `fail`
 * makes the n-th write (1-based, the header's first) or the close throw.
 */
function memoryStore(fail: { create?: Error; write?: number; close?: boolean } = {}) {
  const files: MemoryFile[] = []
  const store: EventFileStore = {
    create(path) {
      if (fail.create) throw fail.create
      const file: MemoryFile = { path, chunks: [], closed: false }
      files.push(file)
      return {
        write(chunk) {
          if (file.closed) throw new Error('write after close')
          if (file.chunks.length + 1 === fail.write) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
          file.chunks.push(chunk)
        },
        close() {
          if (fail.close) throw new Error('EIO: i/o error, fsync')
          file.closed = true
        },
      }
    },
  }
  return { store, files }
}

/** The events of a file, checking every record is whole and passes its CRCs. */
function eventsOf(bytes: Uint8Array): DecodedEvent[] {
  const read = readRecords(bytes)
  expect(read.problem, 'the file reads to its end').to.equal(undefined)
  return read.records.map(decodeEvent)
}
const contents = (file: MemoryFile) => Buffer.concat(file.chunks)
const scalars = (events: DecodedEvent[]) => events.slice(1).map((e) => [e.step, e.scalars[0]!.tag, e.scalars[0]!.value, e.wallTime])

const model = { model_name: 'mnist', cluster_type: 'stable' }
const a: Metric = { kind: 'store', name: 'step_loss', value: 0.5, tags: undefined, step: 1, timeMs: 1_700_000_000_500 }
const b: Metric = { kind: 'counter', name: 'run_steps.all', value: 3, tags: model, step: 3, timeMs: 1_700_000_001_000 }
const c: Metric = { kind: 'timer', name: 'run_steps_elapsed_time.all', value: 0.1, tags: model, step: 3, timeMs: 1_700_000_001_000 }

const ours = () => openSinks().filter((s) => s.name.startsWith('tensorboardSink('))

describe('tensorboardSink', function () {
  let testScheduler: TestScheduler
  let stats: TensorBoardSinkStats | undefined
  let logger: ReturnType<typeof memoryLogger>

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected)
    })
    stats = undefined
    logger = memoryLogger()
  })
  afterEach(() => {
    // A sink left open would be drained by the next test's drainOpenSinks (and the exit hook's tests).
    expect(ours().map((s) => s.name)).to.deep.equal([])
  })

  const sink = (store: EventFileStore, options: Partial<TensorBoardSinkOptions> = {}) =>
    tensorboardSink({ logdir: '/runs/tb', store, logger, onClose: (s) => (stats = s), ...options })

  /** Subscribes in virtual time and records each notification with its frame. */
  const record = (source: Observable<Metric>) => {
    const seen: unknown[][] = []
    const observer: Observer<Metric> = {
      next: (m) => seen.push([testScheduler.now(), 'next', m]),
      error: (err) => seen.push([testScheduler.now(), 'error', err]),
      complete: () => seen.push([testScheduler.now(), 'complete']),
    }
    source.subscribe(observer)
    return seen
  }

  it('throws a ConfigError at creation without logdir, or with a bad interval or size', () => {
    expect(() => tensorboardSink({} as TensorBoardSinkOptions)).to.throw(ConfigError, /tensorboardSink: logdir is required/)
    expect(() => tensorboardSink(undefined as unknown as TensorBoardSinkOptions)).to.throw(ConfigError, /logdir is required/)
    expect(() => tensorboardSink({ logdir: '' })).to.throw(ConfigError, /logdir is required/)
    expect(() => tensorboardSink({ logdir: 'x', flushSecs: 0 })).to.throw(ConfigError, 'tensorboardSink: flushSecs must be a number > 0, got 0')
    expect(() => tensorboardSink({ logdir: 'x', flushSecs: Infinity })).to.throw(ConfigError, /flushSecs/)
    expect(() => tensorboardSink({ logdir: 'x', flushBytes: 1.5 })).to.throw(ConfigError, /flushBytes must be a whole number > 0/)
    expect(() => tensorboardSink({ logdir: 'x', maxBufferedBytes: -1 })).to.throw(ConfigError, /maxBufferedBytes/)
    expect(() => tensorboardSink({ logdir: 'x', tag: 'loss' as unknown as () => string })).to.throw(ConfigError, /tag must be a function/)
  })

  it('creates its file on subscribe and writes the file_version event at once, for a source that never emits', () => {
    const { store, files } = memoryStore()
    const states: unknown[] = []
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<Metric>('-')
      const subs = '               ^ 9999ms !'
      const expected = '           -'

      expectObservable(source.pipe(sink(store)), subs).toBe(expected)
      expectSubscriptions(source.subscriptions).toBe(subs)
      testScheduler.schedule(() => states.push([files.length, files[0]?.chunks.length, files[0]?.closed]), 1)
    })
    expect(states).to.deep.equal([[1, 1, false]])
    expect(files[0]!.path).to.match(new RegExp(`^/runs/tb/events\\.out\\.tfevents\\.\\d{10}\\.${hostname().replace(/\./g, '\\.')}\\.${process.pid}\\.\\d+$`))
    const [header, ...rest] = eventsOf(contents(files[0]!))
    expect(header!.fileVersion).to.equal('brain.Event:2')
    expect(header!.wallTime).to.equal(0) // the virtual clock at subscribe
    expect(rest).to.deep.equal([])
    expect(files[0]!.closed).to.equal(true)
  })

  it('completes at once for an empty source, having closed a file holding only the file_version event', () => {
    const { store, files } = memoryStore()
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<Metric>('|')
      const subs = '               (^!)'
      const expected = '           |'

      expectObservable(source.pipe(sink(store))).toBe(expected)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
    expect(files).to.have.length(1)
    expect(files[0]!.closed).to.equal(true)
    expect(eventsOf(contents(files[0]!))).to.have.length(1)
    expect(stats).to.deep.include({ received: 0, written: 0, dropped: 0, failed: 0 })
  })

  it('passes one metric on unchanged and writes it as a scalar event', () => {
    const { store, files } = memoryStore()
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|', { a })
      const subs = '       ^-!'
      const expected = '   -a|'

      expectObservable(source.pipe(sink(store))).toBe(expected, { a })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
    expect(scalars(eventsOf(contents(files[0]!)))).to.deep.equal([[1, 'step_loss', 0.5, 1_700_000_000.5]])
    expect(stats).to.deep.include({ received: 1, written: 1, dropped: 0, failed: 0 })
  })

  it('passes many metrics on as the very same objects, writes each in order, and closes the file before completing', () => {
    const { store, files } = memoryStore()
    const seen: Metric[] = []
    let closedAtComplete: boolean | undefined
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b--c|', { a, b, c })
      const subs = '       ^------!'
      const expected = '   -a-b--c|'

      const out = source.pipe(
        sink(store),
        tap({ next: (m) => seen.push(m), complete: () => (closedAtComplete = files[0]!.closed) }),
      )
      expectObservable(out).toBe(expected, { a, b, c })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
    expect(seen[0]).to.equal(a)
    expect(seen[1]).to.equal(b)
    expect(seen[2]).to.equal(c)
    expect(closedAtComplete).to.equal(true)
    expect(scalars(eventsOf(contents(files[0]!)))).to.deep.equal([
      [1, 'step_loss', 0.5, 1_700_000_000.5],
      [3, 'run_steps.all/cluster_type=stable,model_name=mnist', 3, 1_700_000_001],
      [3, 'run_steps_elapsed_time.all/cluster_type=stable,model_name=mnist', Math.fround(0.1), 1_700_000_001],
    ])
    expect(stats).to.deep.include({ received: 3, written: 3 })
    expect(logger.lines).to.deep.equal([`info: tensorboardSink(${files[0]!.path}): 3 events written`])
  })

  it('passes on an error from the source after writing and closing the file', () => {
    const { store, files } = memoryStore()
    let closedAtError: boolean | undefined
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new Error('fit failed')
      const source = cold('-a-#', { a }, error)
      const subs = '       ^--!'
      const expected = '   -a-#'

      expectObservable(source.pipe(sink(store), tap({ error: () => (closedAtError = files[0]!.closed) }))).toBe(expected, { a }, error)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
    expect(closedAtError).to.equal(true)
    expect(scalars(eventsOf(contents(files[0]!)))).to.have.length(1)
  })

  it('writes in the background every flushSecs while metrics come, and not while none do', () => {
    const { store, files } = memoryStore()
    const writes: number[][] = []
    testScheduler.run(({ cold, expectObservable }) => {
      const source = cold('-a-b 5s c 9s -', { a, b, c })
      const expected = '   -a-b 5s c 9s -'
      const subs = '       ^ 15s !'

      expectObservable(source.pipe(sink(store, { flushSecs: 2 })), subs).toBe(expected, { a, b, c })
      for (const t of [1, 2000, 2002, 5004, 7003, 7005, 15000]) testScheduler.schedule(() => writes.push([t, files[0]!.chunks.length]), t)
    })
    // The header at once; a and b two seconds after a (one write); c two seconds after it; nothing more until the close.
    expect(writes).to.deep.equal([
      [1, 1],
      [2000, 1],
      [2002, 2],
      [5004, 2],
      [7003, 2],
      [7005, 3],
      [15000, 3],
    ])
    expect(eventsOf(contents(files[0]!))).to.have.length(4)
    expect(files[0]!.closed).to.equal(true)
  })

  it('writes at once, without waiting for the timer, when flushBytes are buffered', () => {
    const { store, files } = memoryStore()
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-b-c|', { a, b, c }).pipe(sink(store, { flushBytes: 1 }))).toBe('-a-b-c|', { a, b, c })
      testScheduler.schedule(() => expect(files[0]!.chunks).to.have.length(3), 4) // the header, a, b
    })
    expect(files[0]!.chunks).to.have.length(4)
  })

  it('stops at an early unsubscribe: unsubscribes from the source, writes what it had, closes and leaves the registry', () => {
    const { store, files } = memoryStore()
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c|', { a, b, c })
      const subs = '       ^---!'
      const expected = '   -a-b'

      expectObservable(source.pipe(sink(store)), subs).toBe(expected, { a, b })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
    expect(scalars(eventsOf(contents(files[0]!))).map((s) => s[0])).to.deep.equal([1, 3])
    expect(files[0]!.closed).to.equal(true)
    expect(stats).to.deep.include({ received: 2, written: 2 })
  })

  it('writes nothing after an unsubscribe, even from a synchronous source', () => {
    const { store, files } = memoryStore()
    const seen: Metric[] = []
    from([a, b, c]).pipe(sink(store), take(1)).subscribe((m) => seen.push(m))
    expect(seen).to.deep.equal([a])
    expect(scalars(eventsOf(contents(files[0]!)))).to.have.length(1)
    expect(files[0]!.closed).to.equal(true)
  })

  it('errors with what a throwing tag callback throws, having written the metrics before', () => {
    const { store, files } = memoryStore()
    const error = new Error('no tag for run_steps.all')
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c|', { a, b, c })
      const subs = '       ^--!'
      const expected = '   -a-#'
      const tag = (m: Metric) => {
        if (m.tags) throw error
        return m.name
      }
      expectObservable(source.pipe(sink(store, { tag }))).toBe(expected, { a }, error)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
    expect(scalars(eventsOf(contents(files[0]!)))).to.deep.equal([[1, 'step_loss', 0.5, 1_700_000_000.5]])
  })

  it('uses the tag and wallTime options', () => {
    const { store, files } = memoryStore()
    testScheduler.run(({ cold, expectObservable }) => {
      const out = cold('-a|', { a }).pipe(sink(store, { tag: (m) => `train/${m.name}`, wallTime: (m) => m.step * 10 }))
      expectObservable(out).toBe('-a|', { a })
    })
    expect(scalars(eventsOf(contents(files[0]!)))).to.deep.equal([[1, 'train/step_loss', 0.5, 10]])
  })

  it('errors at subscribe with a TensorBoardSinkError when the file cannot be created, never subscribing to the source', () => {
    const { store } = memoryStore({ create: Object.assign(new Error("ENOTDIR: not a directory, mkdir '/runs/tb'"), { code: 'ENOTDIR' }) })
    let seen: unknown[][] = []
    testScheduler.run(({ cold, expectSubscriptions }) => {
      const source = cold('-a|', { a })
      seen = record(source.pipe(sink(store)))
      expectSubscriptions(source.subscriptions).toBe([])
    })
    expect(seen).to.have.length(1)
    const [frame, kind, err] = seen[0]!
    expect([frame, kind]).to.deep.equal([0, 'error'])
    expect(err).to.be.instanceOf(TensorBoardSinkError).and.instanceOf(SinkError)
    expect((err as TensorBoardSinkError).message).to.match(/^tensorboardSink: \/runs\/tb\/events\.out\.tfevents\.\S+: Error: ENOTDIR/)
    expect((err as TensorBoardSinkError).path).to.match(/^\/runs\/tb\/events\.out\.tfevents\./)
    expect(stats).to.deep.include({ received: 0, written: 0, failed: 0 })
  })

  it('errors the stream when a background write fails, naming the path, and counts the metrics lost', () => {
    const { store, files } = memoryStore({ write: 2 })
    let seen: unknown[][] = []
    testScheduler.run(({ cold }) => {
      const source = cold('-a-b 5s c|', { a, b, c })
      seen = record(source.pipe(sink(store)))
    })
    expect(seen.map((s) => s.slice(0, 2))).to.deep.equal([
      [1, 'next'],
      [3, 'next'],
      [2001, 'error'],
    ])
    const err = seen[2]![2] as TensorBoardSinkError
    expect(err).to.be.instanceOf(TensorBoardSinkError)
    expect(err.message).to.include(files[0]!.path).and.include('ENOSPC')
    expect(err.path).to.equal(files[0]!.path)
    expect(stats).to.deep.include({ received: 2, written: 0, failed: 2 })
    expect(stats!.lastError).to.equal(err)
  })

  it('turns the completion into a TensorBoardSinkError when the last write or the fsync fails', () => {
    for (const fail of [{ write: 2 }, { close: true }]) {
      testScheduler = new TestScheduler(() => {})
      const { store } = memoryStore(fail)
      let seen: unknown[][] = []
      testScheduler.run(({ cold }) => {
        seen = record(cold('-a|', { a }).pipe(sink(store)))
      })
      expect(seen.map((s) => s.slice(0, 2)), JSON.stringify(fail)).to.deep.equal([
        [1, 'next'],
        [2, 'error'],
      ])
      expect(seen[1]![2]).to.be.instanceOf(TensorBoardSinkError)
    }
  })

  it("errors with the source's own error when the close after it fails too, and logs the sink's", () => {
    const { store } = memoryStore({ close: true })
    const error = new Error('fit failed')
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-#', { a }, error).pipe(sink(store))).toBe('-a-#', { a }, error)
    })
    expect(logger.lines.some((l) => l.startsWith('warn: ') && l.includes('EIO'))).to.equal(true)
  })

  it('drops and counts metrics past maxBufferedBytes, never blocking, and makes sources wait from half of it', async () => {
    // A store whose writes finish only when the test says so.
    const releases: (() => void)[] = []
    const chunks: Uint8Array[] = []
    const store: EventFileStore = {
      create: () => ({
        write: (chunk) =>
          new Promise<void>((resolve) => {
            chunks.push(chunk)
            releases.push(resolve)
          }),
        close: () => {},
      }),
    }
    const metrics = Array.from({ length: 100 }, (_, i): Metric => ({ ...a, step: i + 1 }))
    const subject = new Subject<Metric>()
    const passed = lastValueFrom(subject.pipe(sink(store, { maxBufferedBytes: 1000 }), toArray()))
    for (const m of metrics) subject.next(m)
    expect(sinksReady(), 'sources wait on a full buffer').to.be.instanceOf(Promise)
    subject.complete()
    while (releases.length > 0 || chunks.length === 0) {
      releases.shift()?.()
      await new Promise((r) => setImmediate(r))
    }
    expect(await passed).to.deep.equal(metrics)
    expect(stats!.dropped).to.be.above(0)
    expect(stats!.received).to.equal(100)
    expect(stats!.written + stats!.dropped).to.equal(100)
    const events = eventsOf(Buffer.concat(chunks))
    expect(events.length - 1).to.equal(stats!.written)
    expect(Buffer.concat(chunks).length).to.be.at.most(1000) // all came before any write finished
    expect(logger.lines.filter((l) => l.startsWith('warn: ') && l.includes('buffer full'))).to.have.length(10) // the first ten, then quiet
    expect(logger.lines.at(-1)).to.match(/events written, \d+ dropped \(buffer full\)$/)
  })

  it('is drained by drainOpenSinks (the exit hook) mid-stream: later metrics pass through unwritten', async () => {
    const { store, files } = memoryStore()
    const subject = new Subject<Metric>()
    const passed = lastValueFrom(subject.pipe(sink(store), toArray()))
    subject.next(a)
    const report = await drainOpenSinks(1000)
    expect(report.drained).to.deep.equal([`tensorboardSink(${files[0]!.path})`])
    expect(files[0]!.closed).to.equal(true)
    subject.next(b)
    subject.complete()
    expect(await passed).to.deep.equal([a, b])
    expect(scalars(eventsOf(contents(files[0]!)))).to.have.length(1)
    expect(stats).to.deep.include({ received: 1, written: 1 })
  })

  describe('on the local filesystem', () => {
    let base: string
    beforeEach(() => {
      base = mkdtempSync(join(tmpdir(), 'rxtrain-tb-'))
    })
    afterEach(() => rmSync(base, { recursive: true, force: true }))

    const local = (logdir: string, options: Partial<TensorBoardSinkOptions> = {}) =>
      tensorboardSink({ logdir, logger, onClose: (s) => (stats = s), ...options })

    it('creates logdir with its parents and one file per subscription, named as TensorFlow names them', async () => {
      const logdir = join(base, 'a', 'b', 'run1')
      await lastValueFrom(from([a, b, c]).pipe(local(logdir)))
      await lastValueFrom(from([a]).pipe(local(logdir)))
      const names = readdirSync(logdir).sort()
      expect(names).to.have.length(2)
      const pattern = /^events\.out\.tfevents\.(\d{10})\.(.+)\.(\d+)\.(\d+)$/
      const parsed = names.map((n) => pattern.exec(n)!)
      for (const m of parsed) {
        expect(m, 'name pattern').to.not.equal(null)
        expect(Math.abs(Number(m[1]) - Date.now() / 1000)).to.be.below(60)
        expect(m[2]).to.equal(hostname())
        expect(Number(m[3])).to.equal(process.pid)
      }
      expect(new Set(parsed.map((m) => m[4])).size, 'the counter differs').to.equal(2)
      const counts = names.map((n) => eventsOf(readFileSync(join(logdir, n))).length).sort()
      expect(counts).to.deep.equal([2, 4])
      expect(stats!.bytes).to.equal(Math.min(...names.map((n) => readFileSync(join(logdir, n)).length)))
    })

    it('errors with a TensorBoardSinkError naming the path when logdir is under a file (ENOTDIR)', async () => {
      writeFileSync(join(base, 'file'), 'x')
      const logdir = join(base, 'file', 'run')
      let upstream = false
      const source = new Observable<Metric>((s) => {
        upstream = true
        s.next(a)
        s.complete()
      })
      const err = await lastValueFrom(source.pipe(local(logdir))).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err).to.be.instanceOf(TensorBoardSinkError)
      expect((err as Error).message).to.include(`tensorboardSink: cannot create ${logdir}/events.out.tfevents.`).and.include('ENOTDIR')
      expect((err as TensorBoardSinkError).path.startsWith(logdir)).to.equal(true)
      expect(upstream, 'the source ran while the file was being created').to.equal(true)
      expect(stats).to.deep.include({ received: 1, written: 0, failed: 1 })
    })

    it('errors with ENOSPC naming the path when the disk is full (/dev/full)', async function () {
      requireInfra(this, existsSync('/dev/full'), 'no /dev/full to stand for a full disk (Linux has one)')
      const store: EventFileStore = { create: () => openLocalEventFile('/dev/full', 'w') }
      const err = await lastValueFrom(from([a, b]).pipe(local(base, { store }))).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err).to.be.instanceOf(TensorBoardSinkError)
      expect((err as Error).message).to.match(/^tensorboardSink: cannot write \/dev\/full: ENOSPC/)
      expect((err as TensorBoardSinkError).path).to.equal('/dev/full')
      expect((err as TensorBoardSinkError).retriable).to.equal(true)
    })

    it('never overwrites an existing file', async () => {
      const path = join(base, 'taken')
      writeFileSync(path, 'keep')
      const err = await (openLocalEventFile(path) as Promise<EventFile>).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect((err as Error).message).to.include('EEXIST')
      expect(readFileSync(path, 'utf8')).to.equal('keep')
    })

    it('after an early unsubscribe, drainOpenSinks waits until the file is whole and closed', async () => {
      const metrics = Array.from({ length: 5000 }, (_, i): Metric => ({ ...b, step: i + 1, value: i }))
      const seen = await lastValueFrom(from(metrics).pipe(local(base, { flushBytes: 512 }), take(4000), toArray()))
      expect(seen).to.have.length(4000)
      expect(ours()).to.have.length(1)
      const report = await drainOpenSinks(5000)
      expect(report.failed).to.deep.equal([])
      const [name] = readdirSync(base)
      const events = eventsOf(readFileSync(join(base, name!)))
      expect(events.slice(1).map((e) => e.step)).to.deep.equal(metrics.slice(0, 4000).map((m) => m.step))
      expect(stats).to.deep.include({ received: 4000, written: 4000 })
    })
  })
})
