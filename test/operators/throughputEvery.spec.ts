import { expect } from 'chai'
import { TestScheduler } from 'rxjs/testing'
import { ConfigError } from '../../lib/errors.js'
import type { Metric, Tags, TrainingStep } from '../../lib/step.js'
import { throughputEvery } from '../../operators/throughputEvery.js'
import { makeStep } from '../support/steps.js'

const TAGS: Tags = { model_name: 'mnist', cluster_type: 'stable' }

function runSteps(value: number, s: TrainingStep, tags = TAGS): Metric {
  return { kind: 'counter', name: 'run_steps.all', value, tags, step: s.step, timeMs: s.timeMs }
}

function stepTime(value: number, s: TrainingStep, tags = TAGS): Metric {
  return { kind: 'timer', name: 'run_steps_elapsed_time.all', value, tags, step: s.step, timeMs: s.timeMs }
}

describe('throughputEvery', () => {
  let testScheduler: TestScheduler

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected)
    })
  })

  it('throws ConfigError at creation for a negative, NaN or infinite interval', () => {
    expect(() => throughputEvery(-1)).to.throw(ConfigError, 'secs must be a finite number >= 0, got -1')
    expect(() => throughputEvery(NaN)).to.throw(ConfigError, 'got NaN')
    expect(() => throughputEvery(Infinity)).to.throw(ConfigError, 'got Infinity')
    expect(() => throughputEvery(0)).not.to.throw()
  })

  it('emits nothing for a source that never emits', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<TrainingStep>('-')
      const subs = '                     ^'
      const expected = '                 -'

      expectObservable(source.pipe(throughputEvery(0.005, { startTimeSecs: 0 }))).toBe(expected)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('completes at once for an empty source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<TrainingStep>('|')
      const subs = '                     (^!)'
      const expected = '                 |'

      expectObservable(source.pipe(throughputEvery(0.005, { startTimeSecs: 0 }))).toBe(expected)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('emits nothing for one step: the first step only sets the mark', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const a = makeStep({ step: 1, timeMs: 1 })
      const source = cold('-a|', { a })
      const expected = '   --|'

      expectObservable(source.pipe(throughputEvery(0, { modelName: 'mnist' }))).toBe(expected)
    })
  })

  it('emits run_steps.all and run_steps_elapsed_time.all once a step is secs past the mark, then moves the mark', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = makeStep({ step: 1, timeMs: 0 })
      const b = makeStep({ step: 2, timeMs: 2 })
      const c = makeStep({ step: 3, timeMs: 4 }) // 4 ms past the mark: not yet
      const d = makeStep({ step: 4, timeMs: 6 }) // 6 ms, 3 steps past a
      const e = makeStep({ step: 5, timeMs: 8 })
      const f = makeStep({ step: 6, timeMs: 11 }) // exactly 5 ms, 2 steps past d
      const source = cold('a-b-c-d-e--f---|', { a, b, c, d, e, f })
      const subs = '       ^--------------!'
      const expected = '   ------(ct)-(uv)|'

      expectObservable(source.pipe(throughputEvery(0.005, { modelName: 'mnist' }))).toBe(expected, {
        c: runSteps(3, d),
        t: stepTime(0.002, d), // 0.006 s / 3 steps
        u: runSteps(2, f),
        v: stepTime(0.0025, f), // 0.005 s / 2 steps
      })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('with startTimeSecs, emits run_start_elapsed_time.all on the first step, and takes clusterType', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const tags = { model_name: 'mnist', cluster_type: 'canary' }
      const a = makeStep({ step: 1, timeMs: 3 })
      const b = makeStep({ step: 2, timeMs: 5 })
      const source = cold('---a-b---|', { a, b })
      const expected = '   ---s-(ct)|'

      const options = { modelName: 'mnist', clusterType: 'canary', startTimeSecs: 0.001 }
      expectObservable(source.pipe(throughputEvery(0.002, options))).toBe(expected, {
        s: { kind: 'timer', name: 'run_start_elapsed_time.all', value: 0.002, tags, step: 1, timeMs: 3 }, // 0.003 s - 0.001 s
        c: runSteps(1, b, tags),
        t: stepTime(0.002, b, tags),
      })
    })
  })

  it('defaults to 30 s, a model_name of "" and a cluster_type of "stable"', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const tags = { model_name: '', cluster_type: 'stable' }
      const a = makeStep({ step: 1, timeMs: 0 })
      const b = makeStep({ step: 2, timeMs: 29_999 })
      const c = makeStep({ step: 3, timeMs: 30_000 })
      const source = cold('a 29998ms b c 9ms |', { a, b, c })
      const expected = '   30000ms (ct) 6ms |'

      expectObservable(source.pipe(throughputEvery())).toBe(expected, { c: runSteps(2, c, tags), t: stepTime(15, c, tags) })
    })
  })

  it('with secs = 0, emits on every step that advanced', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const a = makeStep({ step: 1, timeMs: 0 })
      const b = makeStep({ step: 2, timeMs: 2 })
      const c = makeStep({ step: 4, timeMs: 8 })
      const source = cold('a-b-----c----|', { a, b, c })
      const expected = '   --(ct)--(uv)-|'

      expectObservable(source.pipe(throughputEvery(0, { modelName: 'mnist' }))).toBe(expected, {
        c: runSteps(1, b),
        t: stepTime(0.002, b),
        u: runSteps(2, c),
        v: stepTime(0.003, c), // 0.006 s / 2 steps
      })
    })
  })

  it('takes a step below the mark (a new run on the stream) as the new mark, emitting nothing for it', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const a = makeStep({ step: 10, timeMs: 0 })
      const b = makeStep({ step: 1, timeMs: 6 }) // due, but the global step went back
      const c = makeStep({ step: 3, timeMs: 12 })
      const source = cold('a-----b-----c---|', { a, b, c })
      const expected = '   ------------(ct)|'

      expectObservable(source.pipe(throughputEvery(0.005, { modelName: 'mnist' }))).toBe(expected, {
        c: runSteps(2, c),
        t: stepTime(0.003, c), // 0.006 s since b / 2 steps
      })
    })
  })

  it('emits nothing for a zero step interval (where the Python divides by zero)', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const a = makeStep({ step: 1, timeMs: 0 })
      const b = makeStep({ step: 1, timeMs: 5 }) // due, but step did not advance
      const c = makeStep({ step: 2, timeMs: 10 })
      const source = cold('a----b----c---|', { a, b, c })
      const expected = '   ----------(ct)|'

      // b did not become the mark: c reports 1 step over the 10 ms since a, stall included.
      expectObservable(source.pipe(throughputEvery(0.005, { modelName: 'mnist' }))).toBe(expected, {
        c: runSteps(1, c),
        t: stepTime(0.01, c),
      })
    })
  })

  it('passes on an error from the source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new Error('fit failed')
      const a = makeStep({ step: 1, timeMs: 0 })
      const b = makeStep({ step: 2, timeMs: 2 })
      const source = cold('a-b---#', { a, b }, error)
      const subs = '       ^-----!'
      const expected = '   --(ct)#'

      expectObservable(source.pipe(throughputEvery(0.002, { modelName: 'mnist' }))).toBe(
        expected,
        { c: runSteps(1, b), t: stepTime(0.002, b) },
        error,
      )
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('keeps emitting for a source that never ends', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = makeStep({ step: 1, timeMs: 0 })
      const b = makeStep({ step: 2, timeMs: 2 })
      const c = makeStep({ step: 3, timeMs: 6 })
      const source = cold('a-b---c---', { a, b, c })
      const subs = '       ^'
      const expected = '   --(ct)(uv)'

      expectObservable(source.pipe(throughputEvery(0.002, { modelName: 'mnist' }))).toBe(expected, {
        c: runSteps(1, b),
        t: stepTime(0.002, b),
        u: runSteps(1, c),
        v: stepTime(0.004, c),
      })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('stops at an early unsubscribe and unsubscribes from the source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = makeStep({ step: 1, timeMs: 0 })
      const b = makeStep({ step: 2, timeMs: 2 })
      const c = makeStep({ step: 3, timeMs: 6 })
      const source = cold('a-b---c---|', { a, b, c })
      const subs = '       ^----!'
      const expected = '   --(ct)'

      expectObservable(source.pipe(throughputEvery(0.002, { modelName: 'mnist' })), subs).toBe(expected, {
        c: runSteps(1, b),
        t: stepTime(0.002, b),
      })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })
})
