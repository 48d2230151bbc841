import { spawnSync } from 'node:child_process'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
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

/** Nanoseconds per step of `pipeline` over STEPS steps in this process: the best of `runs`, after two warm-up runs. */
function nsPerStep(pipeline: () => OperatorFunction<TrainingStep, unknown>, runs: number): number {
  const times: number[] = []
  let sink = 0
  for (let r = 0; r < runs + 2; r++) {
    const t0 = process.hrtime.bigint()
    syntheticSteps(STEPS)
      .pipe(pipeline())
      .subscribe(() => sink++)
    if (r >= 2) times.push(Number(process.hrtime.bigint() - t0) / STEPS)
  }
  if (sink === 0) throw new Error('nothing ran')
  return Math.min(...times)
}

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

const PIPELINES = { bare, full, handWritten, passThrough, handWrittenEvents }
type PipelineName = keyof typeof PIPELINES

/** Rounds of one process per pipeline, and timed runs in each process. */
const ROUNDS = 5
const RUNS = 10

/** Runs `name`'s measurement in a fresh Node process (under tsx) and returns its ns/step. */
function measureInChild(name: PipelineName): number {
  const here = fileURLToPath(import.meta.url)
  // `--import tsx` resolves from the working directory: the package root, one up from bench/.
  const run = spawnSync(process.execPath, ['--import', 'tsx', here, name], { cwd: dirname(dirname(here)), encoding: 'utf8' })
  const ns = Number(run.stdout.trim())
  if (run.status !== 0 || !Number.isFinite(ns)) {
    throw new Error(`bench child for '${name}' failed (exit ${run.status}): ${run.stderr || run.stdout}`)
  }
  return ns
}

/**
 * ns per step of the metric operators against a bare `map`, over 1e6 synthetic steps.
 * Each pipeline runs in processes of its own: a training process runs one pipeline, and
 * in a shared process the JIT's type feedback from one pipeline slows the others (the
 * code they share, RxJS's subscribers included, turns polymorphic). The rounds
 * alternate the pipelines so none gets the quieter machine; each figure is the best.
 */
export function benchSteps(): Row[] {
  const names = Object.keys(PIPELINES) as PipelineName[]
  const best = Object.fromEntries(names.map((name) => [name, Infinity])) as Record<PipelineName, number>
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse()
    for (const name of order) best[name] = Math.min(best[name], measureInChild(name))
  }
  const { bare: b, full: f, handWritten: h, passThrough: p, handWrittenEvents: e } = best
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

// As a child of benchSteps: `bench/steps.ts <pipeline>` prints that pipeline's ns/step.
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] !== undefined) {
  const name = process.argv[2] as PipelineName
  if (!(name in PIPELINES)) throw new Error(`unknown pipeline '${name}'; one of ${Object.keys(PIPELINES).join(', ')}`)
  console.log(nsPerStep(PIPELINES[name], RUNS))
}
