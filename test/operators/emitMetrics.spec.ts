import { expect } from 'chai'
import { from, take } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import type { MetricsClient } from '../../lib/metrics/client.js'
import { memoryClient } from '../../lib/metrics/memory.js'
import type { Metric, TrainingStep } from '../../lib/step.js'
import { emitMetrics } from '../../operators/emitMetrics.js'
import { stepLoss } from '../../operators/stepLoss.js'
import { makeStep } from '../support/steps.js'

const tags = { model_name: 'mnist', cluster_type: 'stable' }
// Metrics carry the frame they sit on as timeMs.
const c: Metric = { kind: 'counter', name: 'run_steps.all', value: 3, tags, step: 3, timeMs: 1 }
const t: Metric = { kind: 'timer', name: 'run_steps_elapsed_time.all', value: 0.002, tags, step: 3, timeMs: 3 }
const s: Metric = { kind: 'store', name: 'step_loss', value: 0.25, tags: undefined, step: 4, timeMs: 6 }

describe('emitMetrics', () => {
  let testScheduler: TestScheduler

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected)
    })
  })

  it('emits and sends nothing for a source that never emits', () => {
    const client = memoryClient()
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<Metric>('-')
      const subs = '               ^'
      const expected = '           -'

      expectObservable(source.pipe(emitMetrics(client))).toBe(expected)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
    expect(client.received).to.equal(0)
  })

  it('completes at once and sends nothing for an empty source', () => {
    const client = memoryClient()
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<Metric>('|')
      const subs = '               (^!)'
      const expected = '           |'

      expectObservable(source.pipe(emitMetrics(client))).toBe(expected)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
    expect(client.received).to.equal(0)
  })

  it('sends one metric and passes it on', () => {
    const client = memoryClient()
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-c|', { c })
      const subs = '       ^-!'
      const expected = '   -c|'

      expectObservable(source.pipe(emitMetrics(client))).toBe(expected, { c })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
    expect(client.metrics).to.deep.equal([{ kind: 'counter', name: 'run_steps.all', value: 3, tags }])
  })

  it('sends counters, timers and stores to their own methods, values unchanged, and passes each on', () => {
    const client = memoryClient()
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-c-t--s|', { c, t, s })
      const subs = '       ^------!'
      const expected = '   -c-t--s|'

      expectObservable(source.pipe(emitMetrics(client))).toBe(expected, { c, t, s })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
    expect(client.metrics).to.deep.equal([
      { kind: 'counter', name: 'run_steps.all', value: 3, tags },
      { kind: 'timer', name: 'run_steps_elapsed_time.all', value: 0.002, tags },
      { kind: 'store', name: 'step_loss', value: 0.25, tags: undefined },
    ])
  })

  it('passes on the very metric objects it was given', () => {
    const seen: Metric[] = []
    testScheduler.run(({ cold, flush }) => {
      cold('-c-t--s|', { c, t, s })
        .pipe(emitMetrics(memoryClient()))
        .subscribe((m) => seen.push(m))
      flush()
    })
    expect(seen).to.have.length(3)
    expect(seen[0]).to.equal(c)
    expect(seen[1]).to.equal(t)
    expect(seen[2]).to.equal(s)
  })

  it('errors with what the client throws, having sent what came before', () => {
    const memory = memoryClient()
    const error = new Error('statsd socket closed')
    const client: MetricsClient = {
      emitCounter: (name, value, tags) => memory.emitCounter(name, value, tags),
      emitStore: (name, value, tags) => memory.emitStore(name, value, tags),
      emitTimer: () => {
        throw error
      },
      flush: () => memory.flush(),
      close: () => memory.close(),
    }
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-c-t--s|', { c, t, s })
      const subs = '       ^--!'
      const expected = '   -c-#'

      expectObservable(source.pipe(emitMetrics(client))).toBe(expected, { c }, error)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
    expect(memory.metrics).to.deep.equal([{ kind: 'counter', name: 'run_steps.all', value: 3, tags }])
  })

  it('passes on an error from the source', () => {
    const client = memoryClient()
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new Error('fit failed')
      const source = cold('-c-#', { c }, error)
      const subs = '       ^--!'
      const expected = '   -c-#'

      expectObservable(source.pipe(emitMetrics(client))).toBe(expected, { c }, error)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
    expect(client.values('run_steps.all')).to.deep.equal([3])
  })

  it('keeps sending for a source that never ends', () => {
    const client = memoryClient()
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-c-t--s-', { c, t, s })
      const subs = '       ^'
      const expected = '   -c-t--s-'

      expectObservable(source.pipe(emitMetrics(client))).toBe(expected, { c, t, s })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
    expect(client.received).to.equal(3)
  })

  it('stops sending at an early unsubscribe and unsubscribes from the source', () => {
    const client = memoryClient()
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-c-t--s|', { c, t, s })
      const subs = '       ^---!'
      const expected = '   -c-t'

      expectObservable(source.pipe(emitMetrics(client)), subs).toBe(expected, { c, t })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
    expect(client.metrics.map((m) => m.name)).to.deep.equal(['run_steps.all', 'run_steps_elapsed_time.all'])
  })
  it('sends nothing after an unsubscribe, even from a synchronous source', () => {
    const client = memoryClient()
    const seen: Metric[] = []
    from([c, t, s]).pipe(emitMetrics(client), take(1)).subscribe((m) => seen.push(m))
    expect(seen).to.deep.equal([c])
    expect(client.received).to.equal(1)
  })
})

describe('emitMetrics right after a metric operator (fused into its subscriber)', () => {
  let testScheduler: TestScheduler

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected)
    })
  })

  const a = makeStep({ step: 1, timeMs: 1, loss: 0.5 })
  const b = makeStep({ step: 2, timeMs: 3, loss: 0.25 })
  const loss = (x: TrainingStep): Metric => ({ kind: 'store', name: 'step_loss', value: x.loss, tags: undefined, step: x.step, timeMs: x.timeMs })

  it('sends each metric and passes it on, keeping the source subscription and its teardown', () => {
    const client = memoryClient()
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b|', { a, b })
      const subs = '       ^---!'
      const expected = '   -a-b|'

      expectObservable(source.pipe(stepLoss(), emitMetrics(client))).toBe(expected, { a: loss(a), b: loss(b) })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
    expect(client.values('step_loss')).to.deep.equal([0.5, 0.25])
  })

  it('errors with what the client throws and unsubscribes from the steps', () => {
    const error = new Error('client closed')
    const client: MetricsClient = {
      emitCounter: () => {},
      emitTimer: () => {},
      emitStore: (_name, value) => {
        if (value < 0.5) throw error
      },
      flush: async () => {},
      close: async () => {},
    }
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-a|', { a, b })
      const subs = '       ^--!'
      const expected = '   -a-#'

      expectObservable(source.pipe(stepLoss(), emitMetrics(client))).toBe(expected, { a: loss(a) }, error)
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
  })

  it('stops at an early unsubscribe', () => {
    const client = memoryClient()
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b-a-b', { a, b })
      const subs = '      ^--!'
      const expected = '  -a--'

      expectObservable(source.pipe(stepLoss(), emitMetrics(client)), subs).toBe(expected, { a: loss(a) })
      expectSubscriptions(source.subscriptions).toBe(subs)
    })
    expect(client.received).to.equal(1)
  })

  it('chains: two clients after one operator both receive every metric, in order', () => {
    const first = memoryClient()
    const second = memoryClient()
    testScheduler.run(({ cold, expectObservable }) => {
      const source = cold('-a-b|', { a, b })
      expectObservable(source.pipe(stepLoss(), emitMetrics(first), emitMetrics(second))).toBe('-a-b|', { a: loss(a), b: loss(b) })
    })
    expect(first.values('step_loss')).to.deep.equal([0.5, 0.25])
    expect(second.values('step_loss')).to.deep.equal([0.5, 0.25])
  })
})
