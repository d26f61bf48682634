/** URI parsing: uriHost, uriPath, uriPathAndQuery, uriPort, uriQuery, uriScheme (of absolute URIs, as .NET's Uri). */
import { type Args, def, type Family } from './context.js'

const DEFAULT_PORTS: Record<string, number> = {
  http: 80,
  https: 443,
  ftp: 21,
  ws: 80,
  wss: 443,
  ldap: 389,
  nntp: 119,
  gopher: 70,
}

function uri (a: Args): URL {
  const s = a.str(0)
  try {
    const u = new URL(s)
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(s.trim())) throw new Error('not absolute')
    return u
  } catch {
    throw a.fail(`was invoked with a parameter that is not a valid absolute URI: '${s}'.`)
  }
}

const scheme = (u: URL): string => u.protocol.replace(/:$/, '')

export const uris: Family = {
  uriHost: def(1, 1, a => uri(a).hostname),
  uriPath: def(1, 1, a => uri(a).pathname || '/'),
  uriPathAndQuery: def(1, 1, a => {
    const u = uri(a)
    return (u.pathname || '/') + u.search
  }),
  uriPort: def(1, 1, a => {
    const u = uri(a)
    return u.port ? Number(u.port) : (DEFAULT_PORTS[scheme(u)] ?? -1)
  }),
  uriQuery: def(1, 1, a => uri(a).search),
  uriScheme: def(1, 1, a => scheme(uri(a))),
}
