import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'

export const INFO = {
  title: 'Webex Spaces',
  description:
    'Send and receive messages, manage spaces, teams and members in Webex, react to activity with triggers, and ' +
      'govern spaces with tags, search and retention policies.',
  version: '1.0.0',
  contact: {
    name: 'Webex Spaces connector maintainers',
    url: 'https://github.com/webex-spaces-connector',
    email: 'maintainers@webex-spaces-connector.dev',
  },
}

export const TAGS = [
  { name: 'Spaces', description: 'Spaces (rooms): list, create, read, update, delete.' },
  { name: 'Memberships', description: 'Who is in a space.' },
  { name: 'Messages', description: 'Messages in spaces and 1:1.' },
  { name: 'People', description: 'People in the organisation.' },
  { name: 'Teams', description: 'Teams and their members.' },
  { name: 'Triggers', description: 'Subscribe to events (Power Automate / Logic Apps triggers).' },
  { name: 'Webhooks', description: 'Webex webhooks, for scripts.' },
]

/** Webex's OAuth scopes the actions and triggers need. */
export const SCOPES = {
  'spark:all': 'Full access to your Webex account',
  'spark:people_read': "Read your users' company directory",
  'spark:rooms_read': "List the titles of rooms that you're in",
  'spark:rooms_write': 'Manage rooms on your behalf',
  'spark:memberships_read': "List people in the rooms you're in",
  'spark:memberships_write': 'Invite people to rooms on your behalf',
  'spark:messages_read': "Read the content of rooms that you're in",
  'spark:messages_write': 'Post and delete messages on your behalf',
  'spark:teams_read': 'List the teams you are a member of',
  'spark:team_memberships_write': 'Add people to teams on your behalf',
}
export const AUTHORIZE_URL = 'https://webexapis.com/v1/authorize'
export const TOKEN_URL = 'https://webexapis.com/v1/access_token'

/**
 * @fastify/swagger over the live routes: OpenAPI 3 for REST callers (served at /documentation), or Swagger
 * 2.0, which the connector generator turns into the Power Platform definition.
 */
export async function registerDocs (
  app: FastifyInstance,
  config: Config,
  mode: 'openapi3' | 'swagger2'
): Promise<void> {
  const hide = (url: string): boolean => url === '/health' || url.startsWith('/documentation')
  if (mode === 'swagger2') {
    await app.register(swagger, {
      swagger: {
        info: INFO,
        host: config.connector.host,
        basePath: '/',
        schemes: [config.connector.scheme],
        consumes: ['application/json'],
        produces: ['application/json'],
        tags: TAGS,
        securityDefinitions: {
          oauth2: {
            type: 'oauth2',
            flow: 'accessCode',
            authorizationUrl: AUTHORIZE_URL,
            tokenUrl: TOKEN_URL,
            scopes: SCOPES,
          },
        },
        security: [{ oauth2: Object.keys(SCOPES) }],
      },
      hiddenTag: 'hidden',
      transform: ({ schema, url }) => ({ schema: hide(url) ? { ...schema, hide: true } : schema, url }),
      refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
    })
    return
  }
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: INFO,
      servers: [{ url: `${config.connector.scheme}://${config.connector.host}` }],
      tags: TAGS,
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'A Webex access token (the demo tokens work against the embedded backend).',
          },
          oauth2: {
            type: 'oauth2',
            flows: { authorizationCode: { authorizationUrl: AUTHORIZE_URL, tokenUrl: TOKEN_URL, scopes: SCOPES } },
          },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: ({ schema, url }) => ({ schema: hide(url) ? { ...schema, hide: true } : schema, url }),
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  })
  await app.register(swaggerUi, { routePrefix: '/documentation' })
}
