import { expect } from 'chai'
import { ConfigError } from '../../lib/errors.js'
import { ACTIVE, WARMUP, windowPlan, type WindowOptions } from '../../lib/profile/plan.js'

/** The windows a plan opens over `steps` steps, as [start, end) step ranges; `msPerStep` drives the clock. */
function windows(options: WindowOptions, steps: number, msPerStep = 1): [number, number][] {
  const plan = windowPlan('test', options)(0)
  const out: [number, number][] = []
  let open: [number, number] | undefined
  for (let index = 0; index <= steps; index++) {
    const changed = plan.advance(index, index * msPerStep)
    if (!changed) continue
    if (open && (plan.state !== ACTIVE || plan.window !== out.length - 1)) {
      open[1] = index
      open = undefined
    }
    // A window opening after the last step covers nothing.
    if (plan.state === ACTIVE && open === undefined && index < steps) {
      open = [index, -1]
      out.push(open)
    }
  }
  if (open) open[1] = steps
  return out
}

/** The state of each step, as a string: `.` idle, `w` warmup, `A` active (a new window in upper case after a lower-case one). */
function states(options: WindowOptions, steps: number): string {
  const plan = windowPlan('test', options)(0)
  let s = ''
  for (let index = 0; index < steps; index++) {
    plan.advance(index, index)
    s += plan.state === ACTIVE ? (plan.window % 2 === 0 ? 'A' : 'a') : plan.state === WARMUP ? 'w' : '.'
  }
  return s
}

describe('window plans', () => {
  describe('the seed ranges', () => {
    it('covers [0, 10) as the first ten steps, then opens at step 30 and 60 with saveSteps 30', () => {
      expect(windows({ initStepRange: [0, 10], saveSteps: 30 }, 75)).to.deep.equal([
        [0, 10],
        [30, 40],
        [60, 70],
      ])
    })

    it('captures once with neither saveSteps nor saveSecs', () => {
      expect(windows({ initStepRange: [3, 6] }, 1000)).to.deep.equal([[3, 6]])
    })

    it('gives a range without an end 10 steps', () => {
      expect(windows({ initStepRange: [4] }, 100)).to.deep.equal([[4, 14]])
    })

    it('defers an unknown start to step 500, window length 10', () => {
      expect(windows({}, 2000)).to.deep.equal([[500, 510]])
      expect(windows({ saveSteps: 700 }, 1300)).to.deep.equal([
        [500, 510],
        [1200, 1210],
      ])
    })

    it('counts saveSteps from each window start', () => {
      expect(windows({ initStepRange: [2, 5], saveSteps: 10 }, 40)).to.deep.equal([
        [2, 5],
        [12, 15],
        [22, 25],
        [32, 35],
      ])
    })

    it('opens a window every saveSecs of the clock, counted from the run start, then each window start', () => {
      // 100 ms per step, a window every 0.5 s: steps 0, 5, 10, ...
      expect(windows({ initStepRange: [0, 2], saveSecs: 0.5 }, 16, 100)).to.deep.equal([
        [0, 2],
        [5, 7],
        [10, 12],
        [15, 16],
      ])
      // The run starts at 0 ms: with the first window at step 500 deferred, the clock opens one first.
      expect(windows({ saveSecs: 1 }, 25, 100)).to.deep.equal([
        [10, 20],
        [20, 25],
      ])
    })

    it('lets a due saveSecs window wait for the open window to close', () => {
      // 1 s per step, a window of 3 steps, every 2 s: each window runs its full length.
      expect(windows({ initStepRange: [0, 3], saveSecs: 2 }, 9, 1000)).to.deep.equal([
        [0, 3],
        [3, 6],
        [6, 9],
      ])
    })

    it('rejects the seed invalid ranges and timers with errors naming the option', () => {
      const bad = (options: WindowOptions) => () => windowPlan('profileWindow', options)
      expect(bad({ initStepRange: [10, 10] })).to.throw(ConfigError, 'profileWindow: initStepRange end (10) must be greater than its start (10)')
      expect(bad({ initStepRange: [10, 5] })).to.throw(ConfigError, 'end (5) must be greater than its start (10)')
      expect(bad({ initStepRange: [0, 10], saveSteps: 10 })).to.throw(ConfigError, "saveSteps (10) must be greater than the window's length (10 steps)")
      expect(bad({ saveSteps: 5 })).to.throw(ConfigError, "saveSteps (5) must be greater than the window's length (10 steps)")
      expect(bad({ saveSteps: 30, saveSecs: 1 })).to.throw(ConfigError, 'give saveSteps or saveSecs, not both')
      expect(bad({ initStepRange: [-1, 5] })).to.throw(ConfigError, 'initStepRange start must be an integer >= 0, got -1')
      expect(bad({ initStepRange: [1.5, 5] })).to.throw(ConfigError, 'got 1.5')
      expect(bad({ saveSecs: 0 })).to.throw(ConfigError, 'saveSecs must be a finite number > 0, got 0')
      expect(bad({ saveSteps: 20.5 })).to.throw(ConfigError, 'saveSteps must be an integer >= 0, got 20.5')
      expect(bad({ initStepRange: 5 as never })).to.throw(ConfigError, 'initStepRange must be [start, end], got 5')
    })
  })

  describe('the torch.profiler schedule', () => {
    it('skips skipFirst steps, then cycles wait, warmup, active, repeat times', () => {
      expect(states({ schedule: { skipFirst: 2, wait: 1, warmup: 1, active: 2, repeat: 2 } }, 14)).to.equal('...wAA.waa....')
    })

    it('repeats forever with repeat 0, and separates back-to-back cycles into windows', () => {
      expect(states({ schedule: { wait: 0, active: 2 } }, 8)).to.equal('AAaaAAaa')
      expect(windows({ schedule: { wait: 0, active: 2 } }, 6)).to.deep.equal([
        [0, 2],
        [2, 4],
        [4, 6],
      ])
    })

    it('rejects a schedule beside ranges, and bad counts', () => {
      expect(() => windowPlan('p', { schedule: { wait: 1, active: 1 }, saveSteps: 20 })).to.throw(ConfigError, 'give either schedule or initStepRange/saveSteps/saveSecs, not both')
      expect(() => windowPlan('p', { schedule: { wait: 1, active: 0 } })).to.throw(ConfigError, 'schedule.active must be an integer >= 1, got 0')
      expect(() => windowPlan('p', { schedule: { wait: -1, active: 1 } })).to.throw(ConfigError, 'schedule.wait must be an integer >= 0, got -1')
    })
  })
})
