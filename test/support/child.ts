import { spawn } from 'node:child_process'

/** What a fixture child process printed, and how it ended. */
export interface ChildRun {
  stdout: string
  stderr: string
  code: number | null
  /** The JSON after `stats ` on a line of stdout. */
  stats<T>(): T
}

/**
 * Runs a TypeScript fixture under tsx, waits for it to print `ready`, sends it
 * `signal`, and waits for it to exit.
 */
export async function signalWhenReady(script: string, args: string[], signal: NodeJS.Signals): Promise<ChildRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d
      if (stdout.includes('ready\n')) resolve()
    })
    child.on('exit', () => reject(new Error(`${script} exited before ready: ${stderr}`)))
  })
  child.kill(signal)
  const code = await exited
  return {
    stdout,
    stderr,
    code,
    stats<T>() {
      const line = stdout.split('\n').find((l) => l.startsWith('stats '))
      if (line === undefined) throw new Error(`${script} printed no stats; stdout: ${stdout}\nstderr: ${stderr}`)
      return JSON.parse(line.slice('stats '.length)) as T
    },
  }
}
