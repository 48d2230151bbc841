import { map, Observable, type OperatorFunction } from 'rxjs'
import {
  customMetrics,
  emitMetrics,
  memoryClient,
  mergeMetrics,
  reportMetrics,
  stepLoss,
  throughputEvery,
  type Metric,
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
  // The floor for metric events: one hand-written Observable emitting the same events and
  // making the same client calls, with no operators to compose.
  const handWrittenEvents = () => {
    const client = memoryClient({ limit: 1024 })
    const tags = { model_name: 'bench', cluster_type: 'stable' }
    return (source: Observable<TrainingStep>) =>
      new Observable<Metric>((subscriber) => {
        let markStep = -1
        let markTimeMs = 0
        const store = (name: string, value: number, s: TrainingStep) => {
          client.emitStore(name, value)
          subscriber.next({ kind: 'store', name, value, tags: undefined, step: s.step, timeMs: s.timeMs })
        }
        return source.subscribe({
          next(s) {
            store('step_loss', s.loss, s)
            if (markStep < 0) {
              markStep = s.step
              markTimeMs = s.timeMs
            } else if (s.timeMs - markTimeMs >= 30_000) {
              const steps = s.step - markStep
              const perStep = (s.timeMs - markTimeMs) / 1000 / steps
              client.emitCounter('run_steps.all', steps, tags)
              subscriber.next({ kind: 'counter', name: 'run_steps.all', value: steps, tags, step: s.step, timeMs: s.timeMs })
              client.emitTimer('run_steps_elapsed_time.all', perStep, tags)
              subscriber.next({ kind: 'timer', name: 'run_steps_elapsed_time.all', value: perStep, tags, step: s.step, timeMs: s.timeMs })
              markStep = s.step
              markTimeMs = s.timeMs
            }
            store('acc', s.metrics.acc!, s)
            store('mae', s.metrics.mae!, s)
          },
          error: (err) => subscriber.error(err),
          complete: () => subscriber.complete(),
        })
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
  nsPerStep(handWrittenEvents, 1)
  const bareNs: number[] = []
  const eventsNs: number[] = []
  const fullNs: number[] = []
  const handNs: number[] = []
  const passNs: number[] = []
  for (let i = 0; i < 5; i++) {
    bareNs.push(nsPerStep(bare, 1))
    fullNs.push(nsPerStep(full, 1))
    handNs.push(nsPerStep(handWritten, 1))
    passNs.push(nsPerStep(passThrough, 1))
    eventsNs.push(nsPerStep(handWrittenEvents, 1))
  }
  const b = Math.min(...bareNs)
  const f = Math.min(...fullNs)
  const h = Math.min(...handNs)
  const p = Math.min(...passNs)
  const e = Math.min(...eventsNs)
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
    {
      name: 'same pipeline',
      figure: f,
      unit: 'ns/step',
      baselineName: 'hand-written Observable, same events and calls',
      baseline: e,
    },
    {
      name: 'hand-written Observable, same events and calls',
      figure: e,
      unit: 'ns/step',
      baselineName: 'bare map',
      baseline: b,
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
