import net from 'node:net'

export interface RawReply {
  status: number
  headers: Record<string, string>
  body: any
  text: string
}

/** The status line, headers and body of an HTTP/1.1 answer (Content-Length or chunked). */
export function parseRawReply (raw: Buffer): RawReply {
  const end = raw.indexOf('\r\n\r\n')
  if (end < 0) throw new Error(`no complete answer: ${JSON.stringify(raw.toString('latin1').slice(0, 200))}`)
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  let body = raw.subarray(end + 4)
  if (headers['transfer-encoding'] === 'chunked') {
    const parts: Buffer[] = []
    let at = 0
    for (;;) {
      const eol = body.indexOf('\r\n', at)
      const size = parseInt(body.subarray(at, eol).toString('latin1'), 16)
      if (!size) break
      parts.push(body.subarray(eol + 2, eol + 2 + size))
      at = eol + 2 + size + 2
    }
    body = Buffer.concat(parts)
  } else if (headers['content-length'] !== undefined) {
    body = body.subarray(0, Number(headers['content-length']))
  }
  const text = body.toString('utf8')
  let parsed: unknown
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    parsed = text
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: parsed, text }
}

/**
 * Writes exactly these bytes to the service and reads the answer until the server closes the connection
 * (requests say `Connection: close`, and error answers close it anyway): what no HTTP client library would send.
 */
export function rawRequest (url: string, request: string | Buffer): Promise<RawReply> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const socket = net.connect(Number(port), hostname, () => socket.write(request))
    socket.on('data', c => chunks.push(c))
    socket.on('error', err => {
      // A server that answers and closes before reading everything may reset the connection: keep the answer.
      if (chunks.length > 0) return
      reject(err)
    })
    socket.on('close', () => {
      try {
        resolve(parseRawReply(Buffer.concat(chunks)))
      } catch (err) {
        reject(err)
      }
    })
  })
}

/** A request with these headers (one per line, `Name: value`), `Connection: close` added. */
export function http11 (method: string, path: string, headers: string[], body = ''): string {
  const withLength = body ? [...headers, `Content-Length: ${Buffer.byteLength(body)}`] : headers
  return `${method} ${path} HTTP/1.1\r\n${[...withLength, 'Connection: close'].join('\r\n')}\r\n\r\n${body}`
}
