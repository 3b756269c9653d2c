// Every Signer (in-memory keypair, keystore entry, multisig, a remote signer written against the
// documented shape) produces a signature that verifyTransactionSignature accepts for the sender.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { ed25519 } from '@noble/curves/ed25519.js'
import { base58, base64 } from '@scure/base'
import { afterAll, describe, expect, it } from 'vitest'

import {
  Ed25519Keypair,
  Ed25519PublicKey,
  InvalidMultiSigError,
  InvalidSignatureError,
  KeyNotFoundError,
  Keypair,
  MultiSigSigner,
  Signer,
  encodeBcs,
  bcsTypes,
  multiSigAddress,
  parseSerializedSignature,
  signTransaction,
  verifyTransactionSignature,
  type MultiSigCommittee,
} from '../src/index.js'
import { KeystoreSigner } from '../src/node.js'

const dir = mkdtempSync(join(tmpdir(), 'soma-signers-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const COIN = { objectId: `0x${'11'.repeat(32)}`, version: 7n, digest: base58.encode(new Uint8Array(32).fill(0x22)) }
const transferFrom = (sender: string) =>
  encodeBcs(bcsTypes.TransactionData, {
    V1: {
      kind: { TransferCoin: { coin: COIN, amount: 5n, recipient: `0x${'33'.repeat(32)}` } },
      sender,
      gasPayment: [COIN],
    },
  })

/** A signer that holds no key object: what a KMS/HSM adapter looks like (getPublicKey + async sign). */
class RemoteSigner extends Signer {
  readonly #publicKey: Ed25519PublicKey
  calls = 0
  constructor(private readonly remoteSecret: Uint8Array) {
    super()
    this.#publicKey = new Ed25519PublicKey(ed25519.getPublicKey(remoteSecret))
  }
  override getPublicKey(): Ed25519PublicKey {
    return this.#publicKey
  }
  override async sign(bytes: Uint8Array): Promise<Uint8Array> {
    this.calls++
    await new Promise((resolve) => setTimeout(resolve, 1))
    return ed25519.sign(bytes, this.remoteSecret)
  }
}

describe('Ed25519Keypair', () => {
  it('is a Keypair and a Signer whose transaction signatures verify', async () => {
    const kp = Ed25519Keypair.fromSecretKey(new Uint8Array(32).fill(1))
    expect(kp).toBeInstanceOf(Keypair)
    expect(kp).toBeInstanceOf(Signer)
    const tx = transferFrom(kp.toSomaAddress())
    const signed = await signTransaction(kp, tx)
    expect(verifyTransactionSignature(tx, signed.signature, { expectedSigner: kp.toSomaAddress() })).toBe(kp.toSomaAddress())
    expect(base64.decode(signed.signature)).toHaveLength(97)
  })
})

describe('KeystoreSigner', () => {
  it('signs with an entry of a reference-format keystore, by address or alias', async () => {
    const kp = Ed25519Keypair.fromSecretKey(new Uint8Array(32).fill(2))
    const path = join(dir, 'soma.keystore')
    writeFileSync(path, JSON.stringify([kp.toKeystoreString()], null, 2), { mode: 0o600 })
    writeFileSync(
      join(dir, 'soma.aliases'),
      JSON.stringify([{ alias: 'alice', public_key_base64: base64.encode(kp.getPublicKey().toSomaBytes()) }], null, 2),
    )
    for (const identity of [kp.toSomaAddress(), 'alice']) {
      const signer = KeystoreSigner.load(identity, path)
      expect(signer.toSomaAddress()).toBe(kp.toSomaAddress())
      const tx = transferFrom(signer.toSomaAddress())
      const signed = await signTransaction(signer, tx)
      expect(verifyTransactionSignature(tx, signed.signature, { expectedSigner: kp.toSomaAddress() })).toBe(kp.toSomaAddress())
      expect(signed).toEqual(await kp.signTransaction(tx))
      expect(JSON.stringify(signer)).not.toContain(kp.toSecretKeyHex())
    }
    expect(() => KeystoreSigner.load('bob', path)).toThrow(KeyNotFoundError)
  })
})

describe('a remote signer (getPublicKey + async sign only)', () => {
  it('inherits address, intent and serialization; its signatures verify', async () => {
    const remote = new RemoteSigner(new Uint8Array(32).fill(3))
    const tx = transferFrom(remote.toSomaAddress())
    const signed = await signTransaction(remote, tx)
    expect(remote.calls).toBe(1)
    expect(verifyTransactionSignature(tx, signed.signature, { expectedSigner: remote.toSomaAddress() })).toBe(remote.toSomaAddress())
    expect(signed).toEqual(await Ed25519Keypair.fromSecretKey(new Uint8Array(32).fill(3)).signTransaction(tx))
  })
})

describe('MultiSigSigner', () => {
  const members = [4, 5, 6].map((b) => Ed25519Keypair.fromSecretKey(new Uint8Array(32).fill(b)))
  const remote = new RemoteSigner(new Uint8Array(32).fill(7))
  const committee: MultiSigCommittee = {
    members: [...members.map((m) => ({ publicKey: m.getPublicKey(), weight: 1 })), { publicKey: remote.getPublicKey(), weight: 2 }],
    threshold: 2,
  }
  const address = multiSigAddress(committee)

  it('combines member signatures that reach the threshold into a verifying MultiSig', async () => {
    for (const signers of [[members[0]!, members[2]!], [remote], [members[1]!, remote]]) {
      const ms = new MultiSigSigner(committee, signers)
      expect(ms.toSomaAddress()).toBe(address)
      const tx = transferFrom(address)
      const signed = await signTransaction(ms, tx)
      expect(verifyTransactionSignature(tx, signed.signature, { expectedSigner: address })).toBe(address)
      const parsed = parseSerializedSignature(signed.signature)
      expect(parsed.scheme).toBe('MultiSig')
      if (parsed.scheme === 'MultiSig') expect(parsed.signatures).toHaveLength(signers.length)
    }
  })

  it('refuses signers below the threshold or outside the committee', () => {
    expect(() => new MultiSigSigner(committee, [members[0]!])).toThrow(/below the threshold 2/)
    expect(() => new MultiSigSigner(committee, [members[0]!])).toThrow(InvalidMultiSigError)
    const outsider = Ed25519Keypair.fromSecretKey(new Uint8Array(32).fill(8))
    expect(() => new MultiSigSigner(committee, [outsider, remote])).toThrow(/not a member/)
  })

  it('a member signature alone does not pass for the multisig', async () => {
    const tx = transferFrom(address)
    const single = await signTransaction(members[0]!, tx)
    expect(() => verifyTransactionSignature(tx, single.signature, { expectedSigner: address })).toThrow(InvalidSignatureError)
  })
})
