import { isAbsolute, join, relative, resolve } from 'node:path'
import { ignoreElements, lastValueFrom, merge, share, tap } from 'rxjs'
import { installExitHook } from './exitHook.js'
import { RxtrainError } from './errors.js'
import { envConfig } from './config.js'
import { vepfsKey, vepfsLayout } from './files/helpers.js'
import type { KProducerStats } from './kafka/producer.js'
import type { Logger } from './log.js'
import { prometheusClient } from './metrics/prometheus.js'
import type { ProfileDump } from './profile/v8Recorder.js'
import { fromFit } from './sources/fromFit.js'
import type { Metric, TrainingStep } from './step.js'
import { progress as makeProgress, type Progress } from './cli/progress.js'
import {
  customMetrics,
  emitMetrics,
  fileSink,
  kafkaSink,
  mergeMetrics,
  nvProfileWindow,
  profileWindow,
  stepLoss,
  telemetryEvery,
  tensorboardSink,
  throughput,
  throughputEvery,
  type FileSinkStats,
} from '../operators/index.js'

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Training examples generated. Default 4096. */
  samples?: number
  /** Examples per batch. Default 32. */
  batchSize?: number
  /** Epochs. Default 5. */
  epochs?: number
  /** Port of the Prometheus endpoint (0 picks a free one). Default 9464, or a free port when taken. */
  port?: number
  /** Seconds to keep serving /metrics after training ends. Default 0. */
  lingerSecs?: number
  /** Where the run's files go: records, TensorBoard events, profile dumps. Default `runs`. */
  outDir?: string
  /** Also drive cudaProfilerStart/Stop over the profiled window (needs libcudart and a GPU). Default false. */
  nvProfile?: boolean
  /** Where progress goes. Default: a live bar on a terminal, plain lines otherwise, on stdout. */
  progress?: Progress
  /** Where sinks log. Default: lines through the progress display. */
  logger?: Logger
}

/** Where each of the demo's outputs went. */
export interface DemoOutputs {
  metricsUrl: string
  tensorboardDir: string
  recordsDir: string
  records: FileSinkStats | undefined
  profileDumps: string[]
  kafka: { topic: string; stats: KProducerStats | undefined } | undefined
  bytepsTelemetry: boolean
  nvProfile: boolean
}

/** What a demo run did. */
export interface DemoSummary {
  steps: number
  firstLoss: number
  finalLoss: number
  seconds: number
  metricsUrl: string
  outputs: DemoOutputs
}

type Tf = typeof import('@tensorflow/tfjs')

async function loadTf(): Promise<Tf> {
  for (const name of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs']) {
    try {
      return (await import(name)) as Tf
    } catch {
      // try the next flavour
    }
  }
  throw new RxtrainError('the demo needs TensorFlow.js: npm install @tensorflow/tfjs (or @tensorflow/tfjs-node)')
}

const MODEL_NAME = 'demo'

/**
 * The main job: trains a small regression model on generated data through every
 * operator that runs on this machine, shows progress, and says where each output went:
 * Prometheus metrics, TensorBoard scalars, per-example record files, a profiled window,
 * and Kafka when `KAFKA_BROKER_LIST` and `KAFKA_TOPIC_NAME` are set.
 *
 * @example
 * ```ts
 * import { runDemo } from 'rxtrain'
 * const summary = await runDemo({ epochs: 2, port: 0, outDir: 'runs' })
 * console.log(summary.finalLoss, summary.outputs.tensorboardDir)
 * ```
 * @param options sizes, port, output folder and progress display
 * @returns a summary of the run
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const { samples = 4096, batchSize = 32, epochs = 5, lingerSecs = 0, outDir = 'runs', nvProfile = false } = options
  const show = options.progress ?? makeProgress()
  // Sinks' lines go through the progress display, so they never land inside the live bar.
  const logger: Logger = options.logger ?? {
    info: (m) => show.line(`rxtrain: ${m}`),
    warn: (m) => show.line(`rxtrain: ${m}`),
    error: (m) => show.line(`rxtrain: ${m}`),
  }
  const tf = await loadTf()
  const features = 16
  const { x, y } = tf.tidy(() => {
    const x = tf.randomNormal([samples, features], 0, 1, 'float32', 42)
    const w = tf.linspace(-1, 1, features).reshape([features, 1])
    const y = x.matMul(w).add(x.slice([0, 0], [samples, 1]).square().mul(0.5))
    return { x, y }
  })
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 32, activation: 'relu', inputShape: [features] }), tf.layers.dense({ units: 1 })],
  })
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError', metrics: ['mae'] })
  // Multiply-adds of the forward pass, times 2 FLOPs each, times 3 for forward + backward.
  const flopsPerBatch = 3 * 2 * batchSize * (features * 32 + 32)

  const client = prometheusClient({ prefix: 'rxtrain_', port: options.port ?? 9464 })
  let metricsUrl: string
  try {
    metricsUrl = await client.url()
  } catch (err) {
    await client.close()
    tf.dispose([x, y])
    model.dispose()
    if (options.port !== undefined) throw err
    return runDemo({ ...options, port: 0 })
  }
  const uninstall = installExitHook({ client, serverType: 'demo', index: 0 })
  const totalSteps = epochs * Math.ceil(samples / batchSize)
  const startedMs = Date.now()
  const base = resolve(outDir)
  const tensorboardDir = join(base, 'tensorboard')
  const recordsDir = join(base, 'records')
  const profileDir = join(base, 'profile')
  const day = new Date(startedMs).toISOString().slice(0, 10).replaceAll('-', '')
  const env = envConfig()
  const kafkaTopic = env.kafkaBrokers !== undefined && env.kafkaTopic !== undefined ? env.kafkaTopic : undefined
  const bytepsTelemetry = process.env.RXTRAIN_BYTEPS !== undefined && process.env.RXTRAIN_BYTEPS !== ''
  const outputs: DemoOutputs = {
    metricsUrl,
    tensorboardDir,
    recordsDir,
    records: undefined,
    profileDumps: [],
    kafka: kafkaTopic === undefined ? undefined : { topic: kafkaTopic, stats: undefined },
    bytepsTelemetry,
    nvProfile,
  }
  show.line(`rxtrain demo: ${samples} examples, batch ${batchSize}, ${epochs} epochs (${totalSteps} steps) on tfjs ${tf.getBackend()}`)
  show.line(`metrics for Prometheus: ${metricsUrl}`)

  let firstLoss = NaN
  let finalLoss = NaN
  let steps = 0
  let stepsPerSec = 0
  // One "deep insight" record per example: the model's score and the label, as Monolith logs them.
  const records = ({ step, logs }: { step: number; logs: Record<string, unknown> }) =>
    Array.from({ length: batchSize }, (_, i) => ({
      model_name: MODEL_NAME,
      req_time: day,
      gid: `g${step}`,
      // From 1: vepfsLayout reads ids with Python's `or`, as the seed does, so a 0 would print as 'uid'.
      uid: (step - 1) * batchSize + i + 1,
      predict: [Number(logs.loss ?? 0)],
      label: [i % 2],
    }))
  const steps$ = fromFit(model, x, y, { batchSize, epochs, shuffle: true }, { records }).pipe(
    profileWindow({ logdir: profileDir, initStepRange: [10, 20], logger, onTraceReady: (d: ProfileDump) => void outputs.profileDumps.push(d.dir) }),
    nvProfile ? nvProfileWindow({ initStepRange: [10, 20], logger }) : (s) => s,
    fileSink({ keyFn: vepfsKey, layoutFn: vepfsLayout, baseName: recordsDir, workerId: 0, logger, onClose: (stats) => (outputs.records = stats) }),
    kafkaTopic === undefined ? (s) => s : kafkaSink({ logger, onClose: (stats) => (outputs.kafka!.stats = stats) }),
    share(),
  )
  const metricOperators = [
    stepLoss(),
    customMetrics(['mae']),
    throughputEvery(1, { modelName: MODEL_NAME, startTimeSecs: startedMs / 1000 }),
    throughput({ windowSize: 20, flopsPerBatch }),
    ...(bytepsTelemetry ? [telemetryEvery(100, { logger })] : []),
  ]
  const metrics$ = steps$.pipe(
    mergeMetrics(...metricOperators),
    emitMetrics(client),
    tensorboardSink({ logdir: tensorboardDir, logger }),
    tap((m: Metric) => {
      if (m.name === 'throughput.batches_per_sec') stepsPerSec = m.value
    }),
  )
  const progress$ = steps$.pipe(
    tap((s: TrainingStep) => {
      if (steps === 0) firstLoss = s.loss
      steps = s.step
      finalLoss = s.loss
      show.update(s.step, totalSteps, s.loss, stepsPerSec)
    }),
  )
  try {
    await lastValueFrom(merge(metrics$, progress$).pipe(ignoreElements()), { defaultValue: undefined })
    show.done()
    const seconds = (Date.now() - startedMs) / 1000
    show.line(`done: ${steps} steps in ${seconds.toFixed(1)} s, loss ${firstLoss.toFixed(4)} -> ${finalLoss.toFixed(4)}`)
    for (const line of summaryLines(outputs)) show.line(line)
    if (lingerSecs > 0) {
      show.line(`serving ${metricsUrl} for ${lingerSecs} s more`)
      await new Promise((resolve) => setTimeout(resolve, lingerSecs * 1000))
    }
    return { steps, firstLoss, finalLoss, seconds, metricsUrl, outputs }
  } finally {
    uninstall()
    await client.close()
    tf.dispose([x, y])
    model.dispose()
  }
}

/** Where each output went, a line each, paths relative to the working directory. */
export function summaryLines(o: DemoOutputs): string[] {
  const here = (p: string) => {
    const r = relative(process.cwd(), p)
    return r === '' ? '.' : r.startsWith('..') || isAbsolute(r) ? p : r
  }
  const lines = ['outputs:']
  lines.push(`  Prometheus metrics  ${o.metricsUrl} (while the demo runs; --linger S keeps it up)`)
  lines.push(`  TensorBoard         ${here(o.tensorboardDir)}  (tensorboard --logdir ${here(o.tensorboardDir)})`)
  const r = o.records
  lines.push(
    `  record files        ${here(o.recordsDir)}  (${r ? `${r.written} lines in ${r.directories} folder${r.directories === 1 ? '' : 's'}, part_000000.txt, ...` : 'none'})`,
  )
  lines.push(
    o.profileDumps.length > 0
      ? `  profile             ${o.profileDumps.map(here).join(', ')}  (.cpuprofile: Chrome DevTools; .trace.json: Perfetto)`
      : '  profile             none (the run ended before step 10)',
  )
  lines.push(
    o.kafka === undefined
      ? '  Kafka               not sent (set KAFKA_BROKER_LIST and KAFKA_TOPIC_NAME)'
      : `  Kafka               topic ${o.kafka.topic}: ${o.kafka.stats ? `${o.kafka.stats.success} delivered, ${o.kafka.stats.failed} failed` : 'no counts'}`,
  )
  lines.push(`  BytePS telemetry    ${o.bytepsTelemetry ? 'every 100 steps, as metrics (RXTRAIN_BYTEPS)' : 'off (set RXTRAIN_BYTEPS to libbyteps)'}`)
  lines.push(`  CUDA profiler       ${o.nvProfile ? 'cudaProfilerStart/Stop over steps 10-19' : 'off (--nv-profile, under nsys --capture-range=cudaProfilerApi)'}`)
  return lines
}
