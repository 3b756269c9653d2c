/**
 * Which IP addresses a service that fetches caller-chosen URLs may connect to. Everything that is
 * not plainly public unicast is refused: loopback, private, shared (CGNAT), link-local,
 * unique-local, site-local, multicast, documentation, benchmarking, reserved and unallocated
 * ranges, for IPv4 and IPv6. IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4) are
 * judged by the embedded address; forms whose embedded address cannot be trusted (IPv4-compatible,
 * Teredo, local-use NAT64) are refused outright.
 *
 * Hosts are expected in the form the WHATWG URL parser leaves them (`new URL(u).hostname`), which
 * has already turned `2130706433`, `0x7f.1`, `127.1` and `0177.0.0.1` into `127.0.0.1`; this module
 * parses only canonical addresses, so no second, different reading of the same text exists.
 */
import ipaddr from 'ipaddr.js'

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string }

type Range = readonly [cidr: string, reason: string]

const IPV4_REFUSED: readonly Range[] = [
  ['0.0.0.0/8', '"this network" (0.0.0.0/8)'],
  ['10.0.0.0/8', 'private (10.0.0.0/8)'],
  ['100.64.0.0/10', 'shared address space (100.64.0.0/10)'],
  ['127.0.0.0/8', 'loopback (127.0.0.0/8)'],
  ['169.254.0.0/16', 'link-local (169.254.0.0/16)'],
  ['172.16.0.0/12', 'private (172.16.0.0/12)'],
  ['192.0.0.0/24', 'IETF protocol assignments (192.0.0.0/24)'],
  ['192.0.2.0/24', 'documentation (192.0.2.0/24)'],
  ['192.88.99.0/24', '6to4 relay anycast (192.88.99.0/24)'],
  ['192.168.0.0/16', 'private (192.168.0.0/16)'],
  ['198.18.0.0/15', 'benchmarking (198.18.0.0/15)'],
  ['198.51.100.0/24', 'documentation (198.51.100.0/24)'],
  ['203.0.113.0/24', 'documentation (203.0.113.0/24)'],
  ['224.0.0.0/4', 'multicast (224.0.0.0/4)'],
  ['240.0.0.0/4', 'reserved (240.0.0.0/4, including broadcast)'],
]

/** Inside 2000::/3 (the only globally routed unicast block): the parts that are not. */
const IPV6_REFUSED_IN_GLOBAL: readonly Range[] = [
  ['2001::/23', 'IETF protocol assignments (2001::/23, including Teredo and benchmarking)'],
  ['2001:db8::/32', 'documentation (2001:db8::/32)'],
  ['3fff::/20', 'documentation (3fff::/20)'],
]

/** Outside 2000::/3, named for clearer messages; anything else there is refused as reserved. */
const IPV6_NAMED_OUTSIDE_GLOBAL: readonly Range[] = [
  ['::/128', 'unspecified (::)'],
  ['::1/128', 'loopback (::1)'],
  ['::/96', 'IPv4-compatible (::/96, deprecated)'],
  ['64:ff9b:1::/48', 'local-use NAT64 (64:ff9b:1::/48)'],
  ['100::/64', 'discard-only (100::/64)'],
  ['fc00::/7', 'unique-local (fc00::/7)'],
  ['fe80::/10', 'link-local (fe80::/10)'],
  ['fec0::/10', 'site-local (fec0::/10, deprecated)'],
  ['ff00::/8', 'multicast (ff00::/8)'],
]

type ParsedRange<T> = readonly [T, number, string]

const parseRanges = <T extends ipaddr.IPv4 | ipaddr.IPv6>(ranges: readonly Range[]) =>
  ranges.map(([cidr, reason]) => {
    const [address, bits] = ipaddr.parseCIDR(cidr)
    return [address as T, bits, reason] as ParsedRange<T>
  })

const V4 = parseRanges<ipaddr.IPv4>(IPV4_REFUSED)
const V6_IN_GLOBAL = parseRanges<ipaddr.IPv6>(IPV6_REFUSED_IN_GLOBAL)
const V6_OUTSIDE = parseRanges<ipaddr.IPv6>(IPV6_NAMED_OUTSIDE_GLOBAL)
const [GLOBAL_UNICAST, GLOBAL_UNICAST_BITS] = ipaddr.parseCIDR('2000::/3') as [ipaddr.IPv6, number]
const [MAPPED, MAPPED_BITS] = ipaddr.parseCIDR('::ffff:0:0/96') as [ipaddr.IPv6, number]
const [NAT64, NAT64_BITS] = ipaddr.parseCIDR('64:ff9b::/96') as [ipaddr.IPv6, number]
const [SIX_TO_FOUR, SIX_TO_FOUR_BITS] = ipaddr.parseCIDR('2002::/16') as [ipaddr.IPv6, number]

function firstMatch<T extends ipaddr.IPv4 | ipaddr.IPv6>(address: T, ranges: readonly ParsedRange<T>[]): string | undefined {
  for (const [base, bits, reason] of ranges) {
    if ((address as ipaddr.IPv4).match(base as ipaddr.IPv4, bits)) return reason
  }
  return undefined
}

function classifyV4(address: ipaddr.IPv4): AddressVerdict {
  const reason = firstMatch(address, V4)
  return reason ? { allowed: false, reason } : { allowed: true }
}

function embedded(parts: number[], from: number): ipaddr.IPv4 {
  const hi = parts[from] ?? 0
  const lo = parts[from + 1] ?? 0
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff])
}

function viaEmbedded(outer: string, inner: ipaddr.IPv4): AddressVerdict {
  const verdict = classifyV4(inner)
  return verdict.allowed ? verdict : { allowed: false, reason: `${outer} form of ${inner.toString()}, ${verdict.reason}` }
}

function classifyV6(address: ipaddr.IPv6): AddressVerdict {
  const parts = address.parts
  if (address.match(MAPPED, MAPPED_BITS)) return viaEmbedded('IPv4-mapped', embedded(parts, 6))
  if (address.match(NAT64, NAT64_BITS)) return viaEmbedded('NAT64', embedded(parts, 6))
  if (address.match(SIX_TO_FOUR, SIX_TO_FOUR_BITS)) return viaEmbedded('6to4', embedded(parts, 1))
  if (address.match(GLOBAL_UNICAST, GLOBAL_UNICAST_BITS)) {
    const reason = firstMatch(address, V6_IN_GLOBAL)
    return reason ? { allowed: false, reason } : { allowed: true }
  }
  return { allowed: false, reason: firstMatch(address, V6_OUTSIDE) ?? 'reserved or unallocated IPv6 (outside 2000::/3)' }
}

/**
 * Classifies one IP address in canonical text: dotted-quad IPv4 (four decimal parts, as DNS
 * answers and the URL parser give them) or IPv6 with or without brackets and a zone. Anything
 * else (a name, a non-canonical IPv4 form) is refused as "not an IP address" rather than guessed at.
 */
export function classifyAddress(text: string): AddressVerdict {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text
  if (ipaddr.IPv4.isValidFourPartDecimal(bare)) return classifyV4(ipaddr.IPv4.parse(bare))
  if (bare.includes(':') && ipaddr.IPv6.isValid(bare)) {
    const address = ipaddr.IPv6.parse(bare)
    if (address.zoneId !== undefined) return { allowed: false, reason: 'scoped (zone) IPv6 address' }
    return classifyV6(address)
  }
  return { allowed: false, reason: 'not an IP address' }
}

/** Whether `text` is an IP literal in the canonical form that `classifyAddress` reads. */
export function isIpLiteral(text: string): boolean {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text
  return ipaddr.IPv4.isValidFourPartDecimal(bare) || (bare.includes(':') && ipaddr.IPv6.isValid(bare))
}
