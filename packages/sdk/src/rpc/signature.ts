/**
 * Serialized user signatures (`flag ‖ …`, wire.md §3.4) ⇄ protobuf `UserSignature`. The node turns
 * the protobuf back into a GenericSignature (reference: `rpc/src/utils/types_conversions.rs`), so
 * `userSignatureFromProto` is that rebuild, for the local network.
 */
import { create } from '@bufbuild/protobuf'

import { encodeBcs } from '../bcs/codec.js'
import { MultiSig } from '../bcs/signature.js'
import { InvalidSignatureError } from '../errors/index.js'
import { SignatureScheme, UserSignatureSchema, type UserSignature } from '../generated/soma/rpc/signature_pb.js'
import { parseSerializedSignature } from '../transactions/signature.js'
import { concatBytes, fromBase64 } from '../utils/encoding.js'
import { ProtoConversionError } from './convert.js'

/** The protobuf form of a serialized Ed25519 or MultiSig signature (bytes or Base64). */
export function userSignatureToProto(serialized: Uint8Array | string): UserSignature {
  const parsed = parseSerializedSignature(typeof serialized === 'string' ? fromBase64(serialized) : serialized)
  if (parsed.scheme === 'ED25519') {
    return create(UserSignatureSchema, {
      scheme: SignatureScheme.ED25519,
      signature: {
        case: 'simple',
        value: { scheme: SignatureScheme.ED25519, signature: parsed.signature, publicKey: parsed.publicKey.toRawBytes() },
      },
    })
  }
  return create(UserSignatureSchema, {
    scheme: SignatureScheme.MULTISIG,
    signature: {
      case: 'multisig',
      value: {
        signatures: parsed.signatures.map((signature) => ({ scheme: SignatureScheme.ED25519, signature })),
        bitmap: parsed.bitmap,
        committee: {
          members: parsed.committee.members.map((m) => ({
            publicKey: { scheme: SignatureScheme.ED25519, publicKey: m.publicKey.toRawBytes() },
            weight: m.weight,
          })),
          threshold: parsed.committee.threshold,
        },
      },
    },
  })
}

const missing = (field: string) => new ProtoConversionError({ field, reason: 'FIELD_MISSING' })
const invalid = (field: string, description: string) => new ProtoConversionError({ field, reason: 'FIELD_INVALID', description })

function fixed(bytes: Uint8Array | undefined, length: number, field: string): Uint8Array {
  if (bytes === undefined) throw missing(field)
  if (bytes.length !== length) throw invalid(field, `expected ${length} bytes, got ${bytes.length}`)
  return bytes
}

function ed25519Only(scheme: SignatureScheme | undefined, field: string): void {
  // Member schemes may be omitted: they default to Ed25519, the only user scheme.
  if (scheme !== undefined && scheme !== SignatureScheme.ED25519) throw invalid(field, 'only Ed25519 is supported')
}

/**
 * The serialized GenericSignature the node rebuilds from a protobuf UserSignature: Ed25519
 * `0x00 ‖ sig ‖ pk`, MultiSig `0x02 ‖ BCS(MultiSig)` (weights narrowed to u8, threshold and bitmap
 * to u16). Throws `ProtoConversionError`. Whether the signature verifies is a separate check.
 */
export function userSignatureFromProto(sig: UserSignature, field = 'signatures[0]'): Uint8Array {
  if (sig.scheme === undefined) throw missing(`${field}.scheme`)
  switch (sig.signature.case) {
    case 'simple': {
      const s = sig.signature.value
      if (s.scheme === undefined) throw missing(`${field}.simple.scheme`)
      ed25519Only(s.scheme, `${field}.simple.scheme`)
      return concatBytes(Uint8Array.of(0x00), fixed(s.signature, 64, `${field}.simple.signature`), fixed(s.publicKey, 32, `${field}.simple.public_key`))
    }
    case 'multisig': {
      const m = sig.signature.value
      const committee = m.committee
      if (!committee) throw missing(`${field}.multisig.committee`)
      const threshold = committee.threshold
      if (threshold === undefined) throw missing(`${field}.multisig.committee.threshold`)
      if (threshold > 0xffff) throw invalid(`${field}.multisig.committee.threshold`, 'does not fit u16')
      const bitmap = m.bitmap
      if (bitmap === undefined) throw missing(`${field}.multisig.bitmap`)
      if (bitmap > 0xffff) throw invalid(`${field}.multisig.bitmap`, 'does not fit u16')
      const pkMap = committee.members.map((member, i) => {
        const at = `${field}.multisig.committee.members[${i}]`
        const pk = member.publicKey
        if (!pk) throw missing(`${at}.public_key`)
        ed25519Only(pk.scheme, `${at}.public_key.scheme`)
        const weight = member.weight
        if (weight === undefined) throw missing(`${at}.weight`)
        if (weight > 0xff) throw invalid(`${at}.weight`, 'does not fit u8')
        return { publicKey: { Ed25519: fixed(pk.publicKey, 32, `${at}.public_key.public_key`) }, weight }
      })
      const sigs = m.signatures.map((s, i) => {
        ed25519Only(s.scheme, `${field}.multisig.signatures[${i}].scheme`)
        return { Ed25519: fixed(s.signature, 64, `${field}.multisig.signatures[${i}].signature`) }
      })
      return concatBytes(Uint8Array.of(0x02), encodeBcs(MultiSig, { sigs, bitmap, multisigPk: { pkMap, threshold } }))
    }
    case undefined:
      throw missing(`${field}.signature`)
    default:
      throw new InvalidSignatureError('Unknown signature variant.')
  }
}
