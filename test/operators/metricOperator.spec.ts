import { expect } from 'chai'
import { of, take } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import type { Metric, TrainingStep } from '../../lib/step.js'
import { metricOperator, stepHandlerOf, type StepHandler } from '../../operators/metricOperator.js'
import { makeStep } from '../support/steps.js'

function store(name: string, value: number, s: TrainingStep): Metric {
  return { kind: 'store', name, value, tags: undefined, step: s.step, timeMs: s.timeMs }
}

/** The doc comment's example: the change in loss since the previous step, state per subscription. */
const lossDelta = () =>
  metricOperator((emit) => {
    let last = NaN
    return (s) => {
      if (!Number.isNaN(last)) emit('store', 'loss_delta', s.loss - last, undefined, s)
      last = s.loss
    }
  })

describe('metricOperator', () => {
  let testScheduler: TestScheduler

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected)
    })
  })

  const a = makeStep({ step: 1, timeMs: 1, loss: 1 })
  const b = makeStep({ step: 2, timeMs: 3, loss: 0.75 })
  const c = makeStep({ step: 3, timeMs: 6, loss: 0.5 })

  it('carries its setup, so mergeMetrics can fuse it; a plain operator has none', () => {
    const setup = (): StepHandler => () => {}
    expect(stepHandlerOf(metricOperator(setup))).to.equal(setup)
    expect(stepHandlerOf((source) => source as never)).to.equal(undefined)
  })

  it('emits nothing for a source that never emits', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<TrainingStep>('-')
      const subs = '                     ^'
      const expected = '                 -'

      expectObservable(source.pipe(lossDelta())).toBe(expected)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('completes at once for an empty source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<TrainingStep>('|')
      const subs = '                     (^!)'
      const expected = '                 |'

      expectObservable(source.pipe(lossDelta())).toBe(expected)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('emits what the handler emits for one step', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const source = cold('-a---|', { a })
      const expected = '   -(xy)|'

      const both = metricOperator((emit) => (s) => {
        emit('store', 'x', s.loss, undefined, s)
        emit('store', 'y', s.step, undefined, s)
      })
      expectObservable(source.pipe(both)).toBe(expected, { x: store('x', 1, a), y: store('y', 1, a) })
    })
  })

  it('keeps the handler’s state across steps', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b--c|', { a, b, c })
      const subs = '       ^------!'
      const expected = '   ---x--y|'

      expectObservable(source.pipe(lossDelta())).toBe(expected, {
        x: store('loss_delta', -0.25, b),
        y: store('loss_delta', -0.25, c),
      })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('calls setup once per subscription, so each subscription starts fresh', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const source = hot('-a-b--c|', { a, b, c })
      const late = '      --^'
      const expected1 = ' ---x--y|'
      const expected2 = ' ------y|'

      const delta = lossDelta()
      const y = store('loss_delta', -0.25, c)
      expectObservable(source.pipe(delta)).toBe(expected1, { x: store('loss_delta', -0.25, b), y })
      // Subscribed after a, it has no previous loss at b.
      expectObservable(source.pipe(delta), late).toBe(expected2, { y })
    })
  })

  it('errors with what the handler throws, after what it emitted for that step', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new Error('loss is NaN')
      const source = cold('-a---b---|', { a, b })
      const subs = '       ^----!'
      const expected = '   -(xy)(z#)'

      const failing = metricOperator((emit) => (s) => {
        emit('store', 'x', s.step, undefined, s)
        if (s.step === 2) throw error
        emit('store', 'y', s.step, undefined, s)
      })
      expectObservable(source.pipe(failing)).toBe(expected, { x: store('x', 1, a), y: store('y', 1, a), z: store('x', 2, b) }, error)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('errors with what setup throws, at subscription', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new Error('no state')
      const source = cold('-a|', { a })
      const expected = '   #'

      const failing = metricOperator(() => {
        throw error
      })
      expectObservable(source.pipe(failing)).toBe(expected, undefined, error)
      expectSubscriptions(source.subscriptions).toBe([])
    })
  })

  it('passes on an error from the source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new Error('fit failed')
      const source = cold('-a-b-#', { a, b }, error)
      const subs = '       ^----!'
      const expected = '   ---x-#'

      expectObservable(source.pipe(lossDelta())).toBe(expected, { x: store('loss_delta', -0.25, b) }, error)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('keeps emitting for a source that never ends', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b--c-', { a, b, c })
      const subs = '       ^'
      const expected = '   ---x--y-'

      expectObservable(source.pipe(lossDelta())).toBe(expected, {
        x: store('loss_delta', -0.25, b),
        y: store('loss_delta', -0.25, c),
      })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('stops at an early unsubscribe and unsubscribes from the source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b--c|', { a, b, c })
      const subs = '       ^----!'
      const expected = '   ---x-'

      expectObservable(source.pipe(lossDelta()), subs).toBe(expected, { x: store('loss_delta', -0.25, b) })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })
  it('calls the handler no more once it threw or was unsubscribed, even from a synchronous source', () => {
    let calls = 0
    const counting = (fail: boolean) =>
      metricOperator((emit) => (s) => {
        calls++
        if (fail) throw new Error('boom')
        emit('store', 'x', s.step, undefined, s)
      })

    let error: unknown
    of(a, b, c).pipe(counting(true)).subscribe({ error: (err) => (error = err) })
    expect(String(error)).to.equal('Error: boom')
    expect(calls).to.equal(1)

    calls = 0
    const seen: Metric[] = []
    of(a, b, c).pipe(counting(false), take(1)).subscribe((m) => seen.push(m))
    expect(seen).to.deep.equal([store('x', 1, a)])
    expect(calls).to.equal(1)
  })
})
