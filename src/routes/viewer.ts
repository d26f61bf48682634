import { readFileSync } from 'node:fs'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'

/** The run viewer's files, read once: they ship in the source tree and need no build step. */
const ASSETS = {
  'viewer.js': { type: 'text/javascript; charset=utf-8', body: readAsset('viewer.js') },
  'viewer.css': { type: 'text/css; charset=utf-8', body: readAsset('viewer.css') },
}
const PAGE = readAsset('index.html')

function readAsset (name: string): string {
  return readFileSync(new URL(`../viewer/${name}`, import.meta.url), 'utf8')
}

/**
 * Only this origin's script and style, no inline code, no frames, no forms posting elsewhere: user data (message
 * text, trigger bodies) that slipped into the page as markup could not run.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

const secured = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
}

const Page = { 200: Type.String({ description: 'The page.' }) }

/**
 * The run viewer at /flows (and / leads there): a static page and its two files; the person signs in with their
 * token in the page, which then calls the REST API, so it has exactly their rights. Not part of the API definition.
 */
export const viewerRoutes: FastifyPluginAsyncTypebox<{ flows: boolean }> = async (app, { flows }) => {
  const redirect = { hide: true, response: { 302: Type.Null() } }
  app.get('/', { config: { public: true }, schema: redirect }, async (_r, reply) =>
    reply.redirect(flows ? '/flows' : '/documentation/', 302)
  )
  if (!flows) return
  app.get('/flows', { config: { public: true }, schema: { hide: true, response: Page } }, async (_r, reply) =>
    reply.headers({ ...secured, 'content-type': 'text/html; charset=utf-8' }).send(PAGE)
  )
  app.get(
    '/flows/assets/:name',
    {
      config: { public: true },
      schema: {
        hide: true,
        params: Type.Object({ name: Type.Union(Object.keys(ASSETS).map(n => Type.Literal(n))) }),
        response: Page,
      },
    },
    async (request, reply) => {
      const asset = ASSETS[request.params.name as keyof typeof ASSETS]
      return reply.headers({ ...secured, 'content-type': asset.type }).send(asset.body)
    }
  )
}
