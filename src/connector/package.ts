import { PNG } from 'pngjs'
import type { OpenAPIV2, OpenAPIV3 } from 'openapi-types'
import { buildApp } from '../app.js'
import { makeConfig, type Config } from '../config.js'
import { toConnectorDefinition } from './definition.js'
import { AUTHORIZE_URL, SCOPES, TOKEN_URL } from './docs.js'

export const BRAND_COLOR = '#07C1E4'

/** apiProperties.json: the OAuth connection to Webex, the host parameter and the policy that applies it. */
export function apiProperties (): Record<string, unknown> {
  return {
    properties: {
      connectionParameters: {
        token: {
          type: 'oauthSetting',
          oAuthSettings: {
            identityProvider: 'oauth2',
            clientId: '[[Your Webex integration client id]]',
            // Webex wants its scopes space-separated, so one entry carries them all.
            scopes: [Object.keys(SCOPES).join(' ')],
            redirectMode: 'Global',
            redirectUrl: 'https://global.consent.azure-apim.net/redirect',
            properties: { IsFirstParty: 'False' },
            customParameters: {
              authorizationUrl: { value: AUTHORIZE_URL },
              tokenUrl: { value: TOKEN_URL },
              refreshUrl: { value: TOKEN_URL },
            },
          },
        },
        hostUrl: {
          type: 'string',
          uiDefinition: {
            displayName: 'Service host',
            description: 'The host of your Webex Spaces connector service, e.g. webex-spaces.contoso.com.',
            tooltip: 'Host name (and port) only, without https://',
            constraints: { required: 'true', clearText: true, tabIndex: 1 },
          },
        },
      },
      iconBrandColor: BRAND_COLOR,
      capabilities: ['actions', 'triggers'],
      publisher: 'Webex Spaces connector maintainers',
      stackOwner: 'Cisco',
      policyTemplateInstances: [
        {
          templateId: 'dynamichosturl',
          title: 'Use the host of the connection',
          parameters: { 'x-ms-apimTemplateParameter.urlTemplate': "https://@connectionParameters('hostUrl')" },
        },
      ],
    },
  }
}

/** settings.json for the Power Platform connector CLI (paconn). */
export function settings (): Record<string, unknown> {
  return {
    connectorId: '',
    environment: '00000000-0000-0000-0000-000000000000',
    apiProperties: 'apiProperties.json',
    apiDefinition: 'apiDefinition.swagger.json',
    icon: 'icon.png',
    powerAppsUrl: 'https://api.powerapps.com',
    powerAppsApiVersion: '2016-11-01',
  }
}

/**
 * The connector icon, drawn here so the package needs no binary asset: a speech bubble in white on the
 * brand colour, 230x230 as the connector CLI expects. Deterministic, so the test can compare bytes.
 */
export function icon (): Buffer {
  const size = 230
  const png = new PNG({ width: size, height: size })
  const [r, g, b] = [1, 3, 5].map(i => parseInt(BRAND_COLOR.slice(i, i + 2), 16))
  const inBubble = (x: number, y: number): boolean => {
    const [cx, cy, rx, ry] = [115, 100, 72, 52]
    const ellipse = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1
    const tail = y >= 140 && y <= 182 && x >= 80 && x <= 110 && x - 80 >= (y - 140) * 0.7
    return ellipse || tail
  }
  const isDot = (x: number, y: number): boolean => [85, 115, 145].some(cx => (x - cx) ** 2 + (y - 100) ** 2 <= 81)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4
      const white = inBubble(x, y) && !isDot(x, y)
      png.data[i] = white ? 255 : r
      png.data[i + 1] = white ? 255 : g
      png.data[i + 2] = white ? 255 : b
      png.data[i + 3] = 255
    }
  }
  return PNG.sync.write(png)
}

async function definitionFrom (config: Config, docs: 'openapi3' | 'swagger2'): Promise<unknown> {
  const { app } = await buildApp(config, { docs })
  try {
    await app.ready()
    return app.swagger()
  } finally {
    await app.close()
  }
}

export interface ConnectorPackage {
  apiDefinition: OpenAPIV2.Document
  apiProperties: Record<string, unknown>
  settings: Record<string, unknown>
  icon: Buffer
  openapi: OpenAPIV3.Document
}

/** Everything `npm run build:connector` writes, generated from the live route schemas. */
export async function generatePackage (settingsIn: Record<string, unknown> = {}): Promise<ConnectorPackage> {
  const config = makeConfig({ ...settingsIn, dataDir: ':memory:', seedDemo: false, logLevel: 'silent' })
  const swagger2 = (await definitionFrom(config, 'swagger2')) as OpenAPIV2.Document
  const openapi = (await definitionFrom(config, 'openapi3')) as OpenAPIV3.Document
  return {
    apiDefinition: toConnectorDefinition(swagger2),
    apiProperties: apiProperties(),
    settings: settings(),
    icon: icon(),
    openapi,
  }
}

/** The files of the package, by path relative to the repository root. */
export function packageFiles (p: ConnectorPackage): Record<string, string | Buffer> {
  const json = (v: unknown): string => JSON.stringify(v, null, 2) + '\n'
  return {
    'connector/apiDefinition.swagger.json': json(p.apiDefinition),
    'connector/apiProperties.json': json(p.apiProperties),
    'connector/settings.json': json(p.settings),
    'connector/icon.png': p.icon,
    'openapi/openapi.json': json(p.openapi),
  }
}
