import type { TrainingStep } from '../../lib/step.js'

/** A step with the given fields, the rest plausible defaults. */
export function makeStep(fields: Partial<TrainingStep> = {}): TrainingStep {
  return { step: 1, timeMs: 0, epoch: 0, batch: 0, batchSize: 32, loss: 0.5, metrics: {}, records: [], ...fields }
}
