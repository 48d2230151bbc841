import { expect } from 'chai'
import { of } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { ConfigError, MissingMetricError } from '../../lib/errors.js'
import type { Metric, Tags, TrainingStep } from '../../lib/step.js'
import { customMetrics, type MetricSelectors } from '../../operators/customMetrics.js'
import { makeStep } from '../support/steps.js'

function store(name: string, value: number, s: TrainingStep, tags?: Tags): Metric {
  return { kind: 'store', name, value, tags, step: s.step, timeMs: s.timeMs }
}

describe('customMetrics', () => {
  let testScheduler: TestScheduler

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected)
    })
  })

  const a = makeStep({ step: 1, timeMs: 1, loss: 0.9, metrics: { acc: 0.5, mse: 0.25 } })
  const b = makeStep({ step: 2, timeMs: 5, loss: 0.7, metrics: { acc: 0.75, mse: 0.125 } })

  it('throws ConfigError at creation for no metric, or a selector that is not a function', () => {
    expect(() => customMetrics([])).to.throw(ConfigError, 'customMetrics: the metric list is empty')
    expect(() => customMetrics({})).to.throw(ConfigError, 'customMetrics: the metric list is empty')
    expect(() => customMetrics({ acc: 0.5 } as unknown as MetricSelectors)).to.throw(
      ConfigError,
      "customMetrics: metric 'acc' must be a name or a function of the step",
    )
  })

  it('emits nothing for a source that never emits', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<TrainingStep>('-')
      const subs = '                     ^'
      const expected = '                 -'

      expectObservable(source.pipe(customMetrics(['acc']))).toBe(expected)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('completes at once for an empty source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<TrainingStep>('|')
      const subs = '                     (^!)'
      const expected = '                 |'

      expectObservable(source.pipe(customMetrics(['acc']))).toBe(expected)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('emits one store for one step and one name', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|', { a })
      const subs = '       ^-!'
      const expected = '   -x|'

      expectObservable(source.pipe(customMetrics(['acc']))).toBe(expected, { x: store('acc', 0.5, a) })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('emits a store per named metric per step, in the order given', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a---b---|', { a, b })
      const subs = '       ^--------!'
      const expected = '   -(mx)(ny)|'

      expectObservable(source.pipe(customMetrics(['mse', 'acc']))).toBe(expected, {
        m: store('mse', 0.25, a),
        x: store('acc', 0.5, a),
        n: store('mse', 0.125, b),
        y: store('acc', 0.75, b),
      })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('emits a store per selector per step, with the given tags', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const tags = { model_name: 'mnist' }
      const selectors = { loss_x2: (s: TrainingStep) => s.loss * 2, error_rate: (s: TrainingStep) => 1 - s.metrics.acc! }
      const source = cold('-a---b---|', { a, b })
      const expected = '   -(le)(mf)|'

      expectObservable(source.pipe(customMetrics(selectors, { tags }))).toBe(expected, {
        l: store('loss_x2', 1.8, a, tags),
        e: store('error_rate', 0.5, a, tags),
        m: store('loss_x2', 1.4, b, tags),
        f: store('error_rate', 0.25, b, tags),
      })
    })
  })

  it('errors with MissingMetricError naming the metric and the step when a step lacks a named metric', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const noAcc = makeStep({ step: 2, timeMs: 3, metrics: { mse: 0.1 } })
      const source = cold('-a-b-|', { a, b: noAcc })
      const subs = '       ^--!'
      const expected = '   -x-#'

      // chai compares errors by name and message
      const error = new MissingMetricError('acc', 2, ['mse'])
      expectObservable(source.pipe(customMetrics(['acc']))).toBe(expected, { x: store('acc', 0.5, a) }, error)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })

    let error: unknown
    of(makeStep({ step: 7, metrics: { mse: 0.1, auc: 0.9 } }))
      .pipe(customMetrics(['acc']))
      .subscribe({ error: (err) => (error = err) })
    expect(error).to.be.instanceOf(MissingMetricError)
    expect(error).to.include({ metric: 'acc', step: 7, message: "step 7 has no metric 'acc' (it has: mse, auc)" })
  })

  it('errors with what a selector throws, after the stores before it in that step', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new Error('no accuracy yet')
      const selectors = {
        loss: (s: TrainingStep) => s.loss,
        acc: (s: TrainingStep) => {
          if (s.step === 2) throw error
          return s.metrics.acc!
        },
      }
      const source = cold('-a---b---|', { a, b })
      const subs = '       ^----!'
      const expected = '   -(lx)(m#)'

      expectObservable(source.pipe(customMetrics(selectors))).toBe(
        expected,
        { l: store('loss', 0.9, a), x: store('acc', 0.5, a), m: store('loss', 0.7, b) },
        error,
      )
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('passes on an error from the source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new Error('fit failed')
      const source = cold('-a-#', { a }, error)
      const subs = '       ^--!'
      const expected = '   -x-#'

      expectObservable(source.pipe(customMetrics(['acc']))).toBe(expected, { x: store('acc', 0.5, a) }, error)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('keeps emitting for a source that never ends', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a---b--', { a, b })
      const subs = '       ^'
      const expected = '   -x---y--'

      expectObservable(source.pipe(customMetrics(['acc']))).toBe(expected, {
        x: store('acc', 0.5, a),
        y: store('acc', 0.75, b),
      })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('stops at an early unsubscribe and unsubscribes from the source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a---b---|', { a, b })
      const subs = '       ^---!'
      const expected = '   -x--'

      expectObservable(source.pipe(customMetrics(['acc'])), subs).toBe(expected, { x: store('acc', 0.5, a) })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('reads names that are not identifiers, quotes and line breaks included, as written', () => {
    const odd = ['it\'s "odd"', 'a\nb\u2028c', '__proto__x', '0']
    const s = makeStep({ step: 3, timeMs: 9, metrics: { [odd[0]!]: 1, [odd[1]!]: 2, [odd[2]!]: 3, [odd[3]!]: 4 } })
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-(a|)', { a: s }).pipe(customMetrics(odd))).toBe('-(wxyz|)', {
        w: store(odd[0]!, 1, s),
        x: store(odd[1]!, 2, s),
        y: store(odd[2]!, 3, s),
        z: store(odd[3]!, 4, s),
      })
    })
  })

  it('reads by key where the runtime forbids new Function (a strict Content-Security-Policy)', () => {
    const real = globalThis.Function
    globalThis.Function = function () {
      throw new EvalError('Code generation from strings disallowed for this context')
    } as unknown as FunctionConstructor
    let operator: ReturnType<typeof customMetrics>
    try {
      operator = customMetrics(['acc', 'mse'])
    } finally {
      globalThis.Function = real
    }
    const missing = makeStep({ step: 3, timeMs: 9, metrics: { acc: 1 } })
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-a---b', { a, b: missing }).pipe(operator)).toBe(
        '-(xy)(z#)',
        { x: store('acc', 0.5, a), y: store('mse', 0.25, a), z: store('acc', 1, missing) },
        new MissingMetricError('mse', 3, ['acc']),
      )
    })
  })
})
