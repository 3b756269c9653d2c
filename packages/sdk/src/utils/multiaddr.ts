/**
 * Multiaddrs in text form, as validators register them (`/dns/host/tcp/8080/http`). Each
 * validator address travels as BCS(String) of this text.
 */
const MULTIADDR_PROTOCOLS: Record<string, (value: string) => boolean> = {
  ip4: (v) => /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(v),
  ip6: (v) => /^[0-9a-fA-F:.]+$/.test(v) && v.includes(':'),
  dns: (v) => v.length > 0,
  dns4: (v) => v.length > 0,
  dns6: (v) => v.length > 0,
  dnsaddr: (v) => v.length > 0,
  tcp: (v) => /^\d{1,5}$/.test(v) && Number(v) <= 65535,
  udp: (v) => /^\d{1,5}$/.test(v) && Number(v) <= 65535,
}
const MULTIADDR_FLAGS = new Set(['http', 'https', 'quic', 'quic-v1', 'ws', 'wss', 'tls', 'udt', 'utp'])

/**
 * Whether `text` is a multiaddr, as `Multiaddr::from_str` accepts it for the protocols validators use
 * (ip4/ip6/dns*, tcp/udp, http(s), quic, ws(s)); the chain rejects others as InvalidArguments.
 *
 * @param text - the multiaddr text
 * @returns whether it parses
 * @example
 * isValidMultiaddr('/dns/validator.example.com/tcp/8080/http') // true
 */
export function isValidMultiaddr(text: string): boolean {
  if (!text.startsWith('/')) return false
  const parts = text.slice(1).split('/')
  if (parts.length === 0 || parts[0] === '') return false
  for (let i = 0; i < parts.length; i++) {
    const name = parts[i]!
    if (MULTIADDR_FLAGS.has(name)) continue
    const check = MULTIADDR_PROTOCOLS[name]
    if (check === undefined) return false
    const value = parts[++i]
    if (value === undefined || !check(value)) return false
  }
  return true
}

/**
 * The reference's `is_loosely_valid_tcp_addr`: an ip4, ip6 or dns* host followed by a tcp port.
 *
 * @param text - the multiaddr text
 * @returns whether it is a valid multiaddr of that form
 * @example
 * isTcpMultiaddr('/ip4/127.0.0.1/tcp/8080/http') // true
 */
export function isTcpMultiaddr(text: string): boolean {
  const parts = text.slice(1).split('/')
  return isValidMultiaddr(text) && ['ip4', 'ip6', 'dns', 'dns4', 'dns6'].includes(parts[0]!) && parts[2] === 'tcp'
}
