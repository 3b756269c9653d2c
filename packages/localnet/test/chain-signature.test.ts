/** The node's native RFC 8032 fast path for user signatures agrees with the SDK's ZIP-215 verifier. */
import { InvalidSignatureError, bcsTypes, decodeBcs, deserializeSignedTransaction, serializeSignedTransaction, verifySignedTransaction } from '@soma-ts/sdk'
import { describe, expect, it } from 'vitest'

import { verifyUserSignature } from '../src/chain/signature.js'
import { USERS, coinsOf, newChain, refOf, sign } from './chain-helpers.js'

function check(signed: Uint8Array): 'ok' | string {
  const { intent, transaction, signatures } = deserializeSignedTransaction(signed)
  const sender = decodeBcs(bcsTypes.TransactionData, transaction).V1!.sender
  try {
    verifyUserSignature(intent, transaction, signatures, sender, signed)
    return 'ok'
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidSignatureError)
    return (err as Error).message
  }
}

function sdk(signed: Uint8Array): 'ok' | string {
  try {
    verifySignedTransaction(signed)
    return 'ok'
  } catch (err) {
    return (err as Error).message
  }
}

describe('verifyUserSignature (the native RFC 8032 check first, the ZIP-215 verifier decides the rest)', () => {
  const chain = newChain()
  const user = USERS[0]!
  const coin = refOf(coinsOf(chain, user.toSomaAddress())[0]!)
  const valid = sign(user, { TransferCoin: { coin, amount: 1n, recipient: USERS[1]!.toSomaAddress() } }, [coin])

  it('accepts what the SDK accepts and refuses what it refuses, with the same message', () => {
    const { transaction, signatures } = deserializeSignedTransaction(valid)
    const signature = signatures[0]!
    const flipped = signature.slice()
    flipped[10] = flipped[10]! ^ 1
    const otherKey = signature.slice()
    otherKey.set(USERS[1]!.getPublicKey().toRawBytes(), 65)
    const highS = signature.slice()
    highS[64] = highS[64]! | 0xf0 // S ≥ L: not canonical
    const cases = [
      valid,
      serializeSignedTransaction(transaction, [flipped]),
      serializeSignedTransaction(transaction, [otherKey]),
      serializeSignedTransaction(transaction, [highS]),
      serializeSignedTransaction(transaction, [signature, signature]),
      serializeSignedTransaction(transaction, [signature.slice(0, 96)]),
      // A different intent in the envelope: the scope byte follows the ULEB(1) length prefix.
      Uint8Array.from(valid, (b, i) => (i === 1 ? 1 : b)),
    ]
    const outcomes = cases.map(check)
    expect(outcomes).toEqual(cases.map(sdk))
    expect(outcomes[0]).toBe('ok')
    expect(outcomes.slice(1).every((o) => o !== 'ok')).toBe(true)
  })

  it('a valid single Ed25519 signature is settled by OpenSSL alone (the fallback never runs)', () => {
    const { intent, transaction, signatures } = deserializeSignedTransaction(valid)
    // Empty envelope bytes: the SDK fallback would fail to decode them, so returning means the fast path decided.
    expect(() => verifyUserSignature(intent, transaction, signatures, user.toSomaAddress(), new Uint8Array())).not.toThrow()
    // The wrong sender is not settled there: it falls back, and the fallback refuses.
    expect(() => verifyUserSignature(intent, transaction, signatures, USERS[1]!.toSomaAddress(), new Uint8Array())).toThrow()
  })

  it('repeat senders hit the key cache and still verify each signature', () => {
    const again = sign(user, { TransferCoin: { coin, amount: 2n, recipient: USERS[2]!.toSomaAddress() } }, [coin])
    expect(check(valid)).toBe('ok')
    expect(check(again)).toBe('ok')
    const { transaction } = deserializeSignedTransaction(again)
    const wrong = deserializeSignedTransaction(valid).signatures[0]!
    expect(check(serializeSignedTransaction(transaction, [wrong]))).not.toBe('ok')
  })
})
