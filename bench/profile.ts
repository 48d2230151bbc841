import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { lastValueFrom, Observable, type MonoTypeOperatorFunction } from 'rxjs'
import { profileWindow, type TrainingStep } from '../index.js'
import type { Row } from './report.js'
import { syntheticSteps } from './steps.js'

const OUTSIDE_STEPS = 1_000_000
const INSIDE_STEPS = 100_000

/** What any pass-through operator costs: one subscriber forwarding each step. */
const forward: MonoTypeOperatorFunction<TrainingStep> = (source) =>
  new Observable<TrainingStep>((subscriber) => source.subscribe(subscriber))

async function nsPerStep(steps: number, operator: () => MonoTypeOperatorFunction<TrainingStep>): Promise<number> {
  const t0 = process.hrtime.bigint()
  // lastValueFrom waits for the window's dump too, when there is one.
  await lastValueFrom(syntheticSteps(steps).pipe(operator()))
  return Number(process.hrtime.bigint() - t0) / steps
}

/** profileWindow's per-step cost outside a window (against a bare forwarding operator) and inside one. */
export async function benchProfile(): Promise<Row[]> {
  const logdir = mkdtempSync(join(tmpdir(), 'rxtrain-bench-profile-'))
  try {
    const idle = () => profileWindow({ logdir, initStepRange: [1e12] })
    const bare = () => forward
    await nsPerStep(OUTSIDE_STEPS, idle)
    await nsPerStep(OUTSIDE_STEPS, bare)
    // Alternate, keep the best of five each, so neither gets the warmer machine.
    const idleNs: number[] = []
    const bareNs: number[] = []
    for (let i = 0; i < 5; i++) {
      idleNs.push(await nsPerStep(OUTSIDE_STEPS, idle))
      bareNs.push(await nsPerStep(OUTSIDE_STEPS, bare))
    }
    const outside = Math.min(...idleNs)
    const base = Math.min(...bareNs)
    const inside = await nsPerStep(INSIDE_STEPS, () => profileWindow({ logdir, initStepRange: [0, INSIDE_STEPS + 1] }))
    return [
      {
        name: 'profileWindow outside a window: added ns/step, 1e6 steps',
        figure: outside - base,
        unit: 'ns/step',
        target: { on: 'figure', op: '<=', value: 50 },
      },
      { name: 'profileWindow outside a window: ns/step', figure: outside, unit: 'ns/step', baselineName: 'forwarding operator', baseline: base },
      {
        name: 'profileWindow inside one window of 1e5 steps (CPU profile, trace, counters, dump)',
        figure: inside,
        unit: 'ns/step',
        baselineName: 'forwarding operator',
        baseline: base,
      },
    ]
  } finally {
    rmSync(logdir, { recursive: true, force: true })
  }
}
