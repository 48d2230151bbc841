#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { runDemo } from '../lib/demo.js'

const HELP = `rxtrain: TensorFlow.js training telemetry as RxJS streams

Usage:
  rxtrain demo [options]    train a small model on generated data through every
                            operator, with a live progress bar; see rxtrain demo --help
  rxtrain help [command]    this text, or a command's
  rxtrain --help            this text
`

const DEMO_HELP = `rxtrain demo: train a small tfjs model on generated data through every operator

Usage:
  rxtrain demo [options]

Outputs (summarised at the end):
  Prometheus /metrics on 127.0.0.1:9464 (a free port when taken)
  <out>/tensorboard   TensorBoard scalars        (tensorboard --logdir runs/tensorboard)
  <out>/records       per-example record files   (vepfs layout, part_000000.txt, ...)
  <out>/profile       a profiled window of steps 10-19 (.cpuprofile and .trace.json)
  Kafka               the records, when KAFKA_BROKER_LIST and KAFKA_TOPIC_NAME are set
  BytePS telemetry    every 100 steps, when RXTRAIN_BYTEPS names libbyteps

Options:
  --samples N      training examples generated (default 4096)
  --batch-size N   examples per batch (default 32)
  --epochs N       epochs (default 5)
  --port N         port of the /metrics endpoint (default 9464, or a free one when taken)
  --linger S       seconds to keep serving /metrics after training (default 0)
  --out DIR        folder of the run's files (default runs)
  --nv-profile     drive cudaProfilerStart/Stop over the profiled window (needs a GPU)
  -h, --help       this text

A live progress bar (step, steps/s, loss, ETA) on a terminal; plain lines otherwise.
`

function int(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`rxtrain: --${name} must be a whole number >= 0, got '${value}'\n`)
    process.exit(2)
  }
  return n
}

async function main(argv: string[]): Promise<void> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        samples: { type: 'string' },
        'batch-size': { type: 'string' },
        epochs: { type: 'string' },
        port: { type: 'string' },
        linger: { type: 'string' },
        out: { type: 'string' },
        'nv-profile': { type: 'boolean' },
      },
    })
  } catch (err) {
    process.stderr.write(`rxtrain: ${(err as Error).message}\n\n${HELP}`)
    process.exit(2)
  }
  const { values, positionals } = parsed
  const [command, topic] = positionals
  if (command === undefined || (command === 'help' && topic === undefined)) {
    process.stdout.write(HELP)
    return
  }
  if (command === 'help' && topic === 'demo') {
    process.stdout.write(DEMO_HELP)
    return
  }
  if (command !== 'demo') {
    process.stderr.write(`rxtrain: unknown command '${command === 'help' ? topic : command}'\n\n${HELP}`)
    process.exit(2)
  }
  if (values.help) {
    process.stdout.write(DEMO_HELP)
    return
  }
  await runDemo({
    samples: int('samples', values.samples),
    batchSize: int('batch-size', values['batch-size']),
    epochs: int('epochs', values.epochs),
    port: int('port', values.port),
    lingerSecs: int('linger', values.linger),
    outDir: values.out,
    nvProfile: values['nv-profile'] ?? false,
  })
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`rxtrain: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
