import { spawn, type ChildProcess } from 'node:child_process'
import { constants } from 'node:os'
import { fileURLToPath } from 'node:url'
import { expect } from 'chai'
import { ConfigError } from '../lib/errors.js'
import { installExitHook } from '../lib/exitHook.js'
import { memoryClient } from '../lib/metrics/memory.js'
import { drainOpenSinks, joinSinkRegistry, openSinks } from '../lib/sinks/registry.js'
import { sleep, udpCollector, type UdpCollector } from './support/udp.js'

const root = fileURLToPath(new URL('..', import.meta.url))

interface Child {
  proc: ChildProcess
  stdout: () => string
  stderr: () => string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

function spawnChild(port: number): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/exit-hook-child.ts', String(port)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RXTRAIN_SERVER_TYPE: 'not-used', RXTRAIN_INDEX: '99' },
  })
  let out = ''
  let err = ''
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d))
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d))
  // 'close' (not 'exit') so stdout has been read to its end
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('close', (code, signal) => resolve({ code, signal })),
  )
  return { proc, stdout: () => out, stderr: () => err, exited }
}

async function waitForLine(child: Child, line: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!child.stdout().split('\n').includes(line)) {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) {
      throw new Error(`child exited before printing '${line}'; stdout: ${child.stdout()} stderr: ${child.stderr()}`)
    }
    if (Date.now() > deadline) throw new Error(`no '${line}' from the child in ${timeoutMs} ms; stderr: ${child.stderr()}`)
    await sleep(20)
  }
}

describe('installExitHook', () => {
  describe('in a child process, with a real statsd client over UDP', () => {
    let agent: UdpCollector
    let child: Child | undefined

    beforeEach(async () => {
      agent = await udpCollector()
      child = undefined
    })

    afterEach(async () => {
      if (child && child.proc.exitCode === null && child.proc.signalCode === null) {
        child.proc.kill('SIGKILL')
        await child.exited
      }
      await agent.close()
    })

    for (const [sig, num] of [
      ['SIGTERM', 15],
      ['SIGINT', 2],
      ['SIGHUP', 1],
    ] as const) {
      it(`on ${sig}: sends exit_hook with sig:${num}, drains the open sink, and exits with ${128 + num}`, async () => {
        child = spawnChild(agent.port)
        await waitForLine(child, 'ready')
        expect(agent.packets).to.deep.equal([]) // nothing before the signal
        child.proc.kill(sig)
        const { code, signal } = await child.exited
        expect(code, `stderr: ${child.stderr()}`).to.equal(128 + num)
        expect(signal).to.equal(null) // it exited by itself, the signal did not kill it
        expect(child.stdout()).to.equal('ready\ndrained\n')
        expect(child.stderr()).to.include(`rxtrain: ${sig}: drained 1 sink(s)\n`)
        expect(await agent.waitFor(1)).to.deep.equal([`exit_hook:1|c|#server_type:worker,index:3,sig:${num}`])
        await sleep(50)
        expect(agent.packets).to.have.length(1)
      })
    }
  })

  describe('in process (SIGUSR2, injected exit)', () => {
    const SIGUSR2 = constants.signals.SIGUSR2
    let cleanups: (() => void)[]

    beforeEach(() => {
      cleanups = []
    })

    afterEach(() => {
      for (const cleanup of cleanups.reverse()) cleanup()
      expect(openSinks()).to.deep.equal([])
    })

    /** Installs a hook on SIGUSR2 whose exit resolves `exited`; removed in afterEach. */
    const install = (options: Parameters<typeof installExitHook>[0] = {}) => {
      const events: string[] = []
      const codes: number[] = []
      let resolveExit!: (code: number) => void
      const exited = new Promise<number>((resolve) => (resolveExit = resolve))
      const client = memoryClient()
      const close = client.close
      client.close = async () => {
        events.push('close')
        await close()
      }
      const lines: string[] = []
      const uninstall = installExitHook({
        client,
        signals: ['SIGUSR2'],
        log: (line) => lines.push(line),
        exit: (code) => {
          events.push(`exit ${code}`)
          codes.push(code)
          resolveExit(code)
        },
        ...options,
      })
      cleanups.push(uninstall)
      return { client, events, codes, exited, lines, uninstall }
    }

    const join = (sink: Parameters<typeof joinSinkRegistry>[0]) => cleanups.push(joinSinkRegistry(sink))

    it('emits exit_hook, awaits every sink draining, closes the client, then exits with 128 + the signal', async () => {
      const hook = install({ serverType: 'ps', index: 1 })
      join({
        name: 'slowSink',
        drain: async () => {
          await sleep(80)
          hook.events.push('drained slowSink')
        },
      })
      process.kill(process.pid, 'SIGUSR2')
      expect(await hook.exited).to.equal(128 + SIGUSR2)
      expect(hook.events).to.deep.equal(['drained slowSink', 'close', `exit ${128 + SIGUSR2}`])
      expect(hook.client.metrics).to.deep.equal([
        { kind: 'counter', name: 'exit_hook', value: 1, tags: { server_type: 'ps', index: '1', sig: String(SIGUSR2) } },
      ])
      expect(hook.lines).to.deep.equal(['rxtrain: SIGUSR2: drained 1 sink(s)'])
    })

    it('logs the sinks that failed and still exits', async () => {
      const hook = install()
      join({ name: 'good', drain: async () => {} })
      join({ name: 'bad', drain: async () => Promise.reject(new Error('boom')) })
      process.kill(process.pid, 'SIGUSR2')
      expect(await hook.exited).to.equal(128 + SIGUSR2)
      expect(hook.lines).to.deep.equal(['rxtrain: SIGUSR2: drained 1 sink(s); failed: bad (Error: boom)'])
    })

    it('takes server_type and index from RXTRAIN_SERVER_TYPE / RXTRAIN_INDEX, else from TF_CONFIG, when not given', async () => {
      const saved = { ...process.env }
      cleanups.push(() => {
        for (const key of ['RXTRAIN_SERVER_TYPE', 'RXTRAIN_INDEX', 'TF_CONFIG']) {
          if (saved[key] === undefined) delete process.env[key]
          else process.env[key] = saved[key]
        }
      })
      process.env.TF_CONFIG = JSON.stringify({ task: { type: 'chief', index: 2 } })
      process.env.RXTRAIN_SERVER_TYPE = 'ps'
      process.env.RXTRAIN_INDEX = '7'
      const fromEnv = install()
      process.kill(process.pid, 'SIGUSR2')
      await fromEnv.exited
      fromEnv.uninstall()
      expect(fromEnv.client.metrics[0]!.tags).to.deep.equal({ server_type: 'ps', index: '7', sig: String(SIGUSR2) })

      delete process.env.RXTRAIN_SERVER_TYPE
      delete process.env.RXTRAIN_INDEX
      const fromTfConfig = install()
      process.kill(process.pid, 'SIGUSR2')
      await fromTfConfig.exited
      expect(fromTfConfig.client.metrics[0]!.tags).to.deep.equal({ server_type: 'chief', index: '2', sig: String(SIGUSR2) })
    })

    it('exits at once on a second signal while sinks are still draining', async () => {
      const hook = install()
      let finish!: () => void
      join({ name: 'stuck', drain: () => new Promise<void>((resolve) => (finish = resolve)) })
      process.kill(process.pid, 'SIGUSR2')
      await sleep(50)
      expect(hook.codes).to.deep.equal([]) // still draining
      process.kill(process.pid, 'SIGUSR2')
      await hook.exited
      expect(hook.events).to.deep.equal([`exit ${128 + SIGUSR2}`]) // no close: the drain has not ended
      finish()
      await sleep(20)
      expect(hook.events).to.deep.equal([`exit ${128 + SIGUSR2}`, 'close', `exit ${128 + SIGUSR2}`])
    })

    it('the function it returns removes its listener, so a later signal does nothing', async () => {
      const before = process.listenerCount('SIGUSR2')
      const hook = install()
      expect(process.listenerCount('SIGUSR2')).to.equal(before + 1)
      hook.uninstall()
      hook.uninstall() // twice is safe
      expect(process.listenerCount('SIGUSR2')).to.equal(before)
      // without any listener SIGUSR2 would end mocha: keep one that only counts
      let seen = 0
      const guard = () => void seen++
      process.on('SIGUSR2', guard)
      cleanups.push(() => process.off('SIGUSR2', guard))
      process.kill(process.pid, 'SIGUSR2')
      while (seen === 0) await sleep(10)
      await sleep(20)
      expect(hook.codes).to.deep.equal([])
      expect(hook.client.metrics).to.deep.equal([])
    })

    it('throws ConfigError for an unknown signal name and installs nothing', () => {
      const before = process.listenerCount('SIGUSR2')
      expect(() => installExitHook({ signals: ['SIGUSR2', 'SIGNOPE' as NodeJS.Signals], exit: () => {} })).to.throw(
        ConfigError,
        "installExitHook: unknown signal 'SIGNOPE'",
      )
      expect(process.listenerCount('SIGUSR2')).to.equal(before)
    })

    it('throws ConfigError for a signal that cannot be caught', () => {
      expect(() => installExitHook({ signals: ['SIGKILL'], exit: () => {} })).to.throw(ConfigError, 'installExitHook: SIGKILL cannot be caught')
    })
  })
})

describe('drainOpenSinks', () => {
  let leaves: (() => void)[]

  beforeEach(() => {
    leaves = []
  })

  afterEach(() => {
    for (const leave of leaves) leave()
    expect(openSinks()).to.deep.equal([])
  })

  it('reports nothing when no sink is open', async () => {
    expect(await drainOpenSinks(10)).to.deep.equal({ drained: [], failed: [] })
  })

  it('drains every open sink at once and reports a rejecting or throwing one in failed', async () => {
    const started: string[] = []
    const boom = new Error('boom')
    leaves.push(
      joinSinkRegistry({ name: 'a', drain: async () => void started.push('a') }),
      joinSinkRegistry({ name: 'rejects', drain: () => Promise.reject(boom) }),
      joinSinkRegistry({
        name: 'throws',
        drain: () => {
          throw new Error('sync')
        },
      }),
      joinSinkRegistry({ name: 'b', drain: async () => void started.push('b') }),
    )
    const report = await drainOpenSinks(1000)
    expect(report.drained).to.have.members(['a', 'b'])
    expect(report.failed.map((f) => f.name)).to.have.members(['rejects', 'throws'])
    expect(report.failed.find((f) => f.name === 'rejects')!.error).to.equal(boom)
    expect(String(report.failed.find((f) => f.name === 'throws')!.error)).to.equal('Error: sync')
  })

  it('reports a sink that never resolves as failed once timeoutMs has passed, without waiting longer', async () => {
    leaves.push(
      joinSinkRegistry({ name: 'never', drain: () => new Promise<void>(() => {}) }),
      joinSinkRegistry({ name: 'quick', drain: async () => {} }),
    )
    const start = Date.now()
    const report = await drainOpenSinks(150)
    const elapsed = Date.now() - start
    expect(elapsed).to.be.within(140, 1000)
    expect(report.drained).to.deep.equal(['quick'])
    expect(report.failed).to.have.length(1)
    expect(report.failed[0]!.name).to.equal('never')
    expect(String(report.failed[0]!.error)).to.equal('Error: still draining after 150 ms')
  })

  it('joinSinkRegistry returns a leave function that is safe to call twice', () => {
    const sink = { name: 's', drain: async () => {} }
    const leave = joinSinkRegistry(sink)
    expect(openSinks()).to.deep.equal([sink])
    leave()
    leave()
    expect(openSinks()).to.deep.equal([])
  })
})
