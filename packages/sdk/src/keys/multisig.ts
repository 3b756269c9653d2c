/**
 * k-of-n Ed25519 multisig (reference: `types/src/multisig.rs`). The address is
 * Blake2b-256(0x02 ‖ threshold u16 LE ‖ (0x00 ‖ pk ‖ weight u8)*), members in committee order.
 */
import { decodeBcs, encodeBcs } from '../bcs/codec.js'
import { MultiSig, MultiSigPublicKey } from '../bcs/signature.js'
import { InvalidMultiSigError } from '../errors/index.js'
import { blake2b256 } from '../hash/blake2b.js'
import { concatBytes, toHex } from '../utils/encoding.js'
import { Ed25519PublicKey, SIGNATURE_SCHEME_FLAG } from './publickey.js'

/** At most 10 members (`MAX_SIGNER_IN_MULTISIG`). */
export const MAX_MULTISIG_MEMBERS = 10

export interface MultiSigMember {
  publicKey: Ed25519PublicKey
  /** 1..255 */
  weight: number
}

export interface MultiSigCommittee {
  members: MultiSigMember[]
  /** 1..65535, at most the sum of the weights. */
  threshold: number
}

/** Checks the rules `MultiSigPublicKey::validate` enforces. */
export function validateCommittee(committee: MultiSigCommittee): void {
  const { members, threshold } = committee
  if (!Array.isArray(members) || members.length === 0 || members.length > MAX_MULTISIG_MEMBERS) {
    throw new InvalidMultiSigError(`A multisig has 1 to ${MAX_MULTISIG_MEMBERS} members, got ${members?.length ?? 0}.`)
  }
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > 0xffff) {
    throw new InvalidMultiSigError('The multisig threshold must be an integer in 1..65535.')
  }
  let total = 0
  const seen = new Set<string>()
  for (const m of members) {
    if (!Number.isInteger(m.weight) || m.weight < 1 || m.weight > 255) {
      throw new InvalidMultiSigError('Every multisig weight must be an integer in 1..255.')
    }
    const key = toHex(m.publicKey.toRawBytes())
    if (seen.has(key)) throw new InvalidMultiSigError('A public key appears twice in the multisig committee.')
    seen.add(key)
    total += m.weight
  }
  if (total < threshold) {
    throw new InvalidMultiSigError(`The weights add up to ${total}, below the threshold ${threshold}.`)
  }
}

/** The multisig address (`0x` + 64 hex) of a committee. */
export function multiSigAddress(committee: MultiSigCommittee): string {
  validateCommittee(committee)
  const parts: Uint8Array[] = [Uint8Array.of(SIGNATURE_SCHEME_FLAG.MultiSig, committee.threshold & 0xff, committee.threshold >> 8)]
  for (const m of committee.members) {
    parts.push(Uint8Array.of(SIGNATURE_SCHEME_FLAG.ED25519), m.publicKey.toRawBytes(), Uint8Array.of(m.weight))
  }
  return `0x${toHex(blake2b256(concatBytes(...parts)))}`
}

function committeeToBcs(committee: MultiSigCommittee) {
  return {
    pkMap: committee.members.map((m) => ({ publicKey: { Ed25519: m.publicKey.toRawBytes() }, weight: m.weight })),
    threshold: committee.threshold,
  }
}

/**
 * Combines members' Ed25519 signatures (each `{publicKey, signature}`) into the serialized
 * multisig (`0x02 ‖ BCS(MultiSig)`). Signatures are ordered by member index; a signer outside
 * the committee or a signer twice is an error.
 */
export function combineMultiSig(
  committee: MultiSigCommittee,
  signatures: { publicKey: Ed25519PublicKey; signature: Uint8Array }[],
): Uint8Array {
  validateCommittee(committee)
  if (signatures.length === 0) throw new InvalidMultiSigError('A multisig needs at least one signature.')
  const indexed = signatures.map((s) => {
    const index = committee.members.findIndex((m) => m.publicKey.equals(s.publicKey))
    if (index < 0) throw new InvalidMultiSigError('A signature comes from a key outside the multisig committee.')
    if (s.signature.length !== 64) throw new InvalidMultiSigError('Each member signature must be 64 bytes.')
    return { index, signature: s.signature }
  })
  indexed.sort((a, b) => a.index - b.index)
  let bitmap = 0
  for (const s of indexed) {
    if (bitmap & (1 << s.index)) throw new InvalidMultiSigError('The same member signed twice.')
    bitmap |= 1 << s.index
  }
  const body = encodeBcs(MultiSig, {
    sigs: indexed.map((s) => ({ Ed25519: s.signature })),
    bitmap,
    multisigPk: committeeToBcs(committee),
  })
  return concatBytes(Uint8Array.of(SIGNATURE_SCHEME_FLAG.MultiSig), body)
}

export interface DecodedMultiSig {
  committee: MultiSigCommittee
  bitmap: number
  signatures: Uint8Array[]
  address: string
}

/** Parses `0x02 ‖ BCS(MultiSig)`; checks the committee and the signature count against the bitmap. */
export function parseMultiSig(bytes: Uint8Array): DecodedMultiSig {
  if (bytes[0] !== SIGNATURE_SCHEME_FLAG.MultiSig) throw new InvalidMultiSigError('A multisig starts with flag 0x02.')
  const ms = decodeBcs(MultiSig, bytes.subarray(1))
  const committee: MultiSigCommittee = {
    members: ms.multisigPk.pkMap.map((m) => ({ publicKey: new Ed25519PublicKey(m.publicKey.Ed25519!), weight: m.weight })),
    threshold: ms.multisigPk.threshold,
  }
  validateCommittee(committee)
  if (ms.bitmap > 0b11_1111_1111) throw new InvalidMultiSigError('The multisig bitmap has bits beyond 10 members.')
  if (ms.sigs.length < 1 || ms.sigs.length > committee.members.length) {
    throw new InvalidMultiSigError('A multisig must carry between 1 and n signatures.')
  }
  return {
    committee,
    bitmap: ms.bitmap,
    signatures: ms.sigs.map((s) => s.Ed25519!),
    address: multiSigAddress(committee),
  }
}

/**
 * Verifies a multisig over `message` (the transaction's signing digest). `sigs[k]` is checked
 * against the member of the k-th set bit, ascending; the weights of the verified members must
 * reach the threshold. Returns the multisig address.
 */
export function verifyMultiSig(message: Uint8Array, bytes: Uint8Array): string {
  const ms = parseMultiSig(bytes)
  const setBits: number[] = []
  for (let i = 0; i < 10; i++) if (ms.bitmap & (1 << i)) setBits.push(i)
  // As the reference: signatures pair with set bits in ascending order (zip), so extra bits or
  // extra signatures are ignored, but a paired bit beyond the committee is an error.
  const pairs = Math.min(setBits.length, ms.signatures.length)
  let weight = 0
  for (let k = 0; k < pairs; k++) {
    const member = ms.committee.members[setBits[k]!]
    if (!member) throw new InvalidMultiSigError('Invalid public keys index: the bitmap names a member the committee does not have.')
    if (!member.publicKey.verify(message, ms.signatures[k]!)) {
      throw new InvalidMultiSigError(`The signature of member ${setBits[k]} (${member.publicKey.toSomaAddress()}) does not verify.`)
    }
    weight += member.weight
  }
  if (weight < ms.committee.threshold) {
    throw new InvalidMultiSigError(`Insufficient weight ${weight} for threshold ${ms.committee.threshold}.`)
  }
  return ms.address
}

export { MultiSigPublicKey }
