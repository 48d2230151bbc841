import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { lastValueFrom } from 'rxjs'
import { fileSink, fromLoop, vepfsKey, vepfsLayout } from '../index.js'
const pool = Array.from({ length: 1000 }, (_, i) => ({ req_time: '20240101', model_name: 'ranker', gid: 1_000_000 + i, uid: 7_000_000_000 + i * 13, predict: [((i * 37) % 1000) / 1000, 0.25], label: [i % 2, 0] }))
for (let r = 0; r < 3; r++) {
  const base = mkdtempSync(join(tmpdir(), 'x-'))
  const steps = fromLoop({ steps: 2000, step: (s) => ({ loss: 0, records: Array.from({ length: 1000 }, (_, j) => pool[(s * 1000 + j) % pool.length]!) }) })
  const t = performance.now()
  await lastValueFrom(steps.pipe(fileSink({ keyFn: vepfsKey, layoutFn: vepfsLayout, baseName: base, workerId: 0, partitionSize: 1e6, logger: { info() {}, warn: console.warn, error: console.error } })))
  console.log((2e6 / ((performance.now() - t) / 1000)).toFixed(0), 'lines/s')
  rmSync(base, { recursive: true })
}
