/** xml() and xpath(): XML content from text or from a JSON object, and XPath 1.0 over it. */
import { toText } from '../values.js'
import { evaluateXPath, jsonToXml, parseXml, serialize, xmlContent } from '../xml.js'
import { type Args, def, type Family } from './context.js'

/** The XML text of an argument: XML content, a string of XML, or (for xml()) a JSON object. */
function xmlText (a: Args, i: number): string {
  const c = a.content(i)
  if (c) return c.text()
  const v = a.any(i)
  if (typeof v === 'string') return v
  throw a.bad(i, 'XML or a string of XML')
}

export const xmlFunctions: Family = {
  xml: def(1, 1, a => {
    const v = a.any(0)
    const c = a.content(0)
    if (c) return c.isXml ? c : xmlContent(serialize(parseXml(c.text())))
    if (typeof v === 'string') {
      parseXml(v)
      return xmlContent(v)
    }
    return xmlContent(jsonToXml(v))
  }),
  xpath: def(2, 2, a => evaluateXPath(xmlText(a, 0), toText(a.any(1)))),
}
