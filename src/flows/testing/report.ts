import { DOMImplementation, XMLSerializer } from '@xmldom/xmldom'
import type { CaseResult } from './run.js'

const show = (v: unknown): string => {
  const text = JSON.stringify(v)
  return text.length <= 400 ? text : `${text.slice(0, 397)}...`
}

/** The failing case's story: what did not match, then the failed action's inputs, outputs and error. */
function details (r: CaseResult): string[] {
  const lines = r.failures.map(f => `    ${f}`)
  const failed = r.run?.actions?.filter(a => a.status === 'Failed' || a.status === 'TimedOut') ?? []
  for (const a of failed) {
    lines.push(`    action ${a.name}${a.iteration ? ` [${a.iteration}]` : ''} ${a.status}`)
    if (a.inputs !== undefined) lines.push(`      inputs:  ${show(a.inputs)}`)
    if (a.outputs !== undefined) lines.push(`      outputs: ${show(a.outputs)}`)
    if (a.error) lines.push(`      error:   ${a.error.code}: ${a.error.message}`)
  }
  return lines
}

/** The report a person reads: one line per case, the details of each failure, a summary. */
export function textReport (results: CaseResult[]): string {
  const lines: string[] = []
  let file = ''
  for (const r of results) {
    if (r.file !== file) {
      file = r.file
      lines.push(file)
    }
    lines.push(`  ${r.failures.length === 0 ? '✓' : '✗'} ${r.name} (${r.ms} ms)`)
    if (r.failures.length > 0) lines.push(...details(r))
  }
  const failed = results.filter(r => r.failures.length > 0).length
  lines.push(`${results.length} test(s), ${results.length - failed} passed, ${failed} failed`)
  return lines.join('\n')
}

/** JUnit XML, as CI servers read it: a testsuite per file, a testcase per case, a failure with the details. */
export function junitReport (results: CaseResult[]): string {
  const doc = new DOMImplementation().createDocument(null, 'testsuites', null)
  const root = doc.documentElement
  if (!root) throw new Error('no document element')
  const files = [...new Set(results.map(r => r.file))]
  root.setAttribute('tests', String(results.length))
  root.setAttribute('failures', String(results.filter(r => r.failures.length > 0).length))
  for (const file of files) {
    const cases = results.filter(r => r.file === file)
    const suite = doc.createElement('testsuite')
    suite.setAttribute('name', file)
    suite.setAttribute('tests', String(cases.length))
    suite.setAttribute('failures', String(cases.filter(r => r.failures.length > 0).length))
    suite.setAttribute('time', (cases.reduce((n, r) => n + r.ms, 0) / 1000).toFixed(3))
    for (const r of cases) {
      const tc = doc.createElement('testcase')
      tc.setAttribute('classname', file)
      tc.setAttribute('name', r.name)
      tc.setAttribute('time', (r.ms / 1000).toFixed(3))
      if (r.failures.length > 0) {
        const f = doc.createElement('failure')
        f.setAttribute('message', r.failures[0])
        f.appendChild(doc.createTextNode(details(r).join('\n')))
        tc.appendChild(f)
      }
      suite.appendChild(tc)
    }
    root.appendChild(suite)
  }
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(doc)
}
