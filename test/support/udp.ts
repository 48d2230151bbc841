import { createSocket, type Socket } from 'node:dgram'

/** A UDP server on 127.0.0.1 that keeps every datagram it receives, as text. */
export interface UdpCollector {
  readonly port: number
  /** Every datagram received so far, in arrival order. */
  readonly packets: readonly string[]
  /** Resolves once `count` datagrams have arrived in all; rejects after `timeoutMs`, naming what did arrive. */
  waitFor(count: number, timeoutMs?: number): Promise<string[]>
  close(): Promise<void>
}

/** Binds a UDP server on 127.0.0.1, port 0 (a free one). */
export async function udpCollector(): Promise<UdpCollector> {
  const socket: Socket = createSocket('udp4')
  const packets: string[] = []
  const waiters = new Set<() => void>()
  socket.on('message', (msg) => {
    packets.push(msg.toString('utf8'))
    for (const wake of waiters) wake()
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject)
      resolve()
    })
  })
  let closed: Promise<void> | undefined
  return {
    port: socket.address().port,
    packets,
    waitFor(count, timeoutMs = 2000) {
      return new Promise<string[]>((resolve, reject) => {
        const check = () => {
          if (packets.length < count) return
          waiters.delete(check)
          clearTimeout(timer)
          resolve([...packets])
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`expected ${count} UDP packet(s) within ${timeoutMs} ms, got ${JSON.stringify(packets)}`))
        }, timeoutMs)
        waiters.add(check)
        check()
      })
    },
    close() {
      closed ??= new Promise<void>((resolve) => socket.close(() => resolve()))
      return closed
    },
  }
}

/** Waits `ms` milliseconds (to let stray datagrams arrive before asserting there were none). */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
