import { expect } from 'chai'
import { TestScheduler } from 'rxjs/testing'
import { ConfigError } from '../../lib/errors.js'
import { stderrLogger } from '../../lib/log.js'
import { windowPlan, type WindowOptions } from '../../lib/profile/plan.js'
import { windowOperator, type WindowRecorder } from '../../lib/profile/windowOperator.js'
import type { TrainingStep } from '../../lib/step.js'
import { profileWindow } from '../../operators/profileWindow.js'
import { makeStep } from '../support/steps.js'

const a = makeStep({ step: 1 })
const b = makeStep({ step: 2 })
const c = makeStep({ step: 3 })
const d = makeStep({ step: 4 })
const e = makeStep({ step: 5 })
const steps = { a, b, c, d, e }

/** A recorder that notes each call as `open 0@1` (window 0 before step 1), `step 1`, `close@3 end`. */
function recording(log: string[], throwOn?: 'open' | 'step' | 'close'): () => WindowRecorder {
  return () => ({
    prepare: () => log.push('prepare'),
    open(window, index) {
      if (throwOn === 'open') throw new Error('open failed')
      log.push(`open ${window}@${index}`)
    },
    step(_s, index) {
      if (throwOn === 'step') throw new Error('step failed')
      log.push(`step ${index}`)
    },
    close(endIndex, reason) {
      if (throwOn === 'close') throw new Error('close failed')
      log.push(`close@${endIndex} ${reason}`)
    },
    dispose: () => log.push('dispose'),
  })
}

describe('profileWindow and the window operator', () => {
  let testScheduler: TestScheduler
  let log: string[]
  const windows = (options: WindowOptions, throwOn?: 'open' | 'step' | 'close') =>
    windowOperator('test', windowPlan('test', options), recording(log, throwOn), testScheduler, stderrLogger('silent'))

  const fresh = () =>
    new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected)
    })

  beforeEach(() => {
    log = []
    testScheduler = fresh()
  })

  it('throws ConfigError at creation for a missing logdir or bad window options', () => {
    expect(() => profileWindow({} as never)).to.throw(ConfigError, 'profileWindow: logdir must be a non-empty path, got undefined')
    expect(() => profileWindow({ logdir: 'x', initStepRange: [5, 2] })).to.throw(ConfigError, 'profileWindow: initStepRange end (2) must be greater than its start (5)')
    expect(() => profileWindow({ logdir: 'x', initStepRange: [0, 10], saveSteps: 3 })).to.throw(ConfigError, 'saveSteps (3)')
    expect(() => profileWindow({ logdir: 'x', samplingIntervalUs: 0 })).to.throw(ConfigError, 'samplingIntervalUs must be an integer > 0, got 0')
  })

  it('passes nothing on for a source that never emits, and opens a window starting at step 0 at once', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<TrainingStep>('-')
      expectObservable(source.pipe(windows({ initStepRange: [0, 2] })), '^ 9ms !').toBe('-')
      expectSubscriptions(source.subscriptions).toBe('^ 9ms !')
    })
    expect(log).to.deep.equal(['open 0@0', 'close@0 unsubscribe', 'dispose'])
  })

  it('completes at once for an empty source, with no empty window left behind', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<TrainingStep>('|')
      expectObservable(source.pipe(windows({ initStepRange: [0, 2] }))).toBe('|')
      expectSubscriptions(source.subscriptions).toBe('(^!)')
    })
    expect(log).to.deep.equal(['open 0@0', 'close@0 complete', 'dispose'])
  })

  it('passes one step on unchanged', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-a|', steps).pipe(windows({ initStepRange: [0, 1] }))).toBe('-a|', steps)
    })
    expect(log).to.deep.equal(['open 0@0', 'step 0', 'close@1 end', 'dispose'])
  })

  it('passes many steps on and opens each window before its first step, closing after its last', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('abcde|', steps).pipe(windows({ initStepRange: [1, 3] }))).toBe('abcde|', steps)
    })
    expect(log).to.deep.equal(['open 0@1', 'step 1', 'step 2', 'close@3 end', 'dispose'])
  })

  it('closes an open window when the stream completes, or errors, before its end', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('ab|', steps).pipe(windows({ initStepRange: [1, 5] }))).toBe('ab|', steps)
    })
    expect(log).to.deep.equal(['open 0@1', 'step 1', 'close@2 complete', 'dispose'])
    log = []
    testScheduler = fresh()
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('ab#', steps).pipe(windows({ initStepRange: [1, 5] }))).toBe('ab#', steps)
    })
    expect(log).to.deep.equal(['open 0@1', 'step 1', 'close@2 error', 'dispose'])
  })

  it('closes an open window on early unsubscribe, and unsubscribes from the source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c-d-|', steps)
      expectObservable(source.pipe(windows({ initStepRange: [1, 3] })), '^--!').toBe('a-b', steps)
      expectSubscriptions(source.subscriptions).toBe('^--!')
    })
    expect(log).to.deep.equal(['open 0@1', 'step 1', 'close@2 unsubscribe', 'dispose'])
  })

  it('opens windows by saveSecs in virtual time, from the scheduler', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      // One step per 10 ms; a one-step window every 25 ms of the clock.
      const source = cold('a 9ms b 9ms c 9ms d 9ms e|', steps)
      expectObservable(source.pipe(windows({ initStepRange: [0, 1], saveSecs: 0.025 }))).toBe('a 9ms b 9ms c 9ms d 9ms e|', steps)
    })
    // Window 0 covers step 0 (opened at 0 ms); the clock is next read due at 30 ms, after step 3: window 1 covers step 4.
    expect(log).to.deep.equal(['open 0@0', 'step 0', 'close@1 end', 'open 1@4', 'step 4', 'close@5 end', 'dispose'])
  })

  it('calls prepare on the schedule warmup, then opens', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('abcde|', steps).pipe(windows({ schedule: { wait: 1, warmup: 1, active: 2, repeat: 1 } }))).toBe('abcde|', steps)
    })
    expect(log).to.deep.equal(['prepare', 'open 0@2', 'step 2', 'step 3', 'close@4 end', 'dispose'])
  })

  it('errors the stream when the recorder throws on open, on a step or on close', () => {
    for (const throwOn of ['open', 'step', 'close'] as const) {
      testScheduler = fresh()
      testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('abcd|', steps)
        // open at index 1 fails after a passes; step 1 fails on b; close after c fails on the transition at index 3.
        const expected = { open: '(a#)', step: 'a#', close: 'ab(c#)' }[throwOn]
        const unsub = { open: '(^!)', step: '^!', close: '^-!' }[throwOn]
        expectObservable(source.pipe(windows({ initStepRange: [1, 3] }, throwOn))).toBe(expected, steps, new Error(`${throwOn} failed`))
        expectSubscriptions(source.subscriptions).toBe(unsub)
      })
    }
  })

  it('passes steps through unchanged when no window opens', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('abc|', steps).pipe(profileWindow({ logdir: '/nonexistent/never-written', initStepRange: [100, 110] }))).toBe('abc|', steps)
    })
  })
})
