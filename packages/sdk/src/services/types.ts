/**
 * Request and response structs of the side services, as BCS (reference: `faucet/src/faucet_types.rs`,
 * `scoring/src/types.rs`, `admin/src/admin_types.rs`). Field order is the Rust declaration order.
 * `usize` travels as u64; `Vec<f32>` travels as `Vec<u32>` of IEEE-754 bit patterns.
 */
import { bcs } from '@mysten/bcs'

import { U64 } from '../bcs/index.js'
import { InvalidArgumentError } from '../errors/index.js'
import { vector } from '../bcs/bounded.js'

const f32Bits = new Float32Array(1)
const u32Bits = new Uint32Array(f32Bits.buffer)

/**
 * `Vec<f32>` sent as its bit patterns (`vec_f32_as_u32_bits`): each value rounded to f32 first.
 * A JS number cannot carry a signalling NaN or a NaN payload (it comes back quieted, so its bits
 * would change); such a value is refused by name instead of surfacing later as a re-encode mismatch.
 */
export function f32BitsVector(field: string) {
  return vector(bcs.u32(), { minElementBytes: 4 }).transform({
    name: `Vec<f32 as u32 bits> (${field})`,
    input: (values: ArrayLike<number>) =>
      Array.from(values, (v) => {
        f32Bits[0] = Number(v)
        return u32Bits[0]!
      }),
    output: (bits: number[]) =>
      bits.map((b, i) => {
        u32Bits[0] = b
        const value = f32Bits[0]!
        if (Number.isNaN(value)) {
          f32Bits[0] = value
          if (u32Bits[0] !== b) {
            throw new InvalidArgumentError(
              `${field}[${i}] is a NaN (f32 bits 0x${b.toString(16).padStart(8, '0')}): a signalling or payload NaN is not a valid value here`,
            )
          }
        }
        return value
      }),
  })
}

/** `Vec<f32>` as bit patterns, for a field without a more specific name. */
export const F32BitsVector = f32BitsVector('f32 vector')

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

export const GasResponse = bcs.struct('GasResponse', { status: bcs.string(), coinsSent: vector(GasCoinInfo) })
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
  modelManifests: vector(ManifestInput),
  targetEmbedding: f32BitsVector('targetEmbedding'),
  seed: U64,
})
export type ScoreRequest = typeof ScoreRequest.$inferType
export type ScoreRequestInput = typeof ScoreRequest.$inferInput

export const ScoreResponse = bcs.struct('ScoreResponse', {
  /** Index into `modelManifests`. */
  winner: U64,
  lossScore: f32BitsVector('lossScore'),
  embedding: f32BitsVector('embedding'),
  distance: f32BitsVector('distance'),
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
