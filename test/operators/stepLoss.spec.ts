import { expect } from 'chai'
import { TestScheduler } from 'rxjs/testing'
import type { Metric, Tags, TrainingStep } from '../../lib/step.js'
import { stepLoss } from '../../operators/stepLoss.js'
import { makeStep } from '../support/steps.js'

/** The `step_loss` store stepLoss should make of `s`. */
function lossOf(s: TrainingStep, tags?: Tags): Metric {
  return { kind: 'store', name: 'step_loss', value: s.loss, tags, step: s.step, timeMs: s.timeMs }
}

describe('stepLoss', () => {
  let testScheduler: TestScheduler

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected)
    })
  })

  // Steps carry the frame they sit on as timeMs.
  const a = makeStep({ step: 1, timeMs: 1, loss: 0.9 })
  const b = makeStep({ step: 2, timeMs: 3, loss: 0.5 })
  const c = makeStep({ step: 3, timeMs: 6, loss: 0.25 })

  it('emits nothing for a source that never emits', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<TrainingStep>('-')
      const subs = '                     ^'
      const expected = '                 -'

      expectObservable(source.pipe(stepLoss())).toBe(expected)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('completes at once for an empty source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<TrainingStep>('|')
      const subs = '                     (^!)'
      const expected = '                 |'

      expectObservable(source.pipe(stepLoss())).toBe(expected)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('emits one step_loss store for one step, with its step and timeMs', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|', { a })
      const subs = '       ^-!'
      const expected = '   -x|'

      expectObservable(source.pipe(stepLoss())).toBe(expected, { x: lossOf(a) })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('emits a step_loss store per step, with that step’s loss', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b--c|', { a, b, c })
      const subs = '       ^------!'
      const expected = '   -x-y--z|'

      expectObservable(source.pipe(stepLoss())).toBe(expected, { x: lossOf(a), y: lossOf(b), z: lossOf(c) })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('puts the given tags on every store', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const tags = { model_name: 'mnist' }
      const source = cold('-a-b|', { a, b })
      const expected = '   -x-y|'

      expectObservable(source.pipe(stepLoss({ tags }))).toBe(expected, { x: lossOf(a, tags), y: lossOf(b, tags) })
    })
  })

  it('passes on an error from the source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new Error('fit failed')
      const source = cold('-a-#', { a }, error)
      const subs = '       ^--!'
      const expected = '   -x-#'

      expectObservable(source.pipe(stepLoss())).toBe(expected, { x: lossOf(a) }, error)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('keeps emitting for a source that never ends', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b--c-', { a, b, c })
      const subs = '       ^'
      const expected = '   -x-y--z-'

      expectObservable(source.pipe(stepLoss())).toBe(expected, { x: lossOf(a), y: lossOf(b), z: lossOf(c) })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('stops at an early unsubscribe and unsubscribes from the source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b--c|', { a, b, c })
      const subs = '       ^---!'
      const expected = '   -x-y'

      expectObservable(source.pipe(stepLoss()), subs).toBe(expected, { x: lossOf(a), y: lossOf(b) })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })
})
