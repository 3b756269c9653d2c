// The fetcher's refusals, redirects and timeouts against servers on 127.0.0.1 that this file
// starts. Names are resolved only by injected resolvers; no traffic leaves loopback.
import http from 'node:http'
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net'

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import { InvalidArgumentError } from '../src/errors/index.js'
import {
  safeFetch,
  TooManyRedirectsError,
  AbortedError,
  TransferTimeoutError,
  UrlRefusedError,
  type HostResolver,
  type SafeResponse,
} from '../src/storage/index.js'

interface TestServer {
  port: number
  origin: string
  connections: number
  requests: { url: string; host: string | undefined }[]
  close(): Promise<void>
}

async function startServer(handler: http.RequestListener): Promise<TestServer> {
  const server = http.createServer(handler)
  const state: TestServer = {
    port: 0,
    origin: '',
    connections: 0,
    requests: [],
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections()
        server.close(() => done())
      }),
  }
  server.on('connection', () => state.connections++)
  server.on('request', (req: http.IncomingMessage) => state.requests.push({ url: req.url ?? '', host: req.headers.host }))
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', () => ready()))
  state.port = (server.address() as AddressInfo).port
  state.origin = `http://127.0.0.1:${state.port}`
  return state
}

async function text(response: SafeResponse): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of response.body as AsyncIterable<Buffer>) chunks.push(c)
  return Buffer.concat(chunks).toString('utf8')
}

const loopbackResolver =
  (calls: string[] = [], address = '127.0.0.1'): HostResolver =>
  async (name) => {
    calls.push(name)
    return [{ address, family: 4 }]
  }

let target: TestServer
let hub: TestServer

beforeAll(async () => {
  target = await startServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end(`target saw ${req.url}`)
  })
  hub = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const to = url.searchParams.get('to')
    const hops = Number(url.searchParams.get('hops') ?? '0')
    if (to) {
      res.writeHead(302, { location: to })
      res.end()
    } else if (hops > 0) {
      res.writeHead(307, { location: `/chain?hops=${hops - 1}` })
      res.end()
    } else if (url.pathname === '/stall') {
      res.writeHead(200, { 'content-length': '1000' })
      res.write('x'.repeat(10))
    } else if (url.pathname === '/slow') {
      res.writeHead(200)
      const timer = setInterval(() => res.write('y'.repeat(1024)), 20)
      res.on('close', () => clearInterval(timer))
    } else {
      res.writeHead(200)
      res.end(`hub ${url.pathname}`)
    }
  })
})
afterAll(async () => {
  await target.close()
  await hub.close()
})
beforeEach(() => {
  target.connections = 0
  target.requests.length = 0
})

describe('refusals reach no server', () => {
  it.each([
    (p: number) => `http://127.0.0.1:${p}/secret`,
    (p: number) => `http://2130706433:${p}/`,
    (p: number) => `http://0x7f.1:${p}/`,
    (p: number) => `http://127.1:${p}/`,
    (p: number) => `http://0177.0.0.1:${p}/`,
    (p: number) => `http://0x7f000001:${p}/`,
    (p: number) => `http://[::ffff:127.0.0.1]:${p}/`,
    (p: number) => `http://[::ffff:7f00:1]:${p}/`,
  ])('%s', async (make) => {
    const err = await safeFetch(make(target.port), { resolve: loopbackResolver() }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UrlRefusedError)
    expect(target.connections).toBe(0)
  })

  it('a name that resolves to loopback (localhost, or any name) is refused', async () => {
    for (const name of ['localhost', 'innocent.test', 'localhost.']) {
      const calls: string[] = []
      const err = await safeFetch(`http://${name}:${target.port}/`, { resolve: loopbackResolver(calls) }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(UrlRefusedError)
      expect((err as UrlRefusedError).details).toContain('loopback')
      expect(calls).toHaveLength(1)
    }
    expect(target.connections).toBe(0)
  })

  it('a name with one public and one loopback address is refused before connecting anywhere', async () => {
    const resolve: HostResolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ]
    await expect(safeFetch(`http://mixed.test:${target.port}/`, { resolve })).rejects.toBeInstanceOf(UrlRefusedError)
    expect(target.connections).toBe(0)
  })

  it('file: is refused without allowFile', async () => {
    await expect(safeFetch('file:///etc/hostname')).rejects.toBeInstanceOf(UrlRefusedError)
  })
})

describe('allowPrivate and pinned addresses', () => {
  it('allowPrivate reaches loopback; the request names the host, the socket goes to the checked address', async () => {
    const calls: string[] = []
    const response = await safeFetch(`http://weights.test:${target.port}/w`, { allowPrivate: true, resolve: loopbackResolver(calls) })
    expect(response.status).toBe(200)
    expect(await text(response)).toBe('target saw /w')
    expect(target.requests).toEqual([{ url: '/w', host: `weights.test:${target.port}` }])
    expect(calls).toEqual(['weights.test'])
  })

  it('a resolver that changes its answer (rebinding) is asked once; the connection uses the first, checked answer', async () => {
    const calls: string[] = []
    // After the first answer it points at 127.0.0.2, where nothing listens: a second lookup would fail the request.
    const rebinding: HostResolver = async (name) => {
      calls.push(name)
      return [{ address: calls.length === 1 ? '127.0.0.1' : '127.0.0.2', family: 4 }]
    }
    for (let i = 0; i < 3; i++) {
      const response = await safeFetch(`http://rebind.test:${target.port}/r${i}`, { allowPrivate: true, resolve: rebinding })
      expect(await text(response)).toBe(`target saw /r${i}`)
      calls.length = 0
    }
  })
})

describe('redirects: every hop is checked', () => {
  it('a trusted origin redirecting to an untrusted loopback port is refused, and that port sees nothing', async () => {
    const to = encodeURIComponent(`http://127.0.0.1:${target.port}/stolen`)
    const err = await safeFetch(`${hub.origin}/go?to=${to}`, { trustedOrigins: [hub.origin] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UrlRefusedError)
    expect((err as UrlRefusedError).url).toBe(`http://127.0.0.1:${target.port}/stolen`)
    expect(target.connections).toBe(0)
  })

  it('a redirect to an odd encoding of loopback is refused too', async () => {
    const to = encodeURIComponent(`http://2130706433:${target.port}/`)
    await expect(safeFetch(`${hub.origin}/go?to=${to}`, { trustedOrigins: [hub.origin] })).rejects.toBeInstanceOf(UrlRefusedError)
    expect(target.connections).toBe(0)
  })

  it('a redirect to file: is refused even with allowFile', async () => {
    const to = encodeURIComponent('file:///etc/passwd')
    await expect(safeFetch(`${hub.origin}/go?to=${to}`, { trustedOrigins: [hub.origin], allowFile: true })).rejects.toBeInstanceOf(UrlRefusedError)
  })

  it('redirects within trusted origins are followed, relative ones included', async () => {
    const to = encodeURIComponent(`${target.origin}/allowed`)
    const response = await safeFetch(`${hub.origin}/go?to=${to}`, { trustedOrigins: [hub.origin, target.origin] })
    expect(response.url).toBe(`${target.origin}/allowed`)
    expect(await text(response)).toBe('target saw /allowed')
    const relative = await safeFetch(`${hub.origin}/chain?hops=2`, { trustedOrigins: [hub.origin] })
    expect(await text(relative)).toBe('hub /chain')
  })

  it('five hops are followed, the sixth is not', async () => {
    const five = await safeFetch(`${hub.origin}/chain?hops=5`, { trustedOrigins: [hub.origin] })
    expect(five.status).toBe(200)
    await text(five)
    const err = await safeFetch(`${hub.origin}/chain?hops=6`, { trustedOrigins: [hub.origin] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TooManyRedirectsError)
    expect((err as TooManyRedirectsError).code).toBe('SOMA_TOO_MANY_REDIRECTS')
    await expect(safeFetch(`${hub.origin}/chain?hops=1`, { trustedOrigins: [hub.origin], maxRedirects: 0 })).rejects.toBeInstanceOf(TooManyRedirectsError)
  })

  it('more than five redirects cannot be configured', async () => {
    await expect(safeFetch(`${hub.origin}/`, { trustedOrigins: [hub.origin], maxRedirects: 6 })).rejects.toBeInstanceOf(InvalidArgumentError)
  })
})

describe('timeouts and abort', () => {
  it('the total timeout covers the body: a stalled body fails with a TransferTimeoutError', async () => {
    const response = await safeFetch(`${hub.origin}/stall`, { trustedOrigins: [hub.origin], totalTimeoutMs: 300 })
    const started = Date.now()
    const err = await text(response).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TransferTimeoutError)
    expect((err as TransferTimeoutError).phase).toBe('total')
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('an abort during the body ends it with a AbortedError', async () => {
    const controller = new AbortController()
    const response = await safeFetch(`${hub.origin}/slow`, { trustedOrigins: [hub.origin], signal: controller.signal })
    setTimeout(() => controller.abort(), 100)
    const err = await text(response).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AbortedError)
  })

  it('the connect timeout covers the TLS handshake: a peer that accepts and stays silent times out', async () => {
    const sockets: Socket[] = []
    const silent = createTcpServer((socket) => void sockets.push(socket))
    await new Promise<void>((ready) => silent.listen(0, '127.0.0.1', () => ready()))
    const { port } = silent.address() as AddressInfo
    try {
      const err = await safeFetch(`https://127.0.0.1:${port}/`, { allowPrivate: true, connectTimeoutMs: 200 }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(TransferTimeoutError)
      expect((err as TransferTimeoutError).phase).toBe('connect')
      expect(sockets.length).toBe(1)
    } finally {
      for (const s of sockets) s.destroy()
      await new Promise<void>((done) => silent.close(() => done()))
    }
  })

  it('a name lookup that never answers is cut off by the total timeout', async () => {
    const hanging: HostResolver = () => new Promise(() => undefined)
    const err = await safeFetch('http://hangs.test/', { resolve: hanging, totalTimeoutMs: 200 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TransferTimeoutError)
  })

  it('an already-aborted signal sends nothing', async () => {
    const controller = new AbortController()
    controller.abort()
    await expect(safeFetch(`${target.origin}/`, { allowPrivate: true, signal: controller.signal })).rejects.toBeInstanceOf(AbortedError)
    expect(target.connections).toBe(0)
  })
})
