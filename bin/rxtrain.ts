#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { runDemo } from '../lib/demo.js'

const HELP = `rxtrain: TensorFlow.js training telemetry as RxJS streams

Usage:
  rxtrain demo [options]   train a small model on generated data through every
                           metric operator, serving Prometheus metrics
  rxtrain --help           this text

Options of demo:
  --samples N      training examples generated (default 4096)
  --batch-size N   examples per batch (default 32)
  --epochs N       epochs (default 5)
  --port N         port of the /metrics endpoint (default 9464, or a free one when taken)
  --linger S       seconds to keep serving /metrics after training (default 0)
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
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      samples: { type: 'string' },
      'batch-size': { type: 'string' },
      epochs: { type: 'string' },
      port: { type: 'string' },
      linger: { type: 'string' },
    },
  })
  const [command] = positionals
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(HELP)
    return
  }
  if (command !== 'demo') {
    process.stderr.write(`rxtrain: unknown command '${command}'\n\n${HELP}`)
    process.exit(2)
  }
  await runDemo({
    samples: int('samples', values.samples),
    batchSize: int('batch-size', values['batch-size']),
    epochs: int('epochs', values.epochs),
    port: int('port', values.port),
    lingerSecs: int('linger', values.linger),
  })
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`rxtrain: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
