/**
 * A multisig as one `Signer`: the member signers that are present each sign the intent digest,
 * and their signatures combine into the serialized MultiSig (`0x02 ‖ BCS(MultiSig)`). Members may
 * be any Ed25519 signers (in-memory, keystore, remote).
 */
import { InvalidMultiSigError } from '../errors/index.js'
import { TRANSACTION_INTENT, signingDigest } from '../transactions/digests.js'
import { combineMultiSig, multiSigAddress, validateCommittee, type MultiSigCommittee } from './multisig.js'
import type { Ed25519PublicKey } from './publickey.js'
import { Signer, type SignerPublicKey } from './signer.js'

export class MultiSigSigner extends Signer {
  readonly committee: MultiSigCommittee
  readonly #signers: Signer[]
  readonly #publicKey: SignerPublicKey

  /**
   * `signers` are the committee members that will sign (any subset whose weights reach the
   * threshold; each must be an Ed25519 member of `committee`).
   */
  constructor(committee: MultiSigCommittee, signers: Signer[]) {
    super()
    validateCommittee(committee)
    let weight = 0
    for (const s of signers) {
      const pk = s.getPublicKey() as Ed25519PublicKey
      const member = committee.members.find((m) => typeof pk.equals === 'function' && m.publicKey.equals(pk))
      if (!member) throw new InvalidMultiSigError(`Signer ${s.toSomaAddress()} is not a member of the multisig committee.`, { docsPath: 'signers.md' })
      weight += member.weight
    }
    if (weight < committee.threshold) {
      throw new InvalidMultiSigError(`The signers' weights add up to ${weight}, below the threshold ${committee.threshold}.`, { docsPath: 'signers.md' })
    }
    this.committee = committee
    this.#signers = [...signers]
    const address = multiSigAddress(committee)
    this.#publicKey = { toSomaAddress: () => address }
  }

  override getPublicKey(): SignerPublicKey {
    return this.#publicKey
  }

  /** The serialized MultiSig over `bytes`: each member signs exactly `bytes`. */
  override async sign(bytes: Uint8Array): Promise<Uint8Array> {
    const signatures = await Promise.all(
      this.#signers.map(async (s) => ({ publicKey: s.getPublicKey() as Ed25519PublicKey, signature: await s.sign(bytes) })),
    )
    return combineMultiSig(this.committee, signatures)
  }

  /** A multisig's serialized signature is already flagged (`0x02`), so nothing is appended. */
  override async signWithIntent(bytes: Uint8Array, intent: ArrayLike<number> = TRANSACTION_INTENT): Promise<Uint8Array> {
    return this.sign(signingDigest(bytes, intent))
  }
}
