/**
 * Request and response structs of the side services, as BCS (reference: `faucet/src/faucet_types.rs`,
 * `scoring/src/types.rs`, `admin/src/admin_types.rs`). Field order is the Rust declaration order.
 * `usize` travels as u64; `Vec<f32>` travels as `Vec<u32>` of IEEE-754 bit patterns.
 */
import { bcs } from '@mysten/bcs'

import { U64 } from '../bcs/index.js'

const f32Bits = new Float32Array(1)
const u32Bits = new Uint32Array(f32Bits.buffer)

/** `Vec<f32>` sent as its bit patterns (`vec_f32_as_u32_bits`): each value rounded to f32 first. */
export const F32BitsVector = bcs.vector(bcs.u32()).transform({
  name: 'Vec<f32 as u32 bits>',
  input: (values: ArrayLike<number>) =>
    Array.from(values, (v) => {
      f32Bits[0] = Number(v)
      return u32Bits[0]!
    }),
  output: (bits: number[]) =>
    bits.map((b) => {
      u32Bits[0] = b
      return f32Bits[0]!
    }),
})

// Faucet -------------------------------------------------------------------------------------

export const GasRequest = bcs.struct('GasRequest', { recipient: bcs.string() })
export type GasRequest = typeof GasRequest.$inferType

export const GasCoinInfo = bcs.struct('GasCoinInfo', {
  /** Shannons. */
  amount: U64,
  /** `0x` + 64 hex. */
  id: bcs.string(),
  /** Base58. */
  transferTxDigest: bcs.string(),
})
export type GasCoinInfo = typeof GasCoinInfo.$inferType

export const GasResponse = bcs.struct('GasResponse', { status: bcs.string(), coinsSent: bcs.vector(GasCoinInfo) })
export type GasResponse = typeof GasResponse.$inferType
export type GasResponseInput = typeof GasResponse.$inferInput

// Scoring ------------------------------------------------------------------------------------

export const ManifestInput = bcs.struct('ManifestInput', {
  url: bcs.string(),
  /** Base58 Blake2b-256 of the encrypted weights. */
  checksum: bcs.string(),
  size: U64,
  /** Base58 AES-256 key, when the weights are encrypted. */
  decryptionKey: bcs.option(bcs.string()),
})
export type ManifestInput = typeof ManifestInput.$inferType

export const ScoreRequest = bcs.struct('ScoreRequest', {
  dataUrl: bcs.string(),
  /** Base58 Blake2b-256 of the data. */
  dataChecksum: bcs.string(),
  dataSize: U64,
  modelManifests: bcs.vector(ManifestInput),
  targetEmbedding: F32BitsVector,
  seed: U64,
})
export type ScoreRequest = typeof ScoreRequest.$inferType
export type ScoreRequestInput = typeof ScoreRequest.$inferInput

export const ScoreResponse = bcs.struct('ScoreResponse', {
  /** Index into `modelManifests`. */
  winner: U64,
  lossScore: F32BitsVector,
  embedding: F32BitsVector,
  distance: F32BitsVector,
})
export type ScoreResponse = typeof ScoreResponse.$inferType
export type ScoreResponseInput = typeof ScoreResponse.$inferInput

export const HealthRequest = bcs.struct('HealthRequest', {})
export const HealthResponse = bcs.struct('HealthResponse', { ok: bcs.bool() })
export type HealthResponse = typeof HealthResponse.$inferType

// Admin --------------------------------------------------------------------------------------

export const AdvanceEpochRequest = bcs.struct('AdvanceEpochRequest', {})
export const AdvanceEpochResponse = bcs.struct('AdvanceEpochResponse', { epoch: U64 })
export type AdvanceEpochResponse = typeof AdvanceEpochResponse.$inferType
