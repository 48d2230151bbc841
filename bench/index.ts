import { benchFit } from './fit.js'
import { benchProfile } from './profile.js'
import { printRows } from './report.js'
import { benchSteps } from './steps.js'

// Every figure is printed beside its baseline from the same run; nothing is compared
// against numbers from another machine or another day.
printRows('metric operators (synthetic steps)', benchSteps())
printRows('profiling windows (synthetic steps)', await benchProfile())
printRows('real TensorFlow.js fit', await benchFit())
