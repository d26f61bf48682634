import ipaddr from 'ipaddr.js'
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { isIP, type LookupFunction } from 'node:net'
import { networkInterfaces } from 'node:os'
import { buildConnector } from 'undici'
import { BadRequestError } from '../errors.js'

/**
 * Where the service's own outbound calls (webhook deliveries, flows' Http actions) may go: only to addresses
 * ipaddr.js classifies as `unicast` (public), never to one of this host's own interfaces. Loopback, private,
 * link-local, CGNAT, multicast, broadcast, reserved, documentation and benchmarking ranges are refused, and
 * so is every IPv6 form that embeds an IPv4 address (mapped, compatible, SIIT, NAT64) unless the embedded
 * address is itself allowed. Checked when a target is given (literal addresses and localhost names) and again
 * for every address a name resolves to, and every literal address, when a connection is opened.
 */
export interface TargetPolicy {
  /** DELIVERY_ALLOW_PRIVATE_TARGETS: everything is allowed (tests, and deployments that want it). */
  allowPrivate: boolean
  /** Literal addresses the operator named (FLOWS_HTTP_ALLOW): allowed as written, not when a name resolves there. */
  allowed?: ReadonlySet<string>
}

/** The code of the error a refused connection fails with; senders tell it from network errors by it. */
export const TARGET_REFUSED = 'ETARGETREFUSED'

export class TargetRefusedError extends Error {
  readonly code = TARGET_REFUSED
}

/** The IPv4 address an IPv6 one stands for: ::ffff:a.b.c.d, ::ffff:0:a.b.c.d, ::a.b.c.d, 64:ff9b::a.b.c.d. */
function embeddedIPv4 (ip: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = ip.parts
  const zeros = (n: number) => p.slice(0, n).every(x => x === 0)
  const mapped = zeros(5) && p[5] === 0xffff
  const siit = zeros(4) && p[4] === 0xffff && p[5] === 0
  const compatible = zeros(6) && (p[6] !== 0 || p[7] > 1)
  const nat64 = p[0] === 0x64 && p[1] === 0xff9b && p.slice(2, 6).every(x => x === 0)
  if (!mapped && !siit && !compatible && !nat64) return undefined
  return new ipaddr.IPv4([p[6] >> 8, p[6] & 0xff, p[7] >> 8, p[7] & 0xff])
}

/** This host's own addresses, as ipaddr.js normalises them (read each time: interfaces come and go). */
function ownAddresses (): Set<string> {
  const own = new Set<string>()
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      try {
        own.add(ipaddr.process(i.address).toNormalizedString())
      } catch {}
    }
  }
  return own
}

/** Why this address may not be called, or undefined when it may. */
export function addressRefusal (address: string): string | undefined {
  let ip: ipaddr.IPv4 | ipaddr.IPv6
  try {
    ip = ipaddr.parse(address.replace(/^\[|\]$/g, ''))
  } catch {
    return `${address} is not an IP address`
  }
  const v4 = ip.kind() === 'ipv6' ? embeddedIPv4(ip as ipaddr.IPv6) : undefined
  const subject = v4 ?? ip
  const range = subject.range()
  const seen = v4 ? `${address} (${v4.toString()})` : address
  if (range !== 'unicast') return `${seen} is a ${range} address`
  if (ownAddresses().has(subject.toNormalizedString())) return `${seen} is an address of this service's own host`
  return undefined
}

function isAllowedLiteral (policy: TargetPolicy, host: string): boolean {
  if (!policy.allowed || policy.allowed.size === 0) return false
  try {
    return policy.allowed.has(ipaddr.parse(host.replace(/^\[|\]$/g, '')).toNormalizedString())
  } catch {
    return false
  }
}

/** The literal addresses among origins (`http://10.0.0.5:9000`), normalised, for `TargetPolicy.allowed`. */
export function literalAddresses (origins: string[]): Set<string> {
  const out = new Set<string>()
  for (const origin of origins) {
    const host = new URL(origin).hostname.replace(/^\[|\]$/g, '')
    if (isIP(host)) out.add(ipaddr.parse(host).toNormalizedString())
  }
  return out
}

/** Why a URL's host may not be called, judged without DNS (names are judged when they resolve), or undefined. */
export function hostRefusal (policy: TargetPolicy, hostname: string): string | undefined {
  if (policy.allowPrivate) return undefined
  const host = hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost')) return `${hostname} is a loopback name`
  if (!isIP(host) || isAllowedLiteral(policy, host)) return undefined
  return addressRefusal(host)
}

/**
 * A callback URL we are willing to POST to: http or https, no credentials in it, and (unless allowed) not
 * an address the policy refuses. Names are checked again when they resolve, at delivery time.
 */
export function checkTargetUrl (raw: string, policy: TargetPolicy, field = 'targetUrl'): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new BadRequestError(`${field} is not a valid URL.`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BadRequestError(`${field} must be an http or https URL.`)
  }
  if (url.username || url.password) {
    throw new BadRequestError(`${field} must not carry credentials; use the secret to authenticate deliveries.`)
  }
  const refused = hostRefusal(policy, url.hostname)
  if (refused) {
    throw new BadRequestError(
      `${field} points at a loopback, private or reserved address (${refused}), which this service refuses.`
    )
  }
  return url.toString()
}

/**
 * An undici connector that applies the policy as the connection is made: to a literal address before
 * connecting, and to every address a name resolves to (all of them: one private answer among public ones is
 * enough to refuse), so a public name cannot be pointed at an inside host.
 */
export function guardedConnector (policy: TargetPolicy, timeoutMs: number): buildConnector.connector {
  if (policy.allowPrivate) return buildConnector({ timeout: timeoutMs })
  const lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, options, (err, address: string | LookupAddress[], family?: number) => {
      if (!err) {
        const all = Array.isArray(address) ? address.map(a => a.address) : [address]
        const refused = all.map(addressRefusal).find(Boolean)
        if (refused) {
          callback(new TargetRefusedError(`${hostname} resolves to ${refused}`), address as string, family)
          return
        }
      }
      callback(err, address as string, family)
    })
  }
  const connect = buildConnector({ lookup, timeout: timeoutMs })
  return (options, callback) => {
    const refused = isIP(options.hostname) ? hostRefusal(policy, options.hostname) : undefined
    if (refused) callback(new TargetRefusedError(refused), null)
    else connect(options, callback)
  }
}
