import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { errorResponses, IdParam } from '../schemas/common.js'
import type { RouteDeps } from './deps.js'

/** RFC 6266: a quoted ASCII name (what node-sparky and most clients read) plus the exact UTF-8 one. */
function disposition (filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`
}

/** A message's file, as Webex serves `files` URLs: members only, with its type, length and name. */
export const contentRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { backend }) => {
  app.get(
    '/v1/contents/:contentId',
    {
      // HEAD answers the same headers without the bytes (Webex's way to learn a file's name and size).
      exposeHeadRoute: true,
      schema: {
        operationId: 'GetFileContent',
        summary: 'Get File Content',
        tags: ['Messages'],
        description: "Download a message's file: the URL in the message's files.",
        params: IdParam('contentId', {
          summary: 'Content ID',
          description: 'The file id, the last part of a files URL.',
          visibility: 'important',
        }),
        produces: ['application/octet-stream'],
        response: {
          200: Type.String({ format: 'binary', description: 'The file.' }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const content = await backend.getContent(request.caller, request.params.contentId)
      reply
        .header('content-type', content.contentType)
        .header('content-length', String(content.size))
        .header('content-disposition', disposition(content.filename))
      if (request.method === 'HEAD') {
        // The headers, and no bytes read at all: written directly, as Fastify would make an empty body's length 0.
        reply.hijack()
        reply.raw.writeHead(200, reply.getHeaders() as Record<string, string>).end()
        return reply
      }
      return reply.send((await content.open()) as never)
    }
  )
}
