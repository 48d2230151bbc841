import { expect } from 'chai'
import { TestScheduler } from 'rxjs/testing'
import { ConfigError } from '../../lib/errors.js'
import type { TelemetryEntry, TelemetrySource } from '../../lib/native/byteps.js'
import type { Metric, TrainingStep } from '../../lib/step.js'
import { mergeMetrics } from '../../operators/mergeMetrics.js'
import { stepHandlerOf } from '../../operators/metricOperator.js'
import { stepLoss } from '../../operators/stepLoss.js'
import { telemetryEvery } from '../../operators/telemetryEvery.js'
import { memoryLogger } from '../support/logger.js'
import { makeStep } from '../support/steps.js'

/** A telemetry source that returns `reads` in turn (then nothing) and counts its calls. */
function fakeTelemetry(reads: TelemetryEntry[][], rank = 0): TelemetrySource & { calls: { rank: number; read: number } } {
  const calls = { rank: 0, read: 0 }
  return {
    calls,
    rank: () => (calls.rank++, rank),
    read: () => (calls.read++, reads.shift() ?? []),
  }
}

function op(name: string, meanUs = 1, stdevUs = 0.5, count = 1): TelemetryEntry {
  return { name, meanUs, stdevUs, count }
}

/** The three metrics of one op at step `s`, keyed by the marble letters given. */
function opMetrics(keys: string, entry: TelemetryEntry, s: TrainingStep): Record<string, Metric> {
  const tags = { op: entry.name }
  const at = { tags, step: s.step, timeMs: s.timeMs }
  return {
    [keys[0]!]: { kind: 'store', name: 'byteps_telemetry_mean_us', value: entry.meanUs, ...at },
    [keys[1]!]: { kind: 'store', name: 'byteps_telemetry_stdev_us', value: entry.stdevUs, ...at },
    [keys[2]!]: { kind: 'counter', name: 'byteps_telemetry_count', value: entry.count, ...at },
  }
}

describe('telemetryEvery', () => {
  let testScheduler: TestScheduler

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected)
    })
  })

  const push = op('PushPull.dense_1', 812.5, 40.25, 100)

  it('throws ConfigError at creation for an interval that is negative, fractional, NaN, infinite or not a number', () => {
    const telemetry = fakeTelemetry([])
    expect(() => telemetryEvery(-1, { telemetry })).to.throw(ConfigError, 'telemetryEvery: interval must be an integer >= 0, got -1')
    expect(() => telemetryEvery(1.5, { telemetry })).to.throw(ConfigError, 'telemetryEvery: interval must be an integer >= 0, got 1.5')
    expect(() => telemetryEvery(NaN, { telemetry })).to.throw(ConfigError, 'got NaN')
    expect(() => telemetryEvery(Infinity, { telemetry })).to.throw(ConfigError, 'got Infinity')
    expect(() => telemetryEvery('10' as unknown as number, { telemetry })).to.throw(ConfigError, 'got 10')
    expect(() => telemetryEvery(0, { telemetry })).not.to.throw()
    expect(telemetry.calls).to.deep.equal({ rank: 0, read: 0 })
  })

  it('throws ConfigError at creation for a telemetry source without rank() or read()', () => {
    const noRead = { rank: () => 0 } as unknown as TelemetrySource
    expect(() => telemetryEvery(1, { telemetry: noRead })).to.throw(ConfigError, 'telemetry must have rank() and read()')
  })

  it('is a metric operator, so mergeMetrics fuses it', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const telemetry = fakeTelemetry([[push]])
      expect(stepHandlerOf(telemetryEvery(0, { telemetry }))).to.be.a('function')
      const a = makeStep({ step: 1, timeMs: 1, loss: 0.25 })
      const source = cold('-a-----|', { a })
      const expected = '   -(labc)|'

      const loss: Metric = { kind: 'store', name: 'step_loss', value: 0.25, tags: undefined, step: 1, timeMs: 1 }
      const merged = mergeMetrics(stepLoss(), telemetryEvery(0, { telemetry, logger: memoryLogger() }))
      expectObservable(source.pipe(merged)).toBe(expected, { l: loss, ...opMetrics('abc', push, a) })
    })
  })

  it('emits nothing for a source that never emits, and reads nothing', () => {
    const telemetry = fakeTelemetry([[push]])
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<TrainingStep>('-')
      const subs = '                     ^'
      const expected = '                 -'

      expectObservable(source.pipe(telemetryEvery(0, { telemetry }))).toBe(expected)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
    expect(telemetry.calls).to.deep.equal({ rank: 0, read: 0 })
  })

  it('completes at once for an empty source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<TrainingStep>('|')
      const subs = '                     (^!)'
      const expected = '                 |'

      expectObservable(source.pipe(telemetryEvery(0, { telemetry: fakeTelemetry([[push]]) }))).toBe(expected)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('for one due step, emits mean, stdev and count of each sampled op, tagged with its name', () => {
    const logger = memoryLogger()
    const telemetry = fakeTelemetry([[push]])
    testScheduler.run(({ cold, expectObservable }) => {
      const a = makeStep({ step: 1, timeMs: 4 })
      const source = cold('-a----|', { a })
      const expected = '   -(abc)|'

      expectObservable(source.pipe(telemetryEvery(0, { telemetry, logger }))).toBe(expected, opMetrics('abc', push, a))
    })
    expect(telemetry.calls).to.deep.equal({ rank: 1, read: 1 })
    expect(logger.lines).to.deep.equal([
      'info: Communication telemetry: name: PushPull.dense_1 mean(us): 812.50 stdev(us): 40.25 count: 100',
    ])
  })

  it('reads once step > last + interval (not >=), and moves last to the step that read', () => {
    const first = op('PushPull.a', 10, 1, 3)
    const second = op('PushPull.a', 20, 2, 4)
    const third = op('PushPull.a', 30, 3, 5)
    const telemetry = fakeTelemetry([[first], [second], [third]])
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const steps = [1, 2, 3, 4, 5, 6, 9, 10].map((step) => makeStep({ step, timeMs: step }))
      const [s1, s2, s3, s4, s5, s6, s9, s10] = steps
      // interval 2: 3 > 0 + 2 reads (2 does not); then last = 3, so 5 does not and 6 does;
      // then last = 6, so 9 (> 8) does, and 10 does not (last is 9 now).
      const source = cold('1-2-3-----4-5-6-----9-----t-|', { 1: s1, 2: s2, 3: s3, 4: s4, 5: s5, 6: s6, 9: s9, t: s10 })
      const subs = '       ^---------------------------!'
      const expected = '   ----(abc)-----(def)-(ghi)---|'

      expectObservable(source.pipe(telemetryEvery(2, { telemetry, logger: memoryLogger() }))).toBe(expected, {
        ...opMetrics('abc', first, s3!),
        ...opMetrics('def', second, s6!),
        ...opMetrics('ghi', third, s9!),
      })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
    expect(telemetry.calls).to.deep.equal({ rank: 1, read: 3 })
  })

  it('with a large jump in step, waits interval steps past the step that read', () => {
    const telemetry = fakeTelemetry([[push], [push]])
    testScheduler.run(({ cold, expectObservable }) => {
      const a = makeStep({ step: 100, timeMs: 1 })
      const b = makeStep({ step: 110, timeMs: 2 }) // 110 > 100 + 10? no
      const c = makeStep({ step: 111, timeMs: 3 })
      const source = cold('a----b-c----|', { a, b, c })
      const expected = '   (abc)--(def)|'

      expectObservable(source.pipe(telemetryEvery(10, { telemetry, logger: memoryLogger() }))).toBe(expected, {
        ...opMetrics('abc', push, a),
        ...opMetrics('def', push, c),
      })
    })
  })

  it('on a rank other than 0, reads the rank once and emits and logs nothing', () => {
    const logger = memoryLogger()
    const telemetry = fakeTelemetry([[push], [push]], 1)
    testScheduler.run(({ cold, expectObservable }) => {
      const a = makeStep({ step: 1 })
      const b = makeStep({ step: 2 })
      const c = makeStep({ step: 3 })
      const source = cold('a-b-c|', { a, b, c })
      const expected = '   -----|'

      expectObservable(source.pipe(telemetryEvery(0, { telemetry, logger }))).toBe(expected)
    })
    expect(telemetry.calls).to.deep.equal({ rank: 1, read: 0 })
    expect(logger.lines).to.deep.equal([])
  })

  it('reads the rank once per subscription', () => {
    const telemetry = fakeTelemetry([])
    testScheduler.run(({ cold, expectObservable }) => {
      const source = cold('a-b|', { a: makeStep({ step: 1 }), b: makeStep({ step: 2 }) })
      const telemetered = source.pipe(telemetryEvery(0, { telemetry, logger: memoryLogger() }))
      expectObservable(telemetered).toBe('---|')
      expectObservable(telemetered).toBe('---|')
    })
    expect(telemetry.calls).to.deep.equal({ rank: 2, read: 4 })
  })

  it('emits every alltoall op (any case) and only the first three PushPull ops, in the library order', () => {
    const entries = [
      op('PushPull.a', 1),
      op('AllToAll_emb', 2),
      op('PushPull.b', 3),
      op('alltoall_ids', 4),
      op('PushPull.c', 5), // the Python would drop this one: its alltoall ops use up the three
      op('PushPull.d', 6),
      op('Broadcast.init', 7),
      op('pushpull.lower', 8), // PushPull is matched case-sensitively, as in the Python
      op('ALLTOALL_late', 9),
    ]
    const sampled = [0, 1, 2, 3, 4, 8].map((i) => entries[i]!)
    const logger = memoryLogger()
    testScheduler.run(({ cold, expectObservable }) => {
      const a = makeStep({ step: 1, timeMs: 2 })
      const source = cold(`a${'-'.repeat(19)}|`, { a })
      const keys = 'abcdefghijklmnopqr'
      const expected = `   (${keys})|`

      const values = Object.assign({}, ...sampled.map((e, i) => opMetrics(keys.slice(3 * i, 3 * i + 3), e, a)))
      expectObservable(source.pipe(telemetryEvery(0, { telemetry: fakeTelemetry([entries]), logger }))).toBe(expected, values)
    })
    expect(logger.lines).to.have.length(1)
    expect(logger.lines[0]).to.equal(
      'info: Communication telemetry: ' +
        sampled.map((e) => `name: ${e.name} mean(us): ${e.meanUs}.00 stdev(us): 0.50 count: 1`).join('; '),
    )
  })

  it('counts an op named both alltoall and PushPull as alltoall, leaving the three PushPull ops', () => {
    const entries = [op('alltoall.PushPull'), op('PushPull.a'), op('PushPull.b'), op('PushPull.c'), op('PushPull.d')]
    const logger = memoryLogger()
    testScheduler.run(({ cold, expectObservable }) => {
      const a = makeStep({ step: 1 })
      const source = cold(`a${'-'.repeat(13)}|`, { a })
      const expected = '   (abcdefghijkl)|'

      expectObservable(source.pipe(telemetryEvery(0, { telemetry: fakeTelemetry([entries]), logger }))).toBe(expected, {
        ...opMetrics('abc', entries[0]!, a),
        ...opMetrics('def', entries[1]!, a),
        ...opMetrics('ghi', entries[2]!, a),
        ...opMetrics('jkl', entries[3]!, a),
      })
    })
  })

  it('logs one line per read with two decimals, and none when no op is sampled', () => {
    const logger = memoryLogger()
    const reads = [
      [op('PushPull.x', 1.234, 0.456, 7), op('alltoall é ✓', 1000, 0, 0)],
      [op('Broadcast.init')], // nothing sampled
      [],
    ]
    testScheduler.run(({ cold, expectObservable }) => {
      const steps = { a: makeStep({ step: 1 }), b: makeStep({ step: 2 }), c: makeStep({ step: 3 }) }
      const source = cold('a------b-c|', steps)
      const expected = '   (abcdef)--|'

      expectObservable(source.pipe(telemetryEvery(0, { telemetry: fakeTelemetry(reads), logger }))).toBe(expected, {
        ...opMetrics('abc', reads[0]![0]!, steps.a),
        ...opMetrics('def', reads[0]![1]!, steps.a),
      })
    })
    expect(logger.lines).to.deep.equal([
      'info: Communication telemetry: name: PushPull.x mean(us): 1.23 stdev(us): 0.46 count: 7; ' +
        'name: alltoall é ✓ mean(us): 1000.00 stdev(us): 0.00 count: 0',
    ])
  })

  it('passes on an error from the source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new Error('fit failed')
      const a = makeStep({ step: 1, timeMs: 0 })
      const source = cold('a----#', { a }, error)
      const subs = '       ^----!'
      const expected = '   (abc)#'

      expectObservable(source.pipe(telemetryEvery(0, { telemetry: fakeTelemetry([[push]]), logger: memoryLogger() }))).toBe(
        expected,
        opMetrics('abc', push, a),
        error,
      )
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('keeps reading for a source that never ends', () => {
    const telemetry = fakeTelemetry([[push], [push], [push]])
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = makeStep({ step: 2 })
      const b = makeStep({ step: 4 })
      const source = cold('a----b---', { a, b })
      const subs = '       ^'
      const expected = '   (abc)(def)'

      expectObservable(source.pipe(telemetryEvery(1, { telemetry, logger: memoryLogger() }))).toBe(expected, {
        ...opMetrics('abc', push, a),
        ...opMetrics('def', push, b),
      })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
    expect(telemetry.calls.read).to.equal(2)
  })

  it('stops at an early unsubscribe, unsubscribes from the source and reads no more', () => {
    const telemetry = fakeTelemetry([[push], [push]])
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = makeStep({ step: 1 })
      const b = makeStep({ step: 2 })
      const source = cold('a------b|', { a, b })
      const subs = '       ^-----!'
      const expected = '   (abc)'

      expectObservable(source.pipe(telemetryEvery(0, { telemetry, logger: memoryLogger() })), subs).toBe(
        expected,
        opMetrics('abc', push, a),
      )
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
    expect(telemetry.calls.read).to.equal(1)
  })

  it('errors the stream with what a throwing read() or rank() throws, and unsubscribes from the source', () => {
    const readError = new Error('telemetry read failed')
    const rankError = new Error('byteps not initialised')
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = makeStep({ step: 1 })
      const b = makeStep({ step: 2 })
      const source = cold('a----b-|', { a, b })
      const subs = '       ^----!'

      let reads = 0
      const failingRead: TelemetrySource = {
        rank: () => 0,
        read: () => {
          if (reads++ === 1) throw readError
          return [push]
        },
      }
      expectObservable(source.pipe(telemetryEvery(0, { telemetry: failingRead, logger: memoryLogger() }))).toBe(
        '(abc)#',
        opMetrics('abc', push, a),
        readError,
      )

      const failingRank: TelemetrySource = {
        rank: () => {
          throw rankError
        },
        read: () => [push],
      }
      expectObservable(source.pipe(telemetryEvery(0, { telemetry: failingRank }))).toBe('#', undefined, rankError)
      expectSubscriptions(source.subscriptions).toBe([subs, '(^!)'])
    })
  })
})
