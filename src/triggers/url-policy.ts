import { BlockList, isIP, type LookupFunction } from 'node:net'
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { BadRequestError } from '../errors.js'

/** Addresses a callback must not reach unless configuration allows it: loopback, private, link-local. */
const PRIVATE = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4')
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6')
}

export function isPrivateAddress (address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped) return PRIVATE.check(mapped[1], 'ipv4')
  const family = isIP(address)
  return family === 4 ? PRIVATE.check(address, 'ipv4') : family === 6 ? PRIVATE.check(address, 'ipv6') : false
}

/**
 * A callback URL we are willing to POST to: http or https, no credentials in it, and (unless allowed) not
 * a loopback or private host. Names are checked again when they resolve, at delivery time.
 */
export function checkTargetUrl (raw: string, allowPrivate: boolean, field = 'targetUrl'): string {
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
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost') || isPrivateAddress(host))) {
    throw new BadRequestError(
      `${field} points at a loopback or private address, which this service is configured to refuse.`
    )
  }
  return url.toString()
}

/**
 * A DNS lookup for outbound connections under this policy: a name that resolves to a loopback or private
 * address is refused (EPRIVATE) unless allowed, so a public name cannot be pointed at an inside host.
 */
export function policyLookup (allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, options, (err, address: string | LookupAddress[], family?: number) => {
      const addresses = Array.isArray(address) ? address.map(a => a.address) : [address]
      if (!err && !allowPrivate && addresses.some(isPrivateAddress)) {
        const refused = Object.assign(new Error(`${hostname} resolves to a private address`), { code: 'EPRIVATE' })
        callback(refused, address as string, family)
        return
      }
      callback(err, address as string, family)
    })
  }
}
