import { createHash } from 'node:crypto'
import type { Compiler } from './kinds/types.js'
import { ActionFailure } from './kinds/types.js'
import { clientAssertion } from './client-assertion.js'

/**
 * Authentication of a flow's outbound HTTP calls (Http, HttpWebhook, the Http trigger), as Logic Apps has it:
 * Basic, Raw, ManagedServiceIdentity (a token from the identity endpoint of the host, as Azure App Service and
 * Container Apps provide it: IDENTITY_ENDPOINT + IDENTITY_HEADER), ActiveDirectoryOAuth with a client secret or a
 * certificate (pfx + password: a signed client assertion, client-assertion.ts), the client-credentials grant at the
 * authority. ClientCertificate (TLS client authentication) is refused at load.
 */
const KINDS: Record<string, { required: string[]; optional: string[] }> = {
  Basic: { required: ['username', 'password'], optional: [] },
  Raw: { required: ['value'], optional: [] },
  ManagedServiceIdentity: { required: [], optional: ['audience', 'identity'] },
  ActiveDirectoryOAuth: {
    required: ['tenant', 'audience', 'clientId', 'secret'],
    optional: ['authority', 'credentialType'],
  },
  // ActiveDirectoryOAuth with the credential type Certificate (a pfx instead of a secret).
  ActiveDirectoryOAuthCertificate: {
    required: ['tenant', 'audience', 'clientId', 'pfx', 'password'],
    optional: ['authority', 'credentialType'],
  },
}
const withCertificate = (a: Record<string, unknown>): boolean =>
  'pfx' in a || String(a.credentialType).toLowerCase() === 'certificate'
const REFUSED: Record<string, string> = {
  ClientCertificate: 'client certificates (pfx) are not supported by this runtime',
}

const TYPES = ['Basic', 'Raw', 'ManagedServiceIdentity', 'ActiveDirectoryOAuth']
const kindOf = (t: unknown): string | undefined => TYPES.find(k => k.toLowerCase() === String(t).toLowerCase())

/** Load-time check of an `authentication` object (an expression is checked when it is evaluated). */
export function checkAuthentication (path: string, auth: unknown, c: Pick<Compiler, 'problem'>): void {
  if (auth === undefined || (typeof auth === 'string' && auth.startsWith('@'))) return
  if (!auth || typeof auth !== 'object' || Array.isArray(auth)) {
    c.problem(path, 'must be an object { type, ... }')
    return
  }
  const a = auth as Record<string, unknown>
  const refused = Object.keys(REFUSED).find(k => k.toLowerCase() === String(a.type).toLowerCase())
  if (refused) {
    c.problem(`${path}/type`, `${refused} authentication is refused: ${REFUSED[refused]}`)
    return
  }
  const kind = kindOf(a.type)
  if (!kind) {
    c.problem(`${path}/type`, `must be one of ${[...TYPES, ...Object.keys(REFUSED)].join(', ')}`)
    return
  }
  const certificate = kind === 'ActiveDirectoryOAuth' && withCertificate(a)
  const spec = KINDS[certificate ? 'ActiveDirectoryOAuthCertificate' : kind]
  for (const k of Object.keys(a)) {
    if (k !== 'type' && !spec.required.includes(k) && !spec.optional.includes(k)) {
      c.problem(
        path,
        `unknown property '${k}' for ${kind} authentication${certificate ? ' with a certificate (pfx)' : ''}`
      )
    }
  }
  for (const k of spec.required) if (!(k in a)) c.problem(`${path}/${k}`, 'is required')
}

export interface IdentityEndpoint {
  /** IDENTITY_ENDPOINT: the host's managed identity token endpoint. */
  endpoint: string
  /** IDENTITY_HEADER: the secret the endpoint expects in X-IDENTITY-HEADER. */
  header: string
}

export interface AuthDeps {
  identity?: IdentityEndpoint
  now(): number
  /** Sends a token request (the authority of ActiveDirectoryOAuth goes through the Http target policy). */
  fetchToken(
    url: string,
    init: { method: string; headers: Record<string, string>; body?: string },
    policed: boolean
  ): Promise<{ status: number; body: unknown }>
}

const tokens = new Map<string, { value: string; expires: number }>()

async function token (
  key: string,
  deps: AuthDeps,
  get: () => Promise<{ status: number; body: unknown }>
): Promise<string> {
  const cached = tokens.get(key)
  if (cached && cached.expires > deps.now() + 60_000) return cached.value
  const res = await get()
  const b = (res.body ?? {}) as {
    access_token?: unknown
    token_type?: unknown
    expires_on?: unknown
    expires_in?: unknown
  }
  if (res.status !== 200 || typeof b.access_token !== 'string') {
    throw new ActionFailure(
      'AuthenticationFailed',
      `The token request answered ${res.status}.`,
      undefined,
      undefined,
      res.status >= 500
    )
  }
  const expires =
    b.expires_on !== undefined ? Number(b.expires_on) * 1000 : deps.now() + Number(b.expires_in ?? 300) * 1000
  const value = `${typeof b.token_type === 'string' ? b.token_type : 'Bearer'} ${b.access_token}`
  tokens.set(key, { value, expires })
  return value
}

/** The Authorization header value for an authentication object (evaluated), or undefined for none. */
export async function authorization (auth: unknown, deps: AuthDeps): Promise<string | undefined> {
  if (auth === undefined || auth === null) return undefined
  const problems: string[] = []
  checkAuthentication('authentication', auth, { problem: (p, m) => problems.push(`${p}: ${m}`) })
  if (problems.length > 0) throw new ActionFailure('InvalidAuthentication', problems.join('; '))
  const a = auth as Record<string, string>
  switch (kindOf(a.type)) {
    case 'Basic':
      return `Basic ${Buffer.from(`${a.username}:${a.password}`).toString('base64')}`
    case 'Raw':
      return String(a.value)
    case 'ManagedServiceIdentity': {
      const id = deps.identity
      if (!id) {
        throw new ActionFailure(
          'ManagedIdentityNotAvailable',
          "ManagedServiceIdentity needs the host's identity endpoint (IDENTITY_ENDPOINT and IDENTITY_HEADER), " +
            'which is not set.'
        )
      }
      const audience = a.audience ?? 'https://management.azure.com/'
      const url = new URL(id.endpoint)
      url.searchParams.set('resource', audience)
      url.searchParams.set('api-version', '2019-08-01')
      if (a.identity) url.searchParams.set('mi_res_id', a.identity)
      return token(`msi|${audience}|${a.identity ?? ''}`, deps, () =>
        deps.fetchToken(url.toString(), { method: 'GET', headers: { 'x-identity-header': id.header } }, false)
      )
    }
    case 'ActiveDirectoryOAuth': {
      const authority = (a.authority ?? 'https://login.microsoftonline.com').replace(/\/+$/, '')
      const url = `${authority}/${encodeURIComponent(a.tenant)}/oauth2/token`
      const credential: Record<string, string> = withCertificate(a)
        ? {
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: clientAssertion(a.pfx, a.password, a.clientId, url, deps.now()),
          }
        : { client_secret: a.secret }
      const body = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: a.clientId,
        ...credential,
        resource: a.audience,
      }).toString()
      // The credential is part of the key (hashed): a flow giving the same client a wrong secret or certificate
      // must be refused by the authority, not handed the token another flow's right one obtained.
      const proof = createHash('sha256')
        .update(withCertificate(a) ? `pfx\0${a.pfx}\0${a.password}` : `secret\0${a.secret}`)
        .digest('base64url')
      return token(`aad|${url}|${a.clientId}|${a.audience}|${proof}`, deps, () =>
        deps.fetchToken(
          url,
          { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body },
          true
        )
      )
    }
  }
  return undefined
}
