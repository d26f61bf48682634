import t from 'tap'
import { EXAMPLES } from './reference-examples.js'
import { matches, run } from './reference-compare.js'

// Every example of the reference with a stated result (reference-examples.ts). Where the page contradicts
// itself or Logic Apps, the example says what is expected instead and why.
t.test("the reference's examples", async t => {
  for (const e of EXAMPLES) {
    const o = run(e)
    const expected = e.want ?? e.doc
    t.ok(matches(e, o, expected), e.expr, {
      expected:
        expected instanceof Object && 'error' in expected ? String((expected as { error: RegExp }).error) : expected,
      got: 'error' in o ? o.error : o.value,
      ...(e.note ? { note: e.note } : {}),
    })
  }
})
