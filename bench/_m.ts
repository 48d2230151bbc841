import { memoryClient } from '../index.js'
const N = 3_000_000
for (let r = 0; r < 3; r++) {
  const c = memoryClient({ limit: 1024 })
  const t = process.hrtime.bigint()
  for (let i = 0; i < N; i++) c.emitStore(i % 3 === 0 ? 'a' : 'b', i, undefined)
  console.log('mem', (Number(process.hrtime.bigint() - t) / N).toFixed(1))
  const c2 = memoryClient({ limit: 0 })
  const t2 = process.hrtime.bigint()
  for (let i = 0; i < N; i++) c2.emitStore(i % 3 === 0 ? 'a' : 'b', i, undefined)
  console.log('mem0', (Number(process.hrtime.bigint() - t2) / N).toFixed(1))
}
