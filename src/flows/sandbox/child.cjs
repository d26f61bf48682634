'use strict'
// The inline code sandbox's child: one JavaScriptCode execution, in a process of its own that the service starts
// with Node's permission model (no file system, child processes, workers, addons or WASI), code generation from
// strings off in this realm, a heap cap, an empty environment and (where the host allows) no network at all. It
// reads {code, context} from stdin, runs the code in a fresh V8 context that holds nothing of this one (the
// context is parsed inside it from text, the result leaves it as text), and writes one JSON line to stdout.
const vm = require('node:vm')
const fs = require('node:fs')

const input = JSON.parse(fs.readFileSync(0, 'utf8'))
const writeSync = fs.writeSync
// Nothing the code could reach after an escape from its context leads to the host: no bindings, no module
// loader, no stdio streams (the answer goes out through writeSync on fd 1).
for (const k of ['binding', '_linkedBinding', 'dlopen', 'stdin', 'stdout', 'stderr', 'mainModule']) {
  Object.defineProperty(process, k, { value: undefined, configurable: false, writable: false })
}
for (const k of ['require', 'module', 'exports', '__filename', '__dirname']) delete globalThis[k]

const context = vm.createContext(Object.create(null), {
  name: 'JavaScriptCode',
  codeGeneration: { strings: true, wasm: false },
})
// The prelude keeps the intrinsics it needs before the code runs, so code that replaces Promise.prototype.then or
// JSON.stringify only changes its own result. The code is a function body, as in Logic Apps (return gives the
// result; await works).
const source =
  '(() => { const then = Promise.prototype.then; const stringify = JSON.stringify; const apply = Reflect.apply;\n' +
  `const workflowContext = JSON.parse(${JSON.stringify(input.context)});\n` +
  'const done = r => { globalThis.__sandboxResult = r };\n' +
  'let p; try { p = (async function (workflowContext) {\n' +
  input.code +
  '\n}).call(undefined, workflowContext) } catch (e) { p = Promise.reject(e) }\n' +
  'apply(then, p, [v => { let t; try { t = stringify({ ok: true, value: v === undefined ? null : v }) }\n' +
  'catch (e) {\n' +
  '  t = stringify({ ok: false, error: "the result cannot be written as JSON: " + String(e && e.message) }) }\n' +
  'done(t) }, e => { let m;\n' +
  'try { m = e && typeof e === "object" && "message" in e ? String(e.message) : String(e) }\n' +
  'catch { m = "an exception" } done(stringify({ ok: false, error: m })) }]) })()'

try {
  new vm.Script(source, { filename: 'inline-code.js' }).runInContext(context)
} catch (err) {
  writeSync(1, JSON.stringify({ ok: false, error: String(err && err.message) }))
  process.exit(0)
}
// Only text leaves the context: typeof is checked inside it.
const poll = () => {
  const r = vm.runInContext(
    'typeof __sandboxResult === "string" ? __sandboxResult : undefined',
    context
  )
  if (typeof r === 'string') {
    writeSync(1, r)
    process.exit(0)
  }
  // Microtasks and the code's own promises run between polls; a result that never comes ends with the
  // parent's wall-clock limit.
  setTimeout(poll, 1)
}
setImmediate(poll)
