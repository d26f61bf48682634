/** `npm run bench [-- names...]`: runs the named benchmarks, or all of them. Never part of `npm test`. */
import { benchActions } from './actions.js'
import { benchDelivery } from './delivery.js'
import { benchGovernance } from './governance.js'
import { benchFlows } from './flows.js'
import { benchStore } from './store.js'

const BENCHES: Record<string, () => Promise<void>> = {
  actions: benchActions,
  delivery: benchDelivery,
  governance: benchGovernance,
  flows: benchFlows,
  store: benchStore,
}

const wanted = process.argv.slice(2)
for (const name of wanted.length > 0 ? wanted : Object.keys(BENCHES)) {
  const bench = BENCHES[name]
  if (!bench) {
    process.stderr.write(`unknown benchmark ${name}; known: ${Object.keys(BENCHES).join(', ')}\n`)
    process.exit(2)
  }
  await bench()
}
