import { expect } from 'chai'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { barLine, formatEta, progress } from '../lib/cli/progress.js'

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'bin/rxtrain.ts', ...args], {
    encoding: 'utf8',
    env: { ...process.env, KAFKA_BROKER_LIST: '', KAFKA_TOPIC_NAME: '', RXTRAIN_BYTEPS: '', ...env },
    timeout: 120_000,
  })

/** A terminal-like stream that keeps what was written. */
function terminal(columns = 80): NodeJS.WriteStream & { text: string } {
  const stream = { isTTY: true, columns, text: '', write: (s: string) => ((stream.text += s), true) }
  return stream as unknown as NodeJS.WriteStream & { text: string }
}

describe('the rxtrain CLI', () => {
  it('prints its usage for --help, help and no command, and each command has its own --help', () => {
    for (const args of [['--help'], ['help'], []]) {
      const run = cli(args)
      expect(run.status).to.equal(0)
      expect(run.stdout).to.include('rxtrain demo [options]').and.to.include('rxtrain help [command]')
    }
    for (const args of [['demo', '--help'], ['help', 'demo'], ['demo', '-h']]) {
      const run = cli(args)
      expect(run.status).to.equal(0)
      expect(run.stdout).to.include('rxtrain demo: train a small tfjs model').and.to.include('--epochs N').and.to.include('--out DIR')
    }
  })

  it('exits 2 naming an unknown command, an unknown option or a bad number', () => {
    const unknown = cli(['train'])
    expect(unknown.status).to.equal(2)
    expect(unknown.stderr).to.include("unknown command 'train'")
    const option = cli(['demo', '--frobnicate'])
    expect(option.status).to.equal(2)
    expect(option.stderr).to.include('--frobnicate')
    const bad = cli(['demo', '--epochs', 'two'])
    expect(bad.status).to.equal(2)
    expect(bad.stderr).to.include("--epochs must be a whole number >= 0, got 'two'")
  })

  it('runs the demo: plain progress lines off a terminal, and every output where the summary says', function () {
    this.timeout(120_000)
    const out = mkdtempSync(join(tmpdir(), 'rxtrain-demo-'))
    try {
      const run = cli(['demo', '--epochs', '2', '--samples', '640', '--port', '0', '--out', out])
      expect(run.status, run.stderr).to.equal(0)
      // 2 epochs of 20 batches: a line every 4 steps, and the last.
      expect(run.stdout).to.match(/^step 40\/40 .*steps\/s .*loss \d+\.\d{4} .*ETA/m)
      expect(run.stdout).to.not.include('\r')
      expect(run.stdout).to.match(/done: 40 steps in/)
      expect(run.stdout).to.match(/record files .*1280 lines in 1 folder/)
      expect(run.stdout).to.include('Kafka               not sent')
      // Record files: one line per example, in the vepfs layout.
      const day = readdirSync(join(out, 'records', 'demo'))[0]!
      const lines = readFileSync(join(out, 'records', 'demo', day, 'worker_0', 'part_000000.txt'), 'utf8').trimEnd().split('\n')
      expect(lines).to.have.length(1280)
      expect(lines[0]).to.match(/^\d{8};g1;1;\[[^\]]+\];\[0\]$/)
      // A TensorBoard event file and one profile dump of steps 10-19.
      expect(readdirSync(join(out, 'tensorboard')).some((f) => f.startsWith('events.out.tfevents.'))).to.equal(true)
      const runs = readdirSync(join(out, 'profile', 'plugins', 'profile'))
      expect(runs).to.have.length(1)
      const dump = readdirSync(join(out, 'profile', 'plugins', 'profile', runs[0]!))
      expect(dump.some((f) => f.endsWith('.cpuprofile'))).to.equal(true)
      expect(dump.some((f) => f.endsWith('.trace.json'))).to.equal(true)
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  })

  describe('progress', () => {
    it('formats the ETA and the bar to the terminal width', () => {
      expect(formatEta(12.4)).to.equal('12s')
      expect(formatEta(65)).to.equal('1m 05s')
      expect(formatEta(Infinity)).to.equal('--')
      const line = barLine(50, 100, 0.12345, 10, 80)
      expect(line).to.match(/^\[#+\.+\]  50\/100  10\.0 steps\/s  loss 0\.1235  ETA 5s$/)
      expect(line.length).to.be.at.most(80)
      const filled = line.slice(1, line.indexOf(']'))
      expect(filled.replace(/\./g, '').length).to.equal(filled.length / 2)
    })

    it('redraws one line in place on a terminal, and keeps the last state when done', () => {
      let now = 0
      const tty = terminal()
      const p = progress(tty, () => now)
      p.update(1, 10, 1, 0)
      now += 50
      p.update(2, 10, 0.9, 5) // within 100 ms of the last draw: not drawn
      now += 100
      p.update(3, 10, 0.8, 5)
      p.line('a message')
      p.update(10, 10, 0.1, 5) // the last step is always drawn
      p.done()
      const draws = tty.text.split('\r\x1b[2K')
      expect(draws.filter((d) => d.includes(' 2/10'))).to.have.length(0)
      expect(draws.some((d) => d.includes(' 3/10'))).to.equal(true)
      expect(tty.text).to.include('a message\n')
      expect(tty.text.endsWith('10/10  5.0 steps/s  loss 0.1000  ETA 0s\n')).to.equal(true)
    })
  })
})
