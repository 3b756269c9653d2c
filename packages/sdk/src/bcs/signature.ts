/**
 * Signature layouts (reference: `types/src/crypto.rs`, `types/src/multisig.rs`). A
 * `GenericSignature` is flag ‖ payload: Ed25519 = `0x00 ‖ sig(64) ‖ pk(32)` (97 bytes);
 * MultiSig = `0x02 ‖ BCS(MultiSig)`.
 */
import { bcs } from '@mysten/bcs'
import { vector } from './bounded.js'

/** `PublicKey = enum { Ed25519([u8; 32]) }` as used inside multisig committees. */
export const MultiSigMemberPublicKey = bcs.enum('PublicKey', { Ed25519: bcs.bytes(32) })

/** `CompressedSignature = enum { Ed25519([u8; 64]) }`. */
export const CompressedSignature = bcs.enum('CompressedSignature', { Ed25519: bcs.bytes(64) })

/** `MultiSigPublicKey { pk_map: Vec<(PublicKey, u8)>, threshold: u16 }`. */
export const MultiSigPublicKey = bcs.struct('MultiSigPublicKey', {
  pkMap: vector(bcs.struct('MultiSigMember', { publicKey: MultiSigMemberPublicKey, weight: bcs.u8() })),
  threshold: bcs.u16(),
})
export type MultiSigPublicKey = typeof MultiSigPublicKey.$inferType

/** `MultiSig { sigs, bitmap: u16, multisig_pk }`. */
export const MultiSig = bcs.struct('MultiSig', {
  sigs: vector(CompressedSignature),
  bitmap: bcs.u16(),
  multisigPk: MultiSigPublicKey,
})
export type MultiSig = typeof MultiSig.$inferType
