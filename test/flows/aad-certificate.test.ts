import t from 'tap'
import http from 'node:http'
import { createPublicKey, generateKeyPairSync, verify, createHash } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import forge from 'node-forge'
import { flowFile, startFlows, statuses } from './helpers.js'

// ActiveDirectoryOAuth, as Logic Apps takes it: a client secret, or a certificate (pfx + password) proven by a
// signed client assertion. A loopback authority checks what it is sent, as Microsoft's would.

/** A self-signed certificate and its key as a base64 PKCS#12 under `password` (3DES, as Windows exports). */
function makePfx (password: string): { pfx: string; certDer: Buffer; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const key = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString())
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString())
  cert.serialNumber = '01'
  cert.validity.notBefore = new Date('2025-01-01T00:00:00Z')
  cert.validity.notAfter = new Date('2035-01-01T00:00:00Z')
  cert.setSubject([{ name: 'commonName', value: 'flows test' }])
  cert.setIssuer([{ name: 'commonName', value: 'flows test' }])
  cert.sign(key, forge.md.sha256.create())
  const p12 = forge.pkcs12.toPkcs12Asn1(key, [cert], password, { algorithm: '3des' })
  return {
    pfx: forge.util.encode64(forge.asn1.toDer(p12).getBytes()),
    certDer: Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary'),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  }
}

t.test('ActiveDirectoryOAuth: a secret, or a certificate by a signed client assertion; a bad pfx fails', async t => {
  const cert = makePfx('pfx pass')
  const forms: Array<Record<string, string>> = []
  const seen: string[] = []
  const srv = http.createServer((req, res) => {
    let body = ''
    req.on('data', c => (body += c))
    req.on('end', () => {
      if (req.url === '/tenant-1/oauth2/token') {
        const form = Object.fromEntries(new URLSearchParams(body))
        forms.push(form)
        if (form.client_secret === 'wrong') {
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}')
          return
        }
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ access_token: `tok-${forms.length}`, token_type: 'Bearer', expires_in: 3600 }))
      } else {
        seen.push(String(req.headers.authorization))
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
      }
    })
  })
  await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => srv.close(() => resolve())))
  const origin = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`
  const auth = (extra: Record<string, unknown>) => ({
    type: 'ActiveDirectoryOAuth',
    authority: origin,
    tenant: 'tenant-1',
    audience: 'https://api.example.com',
    clientId: 'client-1',
    ...extra,
  })
  const call = (authentication: unknown, runAfter?: string) => ({
    type: 'Http',
    inputs: { method: 'GET', uri: `${origin}/api`, authentication, retryPolicy: { type: 'none' } },
    ...(runAfter ? { runAfter: { [runAfter]: ['Succeeded', 'Failed'] } } : {}),
  })
  const s = await startFlows(
    t,
    {
      aad: flowFile({
        Secret: call(auth({ secret: 's3cret' })),
        // Another resource: a token of the same client and resource would come from the cache.
        Certificate: call(auth({ audience: 'https://files.example.com', pfx: cert.pfx, password: 'pfx pass' }), 'Secret'),
        WrongPassword: call(auth({ audience: 'https://other.example.com', pfx: cert.pfx, password: 'nope' }), 'Certificate'),
        // The client and resource of Secret, whose token is cached, with a wrong secret: the authority refuses it.
        WrongSecret: call(auth({ secret: 'wrong' }), 'WrongPassword'),
        SecretAgain: call(auth({ secret: 's3cret' }), 'WrongSecret'),
      }),
    },
    { flows: { httpAllow: origin } }
  )
  t.same(s.flows!.loadErrors(), [])
  const run = await s.runNow('aad')
  t.same(statuses(run), {
    Secret: 'Succeeded',
    Certificate: 'Succeeded',
    WrongPassword: 'Failed',
    WrongSecret: 'Failed',
    SecretAgain: 'Succeeded',
  })
  t.same(seen, ['Bearer tok-1', 'Bearer tok-2', 'Bearer tok-1'], 'each call with its token, the cached one last')
  t.match(forms[0], { grant_type: 'client_credentials', client_id: 'client-1', client_secret: 's3cret' })

  const form = forms[1]
  t.match(form, {
    grant_type: 'client_credentials',
    client_id: 'client-1',
    resource: 'https://files.example.com',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
  })
  t.notOk('client_secret' in form)
  const [h, c, sig] = form.client_assertion.split('.')
  const header = JSON.parse(Buffer.from(h, 'base64url').toString())
  const claims = JSON.parse(Buffer.from(c, 'base64url').toString())
  t.same(header, { alg: 'RS256', typ: 'JWT', x5t: createHash('sha1').update(cert.certDer).digest('base64url') })
  t.match(claims, { aud: `${origin}/tenant-1/oauth2/token`, iss: 'client-1', sub: 'client-1', jti: String })
  t.equal(claims.exp - claims.nbf, 600, 'valid for 10 minutes')
  t.ok(
    verify('RSA-SHA256', Buffer.from(`${h}.${c}`), createPublicKey(cert.publicPem), Buffer.from(sig, 'base64url')),
    "signed with the certificate's key"
  )
  const wrong = run.actions.find((a: any) => a.name === 'WrongPassword').error
  t.equal(wrong.code, 'InvalidAuthentication')
  t.match(wrong.message, /The pfx of ActiveDirectoryOAuth authentication cannot be read with its password/)
  t.equal(forms[2].client_secret, 'wrong', 'the wrong secret was sent, not answered from the cache')
  t.match(run.actions.find((a: any) => a.name === 'WrongSecret').error, { code: 'AuthenticationFailed' })
  t.equal(forms.length, 3, 'nothing was sent for the unreadable pfx, and the right secret again found its token')
})
