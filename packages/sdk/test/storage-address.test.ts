// The address classifier and the URL check, with no connection and no real name lookup: every
// resolver here is injected, and IP literals must never reach it.
import { describe, expect, it } from 'vitest'

import { checkUrl, classifyAddress, isIpLiteral, UrlRefusedError, type HostResolver } from '../src/storage/index.js'

const noLookup: HostResolver = async (name) => {
  throw new Error(`unexpected lookup of ${name}`)
}

/** What the WHATWG URL parser makes of the host, then the classifier's verdict. */
function verdictForUrl(url: string) {
  return classifyAddress(new URL(url).hostname)
}

describe('classifyAddress: refused IPv4', () => {
  it.each([
    ['0.0.0.0', 'this network'],
    ['0.1.2.3', 'this network'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.254', 'shared'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.8', 'IETF'],
    ['192.0.2.1', 'documentation'],
    ['192.88.99.1', '6to4 relay'],
    ['192.168.1.1', 'private'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
  ])('%s is refused (%s)', (address, reason) => {
    const verdict = classifyAddress(address)
    expect(verdict.allowed).toBe(false)
    expect(verdict.allowed === false && verdict.reason).toContain(reason)
  })
})

describe('classifyAddress: public IPv4 is allowed', () => {
  it.each(['1.1.1.1', '8.8.8.8', '93.184.216.34', '172.15.255.255', '172.32.0.0', '100.63.255.255', '100.128.0.0', '192.169.0.1', '198.17.255.255', '223.255.255.255', '11.0.0.1'])(
    '%s',
    (address) => {
      expect(classifyAddress(address)).toEqual({ allowed: true })
    },
  )
})

describe('classifyAddress: IPv6', () => {
  it.each([
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::7f00:1', 'IPv4-compatible'],
    ['::808:808', 'IPv4-compatible'],
    ['::ffff:7f00:1', 'IPv4-mapped form of 127.0.0.1, loopback'],
    ['::ffff:127.0.0.1', 'IPv4-mapped form of 127.0.0.1'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['0:0:0:0:0:ffff:c0a8:101', 'IPv4-mapped form of 192.168.1.1'],
    ['64:ff9b::7f00:1', 'NAT64 form of 127.0.0.1'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 form of 169.254.169.254'],
    ['64:ff9b:1::1', 'local-use NAT64'],
    ['2002:7f00:1::', '6to4 form of 127.0.0.1'],
    ['2002:c0a8:101::1', '6to4 form of 192.168.1.1'],
    ['2001::1', 'IETF protocol assignments'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    ['2001:2::1', 'IETF protocol assignments'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['100::1', 'discard-only'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['ff05::1:3', 'multicast'],
    ['4000::1', 'outside 2000::/3'],
    ['1234::1', 'outside 2000::/3'],
    ['5f00::1', 'outside 2000::/3'],
    ['fe80::1%eth0', 'scoped'],
  ])('%s is refused (%s)', (address, reason) => {
    const verdict = classifyAddress(address)
    expect(verdict.allowed).toBe(false)
    expect(verdict.allowed === false && verdict.reason).toContain(reason)
  })

  it.each(['2606:4700:4700::1111', '2001:4860:4860::8888', '2a00:1450:4001:82a::200e', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1', '[2606:4700::1]'])(
    '%s is allowed',
    (address) => {
      expect(classifyAddress(address)).toEqual({ allowed: true })
    },
  )
})

describe('classifyAddress: anything that is not a canonical IP literal is refused, not guessed at', () => {
  it.each(['localhost', 'example.com', '', '2130706433', '0x7f.1', '127.1', '0177.0.0.1', '127.0.0.1.', '1.2.3.4.5', '::ffff:999.0.0.1', '[::1', 'fe80::1%'])(
    '%j',
    (text) => {
      expect(classifyAddress(text)).toEqual({ allowed: false, reason: 'not an IP address' })
      expect(isIpLiteral(text)).toBe(false)
    },
  )
})

describe('odd encodings of loopback and private hosts, as the URL parser normalises them', () => {
  it.each([
    'http://127.0.0.1/',
    'http://2130706433/',
    'http://0x7f000001/',
    'http://0x7f.1/',
    'http://127.1/',
    'http://127.0.1/',
    'http://0177.0.0.1/',
    'http://0177.1/',
    'http://017700000001/',
    'http://127.0.0.1./',
    'http://0/',
    'http://0.0.0.0:8080/',
    'http://%31%32%37.0.0.1/',
    'http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/',
    'http://[::1]/',
    'http://[0:0:0:0:0:0:0:1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://[0:0:0:0:0:ffff:127.0.0.1]/',
    'http://[::127.0.0.1]/',
    'http://[64:ff9b::127.0.0.1]/',
    'http://[2002:7f00:0001::]/',
    'http://[fe80::1]/',
    'http://[fd00::1]/',
    'http://169.254.169.254/latest/meta-data/',
    'http://0xa9.0xfe.0xa9.0xfe/',
    'http://2852039166/',
    'http://10.1/',
    'http://0xc0.0xa8.1.1/',
    'http://3232235777/',
    'http://[::ffff:a9fe:a9fe]/',
  ])('%s', (url) => {
    expect(verdictForUrl(url).allowed).toBe(false)
  })
})

describe('checkUrl: refusals that open no connection', () => {
  it.each([
    ['http://2130706433:1/x', 'loopback'],
    ['http://0x7f.1:1/', 'loopback'],
    ['http://[::ffff:127.0.0.1]:1/', 'IPv4-mapped'],
    ['http://0177.0.0.1/', 'loopback'],
    ['https://[fd00::5]/', 'unique-local'],
    ['http://169.254.169.254/latest/meta-data/iam', 'link-local'],
  ])('%s', async (url, reason) => {
    const err = await checkUrl(url, { resolve: noLookup }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UrlRefusedError)
    expect((err as UrlRefusedError).code).toBe('SOMA_URL_REFUSED')
    expect((err as UrlRefusedError).details).toContain(reason)
  })

  it.each(['ftp://example.com/x', 'gopher://127.0.0.1/', 'data:text/plain,hi', 'javascript:alert(1)', 'ws://example.com/', 'file:///etc/passwd', 'not a url', ''])(
    'scheme or syntax %j is refused',
    async (url) => {
      await expect(checkUrl(url, { resolve: noLookup })).rejects.toBeInstanceOf(UrlRefusedError)
    },
  )

  it('file: URLs pass only with allowFile, and never with a host', async () => {
    await expect(checkUrl('file:///tmp/x', { allowFile: true, resolve: noLookup })).resolves.toMatchObject({ addresses: [] })
    await expect(checkUrl('file://server.example/share/x', { allowFile: true, resolve: noLookup })).rejects.toBeInstanceOf(UrlRefusedError)
  })

  it('URLs with user info are refused (and the message does not repeat it)', async () => {
    const err = (await checkUrl('https://user:hunter2@example.com/x', { resolve: noLookup }).catch((e: unknown) => e)) as UrlRefusedError
    expect(err).toBeInstanceOf(UrlRefusedError)
    expect(err.message).not.toContain('hunter2')
    expect(JSON.stringify(err)).not.toContain('hunter2')
  })

  it('a name is refused when any of its addresses is private, and every address is looked at', async () => {
    const seen: string[] = []
    const resolve: HostResolver = async (name) => {
      seen.push(name)
      return [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1::1', family: 6 },
        { address: '10.0.0.7', family: 4 },
      ]
    }
    const err = (await checkUrl('https://mixed.test/weights', { resolve }).catch((e: unknown) => e)) as UrlRefusedError
    expect(err).toBeInstanceOf(UrlRefusedError)
    expect(err.details).toContain('10.0.0.7')
    expect(seen).toEqual(['mixed.test'])
  })

  it('a name whose addresses are all public passes, with those addresses pinned', async () => {
    const resolve: HostResolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1::1', family: 6 },
    ]
    const checked = await checkUrl('https://public.test/w', { resolve })
    expect(checked.addresses.map((a) => a.address)).toEqual(['93.184.216.34', '2606:2800:220:1::1'])
  })

  it('a name that resolves to nothing, or fails to resolve, is a NetworkError', async () => {
    await expect(checkUrl('https://empty.test/', { resolve: async () => [] })).rejects.toMatchObject({ code: 'SOMA_NETWORK' })
    await expect(
      checkUrl('https://nx.test/', {
        resolve: async () => {
          throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })
        },
      }),
    ).rejects.toMatchObject({ code: 'SOMA_NETWORK' })
  })

  it('allowPrivate turns the address check off (and only that)', async () => {
    await expect(checkUrl('http://127.0.0.1:9/', { allowPrivate: true, resolve: noLookup })).resolves.toMatchObject({ addresses: [{ address: '127.0.0.1', family: 4 }] })
    await expect(checkUrl('http://[::1]:9/', { allowPrivate: true, resolve: noLookup })).resolves.toMatchObject({ addresses: [{ address: '::1', family: 6 }] })
    await expect(checkUrl('ftp://127.0.0.1/', { allowPrivate: true, resolve: noLookup })).rejects.toBeInstanceOf(UrlRefusedError)
  })

  it('a trusted origin is exempt, a different port on the same host is not', async () => {
    const policy = { trustedOrigins: ['http://127.0.0.1:9130'], resolve: noLookup }
    await expect(checkUrl('http://127.0.0.1:9130/blobs/a', policy)).resolves.toBeTruthy()
    await expect(checkUrl('http://127.0.0.1:9131/blobs/a', policy)).rejects.toBeInstanceOf(UrlRefusedError)
    await expect(checkUrl('https://127.0.0.1:9130/blobs/a', policy)).rejects.toBeInstanceOf(UrlRefusedError)
  })

  it('the refusal message carries no query (signed URLs keep credentials there)', async () => {
    const err = (await checkUrl('http://10.0.0.1/obj?X-Amz-Signature=deadbeefsecret&X-Amz-Credential=AKIAEXAMPLE', { resolve: noLookup }).catch(
      (e: unknown) => e,
    )) as UrlRefusedError
    expect(err.url).toBe('http://10.0.0.1/obj?…')
    expect(err.message).not.toMatch(/deadbeefsecret|AKIAEXAMPLE/)
    expect(JSON.stringify(err)).not.toMatch(/deadbeefsecret|AKIAEXAMPLE/)
  })
})
