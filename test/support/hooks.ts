// Mocha root hooks (loaded through .mocharc's `require`).
import { stopKafkaIfStartedHere } from './kafka.js'

export async function mochaGlobalTeardown(): Promise<void> {
  await stopKafkaIfStartedHere()
}
