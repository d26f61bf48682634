/**
 * XML for xml(), xpath() and json(xml(...)): parsing and serialising with @xmldom/xmldom, XPath 1.0 with the
 * xpath package, and the JSON <-> XML mapping Logic Apps uses (Newtonsoft.Json's XmlNodeConverter):
 * attributes as "@name", the declaration as "?xml", text beside attributes as "#text", repeated elements as
 * arrays, an empty element as null.
 */
import { DOMParser, onErrorStopParsing, XMLSerializer } from '@xmldom/xmldom'
import * as xpath from 'xpath'
import { ValueError } from './errors.js'
import { asNum, jsonNumber } from './numbers.js'
import { Content, isObject, XML_CONTENT_TYPE } from './values.js'

export class XmlError extends ValueError {
  override name = 'XmlError'
}

type XNode = Node

const ELEMENT = 1
const ATTRIBUTE = 2
const TEXT = 3
const CDATA = 4
const PI = 7
const COMMENT = 8
const DOCTYPE = 10

export function parseXml (text: string): Document {
  try {
    const doc = new DOMParser({ onError: onErrorStopParsing }).parseFromString(
      text,
      'text/xml'
    ) as unknown as Document
    if (!doc.documentElement) throw new XmlError('no root element')
    return doc
  } catch (err) {
    throw new XmlError(`The value is not valid XML: ${(err as Error).message.split('\n')[0]}`)
  }
}

export function serialize (node: XNode): string {
  return new XMLSerializer().serializeToString(node as never)
}

/** XML text as the content xml() returns. */
export function xmlContent (text: string): Content {
  return new Content(XML_CONTENT_TYPE, Buffer.from(text, 'utf8'))
}

// Whitespace-only text between elements is not content (.NET's XmlDocument drops it unless xml:space says so).
const significant = (n: XNode): boolean => n.nodeType !== TEXT || /\S/.test(n.nodeValue ?? '')

function children (n: XNode): XNode[] {
  return Array.from(n.childNodes as ArrayLike<XNode>).filter(significant)
}

function attributes (n: XNode): Attr[] {
  return Array.from(((n as Element).attributes ?? []) as ArrayLike<Attr>)
}

function declaration (text: string): Record<string, string> | undefined {
  const m = /^\s*<\?xml\s+([^?]*)\?>/.exec(text)
  if (!m) return undefined
  const out: Record<string, string> = {}
  for (const a of m[1].matchAll(/([\w:-]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) out[`@${a[1]}`] = a[3] ?? a[4]
  return out
}

/** The JSON value of an element's content. */
function elementValue (el: XNode): unknown {
  const attrs = attributes(el)
  const kids = children(el)
  if (attrs.length === 0 && kids.length === 0) return el.childNodes.length === 0 ? null : ''
  if (attrs.length === 0 && kids.length === 1 && (kids[0].nodeType === TEXT || kids[0].nodeType === CDATA)) {
    return kids[0].nodeValue ?? ''
  }
  const out: Record<string, unknown> = {}
  for (const a of attrs) out[`@${a.name}`] = a.value
  addChildren(out, kids)
  return out
}

function addChildren (out: Record<string, unknown>, kids: XNode[]): void {
  const names: string[] = []
  const groups = new Map<string, unknown[]>()
  for (const k of kids) {
    let name: string
    let value: unknown
    switch (k.nodeType) {
      case ELEMENT:
        name = (k as Element).tagName
        value = elementValue(k)
        break
      case TEXT:
        name = '#text'
        value = k.nodeValue
        break
      case CDATA:
        name = '#cdata-section'
        value = k.nodeValue
        break
      case COMMENT:
        name = '#comment'
        value = k.nodeValue
        break
      case PI:
        name = `?${(k as ProcessingInstruction).target}`
        value = (k as ProcessingInstruction).data
        break
      default:
        continue
    }
    if (!groups.has(name)) {
      groups.set(name, [])
      names.push(name)
    }
    groups.get(name)!.push(value)
  }
  for (const name of names) {
    const values = groups.get(name)!
    out[name] = values.length === 1 ? values[0] : values
  }
}

/** json(xml(...)): a document as Logic Apps turns it into JSON. */
export function xmlToJson (text: string): Record<string, unknown> {
  const doc = parseXml(text)
  const out: Record<string, unknown> = {}
  const decl = declaration(text)
  if (decl) out['?xml'] = decl
  const kids = children(doc).filter(k => !(k.nodeType === PI && (k as ProcessingInstruction).target === 'xml'))
  addChildren(
    out,
    kids.filter(k => k.nodeType !== DOCTYPE)
  )
  return out
}

const escapeText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const escapeAttr = (s: string): string => escapeText(s).replace(/"/g, '&quot;')

function scalarText (v: unknown): string {
  if (typeof v === 'string') return v
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  const n = asNum(v)
  if (n) return jsonNumber(n)
  return String(v)
}

function checkName (name: string): string {
  if (!/^[\p{L}_][\p{L}\p{N}_.:-]*$/u.test(name)) {
    throw new XmlError(`'${name}' cannot be an XML element or ` +
    'attribute name.')
  }
  return name
}

const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : [x])

function element (name: string, v: unknown): string {
  if (Array.isArray(v)) return v.map(x => element(name, x)).join('')
  checkName(name)
  if (v === null || v === undefined) return `<${name} />`
  if (!isObject(v)) return `<${name}>${escapeText(scalarText(v))}</${name}>`
  let attrs = ''
  let body = ''
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('@')) attrs += ` ${checkName(k.slice(1))}="${escapeAttr(scalarText(x))}"`
    else if (k === '#text') body += escapeText(Array.isArray(x) ? x.map(scalarText).join('') : scalarText(x))
    else if (k === '#cdata-section') body += list(x).map(c => `<![CDATA[${scalarText(c)}]]>`).join('')
    else if (k === '#comment') body += list(x).map(c => `<!--${scalarText(c)}-->`).join('')
    else if (k.startsWith('?')) body += `<?${k.slice(1)} ${scalarText(x)}?>`
    else body += element(k, x)
  }
  return body === '' ? `<${name}${attrs} />` : `<${name}${attrs}>${body}</${name}>`
}

/** xml(json(...)): an object with one root property as XML text (Newtonsoft's DeserializeXmlNode). */
export function jsonToXml (v: unknown): string {
  if (!isObject(v)) {
    throw new XmlError(
      'Only a JSON object with a single root property can be converted to XML (not an array or a value).'
    )
  }
  let decl = ''
  const roots = Object.entries(v).filter(([k, x]) => {
    if (k === '?xml' && isObject(x)) {
      decl = `<?xml${Object.entries(x)
        .map(([a, b]) => ` ${a.replace(/^@/, '')}="${escapeAttr(scalarText(b))}"`)
        .join('')}?>`
      return false
    }
    return k !== '!DOCTYPE'
  })
  if (roots.length !== 1 || Array.isArray(roots[0][1])) {
    throw new XmlError(
      'The JSON object must have exactly one root property that is not an array to be converted to XML' +
        ` (it has ${roots.length === 1 ? 'an array' : roots.length}).`
    )
  }
  const xml = decl + element(roots[0][0], roots[0][1])
  parseXml(xml)
  return xml
}

/**
 * xpath(): a node set is an array (elements as XML content, text and attributes as their values); a number,
 * string or boolean result is that value.
 */
export function evaluateXPath (text: string, expression: string): unknown {
  const doc = parseXml(text)
  let result: xpath.SelectReturnType
  try {
    result = xpath.select(expression, doc as never)
  } catch (err) {
    throw new XmlError(`The XPath expression '${expression}' is not valid: ${(err as Error).message}`)
  }
  if (Array.isArray(result)) {
    return result.map(n => {
      const node = n as XNode
      if (
        node.nodeType === ATTRIBUTE ||
        node.nodeType === TEXT ||
        node.nodeType === CDATA ||
        node.nodeType === COMMENT
      ) {
        return node.nodeValue ?? ''
      }
      // The serialiser declares the namespaces an element of a larger document relies on.
      return xmlContent(serialize(node))
    })
  }
  return result
}
