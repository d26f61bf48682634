// tsc emits the compiled modules only; the service also reads files beside them at run time (the viewer's pages,
// the JavaScriptCode sandbox's child.cjs). Every src/ file that is not TypeScript goes to dist/src/ as it is, except
// the .boot.mjs entries: they load a thread's TypeScript through tsx, and a compiled service starts the thread's .js.
import { cpSync } from 'node:fs'

cpSync('src', 'dist/src', { recursive: true, filter: file => !/\.ts$|\.boot\.mjs$/.test(file) })
