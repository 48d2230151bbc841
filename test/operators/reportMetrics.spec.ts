import { expect } from 'chai'
import { map, type OperatorFunction } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { ConfigError, MissingMetricError } from '../../lib/errors.js'
import type { MetricsClient } from '../../lib/metrics/client.js'
import { memoryClient } from '../../lib/metrics/memory.js'
import type { Metric, TrainingStep } from '../../lib/step.js'
import { customMetrics } from '../../operators/customMetrics.js'
import { reportMetrics } from '../../operators/reportMetrics.js'
import { stepLoss } from '../../operators/stepLoss.js'
import { makeStep } from '../support/steps.js'

const a = makeStep({ step: 1, timeMs: 1, loss: 0.5, metrics: { acc: 0.25 } })
const b = makeStep({ step: 2, timeMs: 3, loss: 0.25, metrics: { acc: 0.75 } })

/** A plain RxJS operator (not built with metricOperator), to take the connect + merge path. */
const plainLoss: OperatorFunction<TrainingStep, Metric> = map((s) => ({
  kind: 'store',
  name: 'plain_loss',
  value: s.loss,
  tags: undefined,
  step: s.step,
  timeMs: s.timeMs,
}))

describe('reportMetrics', () => {
  let testScheduler: TestScheduler

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected)
    })
  })

  it('throws ConfigError at creation when given no operator', () => {
    expect(() => reportMetrics(memoryClient())).to.throw(ConfigError, 'reportMetrics: give at least one metric operator')
  })

  for (const [path, ops] of [
    ['fused', () => [stepLoss(), customMetrics(['acc'])]],
    ['connect + merge', () => [plainLoss, customMetrics(['acc'])]],
  ] as const) {
    describe(`(${path})`, () => {
      const lossName = path === 'fused' ? 'step_loss' : 'plain_loss'

      it('emits nothing for a source that never emits', () => {
        const client = memoryClient()
        testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
          const source = cold<TrainingStep>('-')
          expectObservable(source.pipe(reportMetrics(client, ...ops()))).toBe('-')
          expectSubscriptions(source.subscriptions).toBe('^')
        })
        expect(client.received).to.equal(0)
      })

      it('completes for an empty source', () => {
        const client = memoryClient()
        testScheduler.run(({ cold, expectObservable }) => {
          expectObservable(cold<TrainingStep>('|').pipe(reportMetrics(client, ...ops()))).toBe('|')
        })
        expect(client.received).to.equal(0)
      })

      it('passes each step on, after sending its metrics, subscribing to the steps once', () => {
        const client = memoryClient()
        const seenAtStep: number[] = []
        testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
          const source = cold('-a-b|', { a, b })
          const subs = '       ^---!'
          const out = source.pipe(
            reportMetrics(client, ...ops()),
            map((s) => {
              seenAtStep.push(client.received)
              return s
            }),
          )
          expectObservable(out).toBe('-a-b|', { a, b })
          expectSubscriptions(source.subscriptions).toBe(subs)
        })
        expect(seenAtStep).to.deep.equal([2, 4])
        expect(client.metrics.map((m) => [m.name, m.value])).to.deep.equal([
          [lossName, 0.5],
          ['acc', 0.25],
          [lossName, 0.25],
          ['acc', 0.75],
        ])
      })

      it('errors with a missing metric, naming it, and unsubscribes', () => {
        const client = memoryClient()
        const c = makeStep({ step: 3, timeMs: 5, metrics: {} })
        testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
          const source = cold('-a-c-b|', { a, c })
          expectObservable(source.pipe(reportMetrics(client, ...ops()))).toBe(
            '-a-#',
            { a },
            new MissingMetricError('acc', 3, []),
          )
          expectSubscriptions(source.subscriptions).toBe('^--!')
        })
      })

      it('errors with what the client throws', () => {
        const error = new Error('socket closed')
        const client: MetricsClient = {
          emitCounter: () => {},
          emitTimer: () => {},
          emitStore: () => {
            throw error
          },
          flush: async () => {},
          close: async () => {},
        }
        testScheduler.run(({ cold, expectObservable }) => {
          expectObservable(cold('-a|', { a }).pipe(reportMetrics(client, ...ops()))).toBe('-#', undefined, error)
        })
      })

      it('passes on an error from the source', () => {
        const client = memoryClient()
        testScheduler.run(({ cold, expectObservable }) => {
          expectObservable(cold('-a#', { a }).pipe(reportMetrics(client, ...ops()))).toBe('-a#', { a })
        })
        expect(client.received).to.equal(2)
      })

      it('stops at an early unsubscribe', () => {
        const client = memoryClient()
        testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
          const source = hot('-a-b-a-b', { a, b })
          const subs = '      ^--!'
          expectObservable(source.pipe(reportMetrics(client, ...ops())), subs).toBe('-a--', { a })
          expectSubscriptions(source.subscriptions).toBe(subs)
        })
        expect(client.received).to.equal(2)
      })
    })
  }
})
