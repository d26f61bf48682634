import { Type } from '@sinclair/typebox'
import { Xslt as XsltProcessor, XmlParser } from 'xslt-processor'
import { objectOf } from '../../schema.js'
import { asContent, Content, toText } from '../../values.js'
import { parseXml, xmlContent } from '../../xml.js'
import { ActionFailure, defineAction } from '../types.js'
import { inputsOf } from './shared.js'

const MapRef = objectOf({ name: Type.String(), source: Type.Unsafe({ enum: ['LogicApp', 'IntegrationAccount'] }) }, [
  'name',
])

/**
 * Xslt (Transform XML): the content transformed by an XSLT 1.0 map from the maps folder, named as a Consumption
 * workflow names it (integrationAccount.map.name) or a Standard one (map.name, kind DataMapper for the Data
 * Mapper's generated maps), with xsltParameters as the stylesheet's top-level parameters. The body is the result,
 * XML content unless the map outputs text or HTML.
 */
export const xslt = defineAction<{ map: string }>({
  type: 'Xslt',
  properties: () => ({ kind: Type.Unsafe({ enum: ['DataMapper'] }) }),
  inputs: inputsOf({
    content: Type.Unknown(),
    integrationAccount: objectOf({ map: MapRef }, ['map']),
    map: MapRef,
    xsltParameters: Type.Record(Type.String(), Type.Unknown()),
    function: objectOf({ id: Type.String() }),
  }),
  inputsRequired: true,
  evaluated: ({ integrationAccount: _ia, map: _map, function: _fn, ...rest }) => rest,
  compile: (a, c, path) => {
    const i = a.inputs as {
      integrationAccount?: { map: { name: string } }
      map?: { name: string }
      function?: { id?: string }
    }
    if (i.function?.id) {
      c.problem(
        `${path}/inputs/function`,
        'maps whose code runs in an Azure function are not available here: a map is an XSLT stylesheet'
      )
    }
    if (!i.integrationAccount === !i.map) {
      c.problem(`${path}/inputs`, 'name the map: integrationAccount.map.name (Consumption) or map.name (Standard)')
    }
    return { map: (i.integrationAccount?.map ?? i.map)?.name ?? '' }
  },
  run: async ({ data, inputs, run }) => {
    const i = inputs as { content?: unknown; xsltParameters?: Record<string, unknown> }
    const content = asContent(i.content)
    const text = content ? content.text() : typeof i.content === 'string' ? i.content : toText(i.content)
    try {
      parseXml(text)
    } catch (err) {
      throw new ActionFailure('InvalidXml', `The content to transform is not XML: ${(err as Error).message}`)
    }
    const stylesheet = run.maps.read(data.map)
    const parser = new XmlParser()
    let sheet
    try {
      parseXml(stylesheet)
      sheet = parser.xmlParse(stylesheet)
    } catch (err) {
      const why = (err as Error).message
      throw new ActionFailure('InvalidMap', `The map '${data.map}' is not an XSLT stylesheet: ${why}`)
    }
    const method = /<xsl:output\b[^>]*\bmethod\s*=\s*["'](\w+)["']/.exec(stylesheet)?.[1]?.toLowerCase() ?? 'xml'
    const processor = new XsltProcessor({
      cData: true,
      escape: true,
      selfClosingTags: true,
      // The library would fetch xsl:import / xsl:include over the network, past the target policy: a map is one file.
      fetchFunction: async uri => {
        throw new Error(`it imports or includes '${uri}'; a map here is one self-contained stylesheet`)
      },
      parameters: Object.entries(i.xsltParameters ?? {}).map(([name, value]) => ({ name, value: toText(value) })),
    })
    let out: string
    try {
      out = await processor.xsltProcess(parser.xmlParse(text), sheet)
    } catch (err) {
      throw new ActionFailure('XsltTransformFailed', `The map '${data.map}' failed: ${(err as Error).message}`)
    }
    const html = (): Content => new Content('text/html;charset=utf-8', Buffer.from(out))
    const body: Content | string = method === 'text' ? out : method === 'html' ? html() : xmlContent(out)
    return { outputs: { body }, body }
  },
})
