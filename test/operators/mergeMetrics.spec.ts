import { expect } from 'chai'
import { map, type OperatorFunction } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { ConfigError } from '../../lib/errors.js'
import type { Metric, Tags, TrainingStep } from '../../lib/step.js'
import { customMetrics } from '../../operators/customMetrics.js'
import { mergeMetrics } from '../../operators/mergeMetrics.js'
import { stepLoss } from '../../operators/stepLoss.js'
import { throughputEvery } from '../../operators/throughputEvery.js'
import { makeStep } from '../support/steps.js'

function store(name: string, value: number, s: TrainingStep): Metric {
  return { kind: 'store', name, value, tags: undefined, step: s.step, timeMs: s.timeMs }
}

const TAGS: Tags = { model_name: '', cluster_type: 'stable' }

describe('mergeMetrics', () => {
  let testScheduler: TestScheduler

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected)
    })
  })

  const a = makeStep({ step: 1, timeMs: 1, loss: 0.9, metrics: { acc: 0.5 } })
  const b = makeStep({ step: 2, timeMs: 5, loss: 0.7, metrics: { acc: 0.75 } })
  const lossAndAcc = () => mergeMetrics(stepLoss(), customMetrics(['acc']))

  it('throws ConfigError at creation when given no operator', () => {
    expect(() => mergeMetrics()).to.throw(ConfigError, 'mergeMetrics: give at least one metric operator')
  })

  it('emits nothing for a source that never emits, and subscribes to it once', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<TrainingStep>('-')
      const subs = '                     ^'
      const expected = '                 -'

      expectObservable(source.pipe(lossAndAcc())).toBe(expected)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('completes at once for an empty source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<TrainingStep>('|')
      const subs = '                     (^!)'
      const expected = '                 |'

      expectObservable(source.pipe(lossAndAcc())).toBe(expected)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('emits what each operator makes of one step, in the order the operators are given', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a---|', { a })
      const subs = '       ^----!'
      const expected = '   -(lx)|'

      expectObservable(source.pipe(lossAndAcc())).toBe(expected, { l: store('step_loss', 0.9, a), x: store('acc', 0.5, a) })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('merges per step over one subscription, with operators that emit only on some steps', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a---b-------|', { a, b })
      const subs = '       ^------------!'
      const expected = '   -(lx)(ctmy)--|'

      // On a, throughputEvery only sets its mark; on b, 4 ms later, it reports first, as it is given first.
      const merged = mergeMetrics(throughputEvery(0.004), stepLoss(), customMetrics(['acc']))
      expectObservable(source.pipe(merged)).toBe(expected, {
        l: store('step_loss', 0.9, a),
        x: store('acc', 0.5, a),
        c: { kind: 'counter', name: 'run_steps.all', value: 1, tags: TAGS, step: 2, timeMs: 5 },
        t: { kind: 'timer', name: 'run_steps_elapsed_time.all', value: 0.004, tags: TAGS, step: 2, timeMs: 5 },
        m: store('step_loss', 0.7, b),
        y: store('acc', 0.75, b),
      })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('errors with what an inner operator throws, and unsubscribes from the source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new Error('no accuracy yet')
      const failing = customMetrics({
        acc: (s) => {
          if (s.step === 2) throw error
          return s.metrics.acc!
        },
      })
      const source = cold('-a---b---|', { a, b })
      const subs = '       ^----!'
      const expected = '   -(lx)(m#)'

      expectObservable(source.pipe(mergeMetrics(stepLoss(), failing))).toBe(
        expected,
        { l: store('step_loss', 0.9, a), x: store('acc', 0.5, a), m: store('step_loss', 0.7, b) },
        error,
      )
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('passes on an error from the source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new Error('fit failed')
      const source = cold('-a---#', { a }, error)
      const subs = '       ^----!'
      const expected = '   -(lx)#'

      expectObservable(source.pipe(lossAndAcc())).toBe(expected, { l: store('step_loss', 0.9, a), x: store('acc', 0.5, a) }, error)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('keeps emitting for a source that never ends', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a---b-----', { a, b })
      const subs = '       ^'
      const expected = '   -(lx)(my)-'

      expectObservable(source.pipe(lossAndAcc())).toBe(expected, {
        l: store('step_loss', 0.9, a),
        x: store('acc', 0.5, a),
        m: store('step_loss', 0.7, b),
        y: store('acc', 0.75, b),
      })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('stops at an early unsubscribe and unsubscribes from the source once', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a---b---|', { a, b })
      const subs = '       ^---!'
      const expected = '   -(lx)'

      expectObservable(source.pipe(lossAndAcc()), subs).toBe(expected, { l: store('step_loss', 0.9, a), x: store('acc', 0.5, a) })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  // A plain RxJS operator among them takes the connect-and-merge path instead of the fused one.
  describe('with an operator not built by metricOperator', () => {
    const lossX2: OperatorFunction<TrainingStep, Metric> = map((s) => store('loss_x2', s.loss * 2, s))

    it('still subscribes to the source once and keeps each step’s metrics in the order given', () => {
      testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-a---b---|', { a, b })
        const subs = '       ^--------!'
        const expected = '   -(dl)(em)|'

        expectObservable(source.pipe(mergeMetrics(lossX2, stepLoss()))).toBe(expected, {
          d: store('loss_x2', 1.8, a),
          l: store('step_loss', 0.9, a),
          e: store('loss_x2', 1.4, b),
          m: store('step_loss', 0.7, b),
        })
        expectSubscriptions(source.subscriptions).toBe(subs)
      })
    })

    it('errors with what the plain operator throws, and unsubscribes from the source', () => {
      testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const error = new Error('loss is NaN')
        const failing: OperatorFunction<TrainingStep, Metric> = map((s) => {
          if (s.step === 2) throw error
          return store('loss_x2', s.loss * 2, s)
        })
        const source = cold('-a---b---|', { a, b })
        const subs = '       ^----!'
        const expected = '   -(ld)(m#)'

        expectObservable(source.pipe(mergeMetrics(stepLoss(), failing))).toBe(
          expected,
          { l: store('step_loss', 0.9, a), d: store('loss_x2', 1.8, a), m: store('step_loss', 0.7, b) },
          error,
        )
        expectSubscriptions(source.subscriptions).toBe(subs)
      })
    })

    it('errors at subscription, without subscribing to the source, when an operator throws as it is applied', () => {
      testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const error = new Error('bad operator')
        const broken: OperatorFunction<TrainingStep, Metric> = () => {
          throw error
        }
        const source = cold('-a---|', { a })
        const expected = '   #'

        expectObservable(source.pipe(mergeMetrics(stepLoss(), broken))).toBe(expected, undefined, error)
        expectSubscriptions(source.subscriptions).toBe([])
      })
    })

    it('stops at an early unsubscribe and unsubscribes from the source once', () => {
      testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-a---b---|', { a, b })
        const subs = '       ^---!'
        const expected = '   -(dl)'

        expectObservable(source.pipe(mergeMetrics(lossX2, stepLoss())), subs).toBe(expected, {
          d: store('loss_x2', 1.8, a),
          l: store('step_loss', 0.9, a),
        })
        expectSubscriptions(source.subscriptions).toBe(subs)
      })
    })
  })
})
