import { createHash, createPrivateKey, randomUUID, sign } from 'node:crypto'
import forge from 'node-forge'
import { ActionFailure } from './kinds/types.js'

/**
 * ActiveDirectoryOAuth with a certificate (credential type Certificate: `pfx`, the base64 of a PKCS#12 file, and
 * its `password`): the client-credentials grant with a signed client assertion, as the Microsoft identity
 * platform takes certificate credentials: a JWT signed RS256 with the certificate's key, its header naming the
 * certificate by x5t (the SHA-1 thumbprint), its claims aud (the token endpoint), iss and sub (the client id), jti,
 * nbf and exp (10 minutes). node-forge reads the PKCS#12 (Windows exports use algorithms OpenSSL 3 no longer reads);
 * Node's crypto signs.
 */
export function clientAssertion (
  pfx: string,
  password: string,
  clientId: string,
  tokenUrl: string,
  now: number
): string {
  const { keyPem, certDer } = readPfx(pfx, password)
  const b64url = (b: Buffer): string => b.toString('base64url')
  const header = { alg: 'RS256', typ: 'JWT', x5t: b64url(createHash('sha1').update(certDer).digest()) }
  const seconds = Math.floor(now / 1000)
  const claims = { aud: tokenUrl, iss: clientId, sub: clientId, jti: randomUUID(), nbf: seconds, exp: seconds + 600 }
  const signed = `${b64url(Buffer.from(JSON.stringify(header)))}.${b64url(Buffer.from(JSON.stringify(claims)))}`
  const signature = sign('RSA-SHA256', Buffer.from(signed), createPrivateKey(keyPem))
  return `${signed}.${b64url(signature)}`
}

function readPfx (pfx: string, password: string): { keyPem: string; certDer: Buffer } {
  let p12: forge.pkcs12.Pkcs12Pfx
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.decode64(pfx)), password)
  } catch (err) {
    throw new ActionFailure(
      'InvalidAuthentication',
      `The pfx of ActiveDirectoryOAuth authentication cannot be read with its password: ${(err as Error).message}.`
    )
  }
  const bags = (type: string): forge.pkcs12.Bag[] => p12.getBags({ bagType: type })[type] ?? []
  const key = [...bags(forge.pki.oids.pkcs8ShroudedKeyBag), ...bags(forge.pki.oids.keyBag)].find(b => b.key)?.key
  const certs = bags(forge.pki.oids.certBag).flatMap(b => (b.cert ? [b.cert] : []))
  // The certificate is the one whose public key goes with the private key.
  const rsa = key as forge.pki.rsa.PrivateKey | undefined
  const cert = certs.find(c => {
    const pub = c.publicKey as forge.pki.rsa.PublicKey
    return rsa && pub.n && pub.n.equals(rsa.n)
  })
  if (!rsa || !cert) {
    throw new ActionFailure(
      'InvalidAuthentication',
      'The pfx of ActiveDirectoryOAuth authentication must hold an RSA private key and its certificate.'
    )
  }
  return {
    keyPem: forge.pki.privateKeyToPem(rsa),
    certDer: Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary'),
  }
}
