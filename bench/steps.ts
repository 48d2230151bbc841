import { map, Observable, type OperatorFunction } from 'rxjs'
import {
  customMetrics,
  emitMetrics,
  memoryClient,
  mergeMetrics,
  reportMetrics,
  stepLoss,
  throughputEvery,
  type TrainingStep,
} from '../index.js'
import type { Row } from './report.js'

const STEPS = 1_000_000

/** A synchronous stream of `n` synthetic steps, 1 ms apart, made as they are consumed. */
export function syntheticSteps(n: number): Observable<TrainingStep> {
  return new Observable<TrainingStep>((subscriber) => {
    for (let i = 1; i <= n && !subscriber.closed; i++) {
      subscriber.next({
        step: i,
        timeMs: i,
        epoch: 0,
        batch: i,
        batchSize: 32,
        loss: 1 / i,
        metrics: { acc: 0.5, mae: 0.1 },
        records: [],
      })
    }
    subscriber.complete()
  })
}

/** Nanoseconds per step of `pipeline` over STEPS steps: the best of `runs`. */
function nsPerStep(pipeline: () => OperatorFunction<TrainingStep, unknown>, runs: number): number {
  const times: number[] = []
  let sink = 0
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint()
    syntheticSteps(STEPS)
      .pipe(pipeline())
      .subscribe(() => sink++)
    times.push(Number(process.hrtime.bigint() - t0) / STEPS)
  }
  if (sink === 0) throw new Error('nothing ran')
  return Math.min(...times)
}

/** ns per step of the metric operators against a bare `map`, over 1e6 synthetic steps. */
export function benchSteps(): Row[] {
  const bare = () => map((s: TrainingStep) => s.loss)
  // The same operators, passing steps on instead of emitting metric events.
  const passThrough = () =>
    reportMetrics(memoryClient({ limit: 1024 }), stepLoss(), throughputEvery(30, { modelName: 'bench' }), customMetrics(['acc', 'mae']))
  // What a user would write without rxtrain: one map calling the same client for the same metrics.
  const handWritten = () => {
    const client = memoryClient({ limit: 1024 })
    const tags = { model_name: 'bench', cluster_type: 'stable' }
    let markStep = -1
    let markTimeMs = 0
    return map((s: TrainingStep) => {
      client.emitStore('step_loss', s.loss)
      client.emitStore('acc', s.metrics.acc!)
      client.emitStore('mae', s.metrics.mae!)
      if (markStep < 0) {
        markStep = s.step
        markTimeMs = s.timeMs
      } else if (s.timeMs - markTimeMs >= 30_000) {
        client.emitCounter('run_steps.all', s.step - markStep, tags)
        client.emitTimer('run_steps_elapsed_time.all', (s.timeMs - markTimeMs) / 1000 / (s.step - markStep), tags)
        markStep = s.step
        markTimeMs = s.timeMs
      }
      return s
    })
  }
  const full = () => {
    const client = memoryClient({ limit: 1024 })
    return (source: Observable<TrainingStep>) =>
      source.pipe(
        mergeMetrics(stepLoss(), throughputEvery(30, { modelName: 'bench' }), customMetrics(['acc', 'mae'])),
        emitMetrics(client),
      )
  }
  // Warm both up, then alternate so neither gets the warmer machine; keep the best of five.
  nsPerStep(bare, 1)
  nsPerStep(full, 1)
  nsPerStep(handWritten, 1)
  nsPerStep(passThrough, 1)
  const bareNs: number[] = []
  const fullNs: number[] = []
  const handNs: number[] = []
  const passNs: number[] = []
  for (let i = 0; i < 5; i++) {
    bareNs.push(nsPerStep(bare, 1))
    fullNs.push(nsPerStep(full, 1))
    handNs.push(nsPerStep(handWritten, 1))
    passNs.push(nsPerStep(passThrough, 1))
  }
  const b = Math.min(...bareNs)
  const f = Math.min(...fullNs)
  const h = Math.min(...handNs)
  const p = Math.min(...passNs)
  return [
    {
      name: 'stepLoss+throughputEvery+customMetrics(2)+emitMetrics(memoryClient), 1e6 steps',
      figure: f,
      unit: 'ns/step',
      baselineName: 'bare map',
      baseline: b,
      target: { on: 'ratio', op: '<=', value: 3 },
    },
    {
      name: 'same pipeline',
      figure: f,
      unit: 'ns/step',
      baselineName: 'hand-written map, same client calls',
      baseline: h,
    },
    { name: 'same pipeline, throughput', figure: 1e9 / f, unit: 'steps/s', target: { on: 'figure', op: '>=', value: 1e6 } },
    {
      name: 'reportMetrics(memoryClient, same operators): steps pass through',
      figure: p,
      unit: 'ns/step',
      baselineName: 'bare map',
      baseline: b,
      target: { on: 'ratio', op: '<=', value: 3 },
    },
    {
      name: 'reportMetrics, same',
      figure: p,
      unit: 'ns/step',
      baselineName: 'hand-written map, same client calls',
      baseline: h,
    },
  ]
}
