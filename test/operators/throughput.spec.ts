import { expect } from 'chai'
import { TestScheduler } from 'rxjs/testing'
import { ConfigError } from '../../lib/errors.js'
import type { Metric, Tags, TrainingStep } from '../../lib/step.js'
import { throughput } from '../../operators/throughput.js'
import { makeStep } from '../support/steps.js'

function store(name: string, value: number, s: TrainingStep, tags?: Tags): Metric {
  return { kind: 'store', name, value, tags, step: s.step, timeMs: s.timeMs }
}

describe('throughput', () => {
  let testScheduler: TestScheduler

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected)
    })
  })

  it('throws ConfigError at creation for a windowSize below 2 or not an integer, or availableFlops <= 0', () => {
    expect(() => throughput({ windowSize: 1 })).to.throw(ConfigError, 'throughput: windowSize must be an integer >= 2, got 1')
    expect(() => throughput({ windowSize: 0 })).to.throw(ConfigError, 'got 0')
    expect(() => throughput({ windowSize: 2.5 })).to.throw(ConfigError, 'got 2.5')
    expect(() => throughput({ windowSize: NaN })).to.throw(ConfigError, 'got NaN')
    expect(() => throughput({ availableFlops: 0 })).to.throw(ConfigError, 'throughput: availableFlops must be > 0, got 0')
    expect(() => throughput({ windowSize: 2 })).not.to.throw()
  })

  it('emits nothing for a source that never emits', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<TrainingStep>('-')
      const subs = '                     ^'
      const expected = '                 -'

      expectObservable(source.pipe(throughput({ windowSize: 2 }))).toBe(expected)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('completes at once for an empty source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<TrainingStep>('|')
      const subs = '                     (^!)'
      const expected = '                 |'

      expectObservable(source.pipe(throughput({ windowSize: 2 }))).toBe(expected)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('emits nothing for one step: the window is not full', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const a = makeStep({ step: 1, timeMs: 1 })
      const source = cold('-a|', { a })
      const expected = '   --|'

      expectObservable(source.pipe(throughput({ windowSize: 2 }))).toBe(expected)
    })
  })

  it('emits batches_per_sec and samples_per_sec over the window once it is full, then slides it', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = makeStep({ step: 1, timeMs: 1, batchSize: 10 })
      const b = makeStep({ step: 2, timeMs: 5, batchSize: 20 })
      const c = makeStep({ step: 3, timeMs: 9, batchSize: 30 })
      const d = makeStep({ step: 4, timeMs: 13, batchSize: 40 })
      const source = cold('-a---b---c---d---|', { a, b, c, d })
      const subs = '       ^----------------!'
      const expected = '   ---------(bs)(ct)|'

      expectObservable(source.pipe(throughput({ windowSize: 3 }))).toBe(expected, {
        // window a..c: 2 batches and b's + c's 50 samples in 0.008 s
        b: store('throughput.batches_per_sec', 250, c),
        s: store('throughput.samples_per_sec', 6250, c),
        // window b..d: 2 batches and c's + d's 70 samples in 0.008 s
        c: store('throughput.batches_per_sec', 250, d),
        t: store('throughput.samples_per_sec', 8750, d),
      })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('with items, flopsPerBatch and availableFlops, also emits items_per_sec, flops_per_sec and mfu', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const tags = { model_name: 'gpt' }
      const a = makeStep({ step: 1, timeMs: 1, metrics: { tokens: 100 } })
      const b = makeStep({ step: 2, timeMs: 9, metrics: { tokens: 200 } })
      const c = makeStep({ step: 3, timeMs: 17, metrics: { tokens: 300 } })
      const d = makeStep({ step: 4, timeMs: 25, metrics: { tokens: 400 } })
      const source = cold('-a-------b-------c-------d------|', { a, b, c, d })
      const expected = '   -----------------(bsifm)-(BSIFM)|'

      const options = {
        windowSize: 3,
        batchSize: 8, // wins over each step's batchSize of 32
        items: (s: TrainingStep) => s.metrics.tokens!,
        flopsPerBatch: (s: TrainingStep) => s.metrics.tokens! * 1e6,
        availableFlops: 1e12,
        prefix: 'tp/',
        tags,
      }
      // Each window spans 0.016 s and holds 2 batches of 8 samples after its first step.
      expectObservable(source.pipe(throughput(options))).toBe(expected, {
        b: store('tp/batches_per_sec', 125, c, tags),
        s: store('tp/samples_per_sec', 1000, c, tags),
        i: store('tp/items_per_sec', 31_250, c, tags), // (200 + 300) / 0.016
        f: store('tp/flops_per_sec', 3.125e10, c, tags), // 5e8 / 0.016
        m: store('tp/mfu', 0.03125, c, tags), // 3.125e10 / 1e12
        B: store('tp/batches_per_sec', 125, d, tags),
        S: store('tp/samples_per_sec', 1000, d, tags),
        I: store('tp/items_per_sec', 43_750, d, tags), // (300 + 400) / 0.016
        F: store('tp/flops_per_sec', 4.375e10, d, tags), // 7e8 / 0.016
        M: store('tp/mfu', 0.04375, d, tags),
      })
    })
  })

  it('takes flopsPerBatch as a number, and emits no items_per_sec without items', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const a = makeStep({ step: 1, timeMs: 1, batchSize: 4 })
      const b = makeStep({ step: 2, timeMs: 3, batchSize: 8 })
      const source = cold('-a-b-----|', { a, b })
      const expected = '   ---(bsfm)|'

      const options = { windowSize: 2, flopsPerBatch: 4e9, availableFlops: 1e12 }
      // window a..b: 1 batch of 8 samples and 4e9 FLOPs in 0.002 s
      expectObservable(source.pipe(throughput(options))).toBe(expected, {
        b: store('throughput.batches_per_sec', 500, b),
        s: store('throughput.samples_per_sec', 4000, b),
        f: store('throughput.flops_per_sec', 2e12, b),
        m: store('throughput.mfu', 2, b),
      })
    })
  })

  it('emits nothing for a window that spans no time', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const a = makeStep({ step: 1, timeMs: 1 })
      const b = makeStep({ step: 2, timeMs: 1 })
      const c = makeStep({ step: 3, timeMs: 1 })
      const d = makeStep({ step: 4, timeMs: 6, batchSize: 40 })
      const source = cold('-(abc)d---|', { a, b, c, d })
      const expected = '   ------(bs)|'

      // window b..d: 2 batches and c's + d's 72 samples in 0.005 s
      expectObservable(source.pipe(throughput({ windowSize: 3 }))).toBe(expected, {
        b: store('throughput.batches_per_sec', 400, d),
        s: store('throughput.samples_per_sec', 14_400, d),
      })
    })
  })

  it('errors with what items throws', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new Error('no tokens')
      const a = makeStep({ step: 1, timeMs: 1, batchSize: 4 })
      const b = makeStep({ step: 2, timeMs: 3, batchSize: 4 })
      const c = makeStep({ step: 3, timeMs: 8, batchSize: 4 })
      const items = (s: TrainingStep) => {
        if (s.step === 3) throw error
        return 10
      }
      const source = cold('-a-b----c--|', { a, b, c })
      const subs = '       ^-------!'
      const expected = '   ---(bsi)#'

      expectObservable(source.pipe(throughput({ windowSize: 2, items }))).toBe(
        expected,
        {
          b: store('throughput.batches_per_sec', 500, b),
          s: store('throughput.samples_per_sec', 2000, b),
          i: store('throughput.items_per_sec', 5000, b),
        },
        error,
      )
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('errors with what flopsPerBatch throws', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new Error('unknown model size')
      const a = makeStep({ step: 1, timeMs: 1 })
      const source = cold('-a--|', { a })
      const subs = '       ^!'
      const expected = '   -#'

      const flopsPerBatch = () => {
        throw error
      }
      expectObservable(source.pipe(throughput({ windowSize: 2, flopsPerBatch }))).toBe(expected, undefined, error)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('passes on an error from the source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new Error('fit failed')
      const a = makeStep({ step: 1, timeMs: 1, batchSize: 4 })
      const b = makeStep({ step: 2, timeMs: 3, batchSize: 4 })
      const source = cold('-a-b---#', { a, b }, error)
      const subs = '       ^------!'
      const expected = '   ---(bs)#'

      expectObservable(source.pipe(throughput({ windowSize: 2 }))).toBe(
        expected,
        { b: store('throughput.batches_per_sec', 500, b), s: store('throughput.samples_per_sec', 2000, b) },
        error,
      )
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('keeps emitting for a source that never ends', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = makeStep({ step: 1, timeMs: 1, batchSize: 4 })
      const b = makeStep({ step: 2, timeMs: 3, batchSize: 4 })
      const c = makeStep({ step: 3, timeMs: 7, batchSize: 4 })
      const source = cold('-a-b---c-----', { a, b, c })
      const subs = '       ^'
      const expected = '   ---(bs)(ct)-'

      expectObservable(source.pipe(throughput({ windowSize: 2 }))).toBe(expected, {
        b: store('throughput.batches_per_sec', 500, b), // 1 batch in 0.002 s
        s: store('throughput.samples_per_sec', 2000, b),
        c: store('throughput.batches_per_sec', 250, c), // 1 batch in 0.004 s
        t: store('throughput.samples_per_sec', 1000, c),
      })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('stops at an early unsubscribe and unsubscribes from the source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = makeStep({ step: 1, timeMs: 1, batchSize: 4 })
      const b = makeStep({ step: 2, timeMs: 3, batchSize: 4 })
      const c = makeStep({ step: 3, timeMs: 7, batchSize: 4 })
      const source = cold('-a-b---c--|', { a, b, c })
      const subs = '       ^-----!'
      const expected = '   ---(bs)'

      expectObservable(source.pipe(throughput({ windowSize: 2 })), subs).toBe(expected, {
        b: store('throughput.batches_per_sec', 500, b),
        s: store('throughput.samples_per_sec', 2000, b),
      })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })
})
