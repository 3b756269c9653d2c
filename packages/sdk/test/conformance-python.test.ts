// Conformance with the reference Python SDK (`soma-sdk` on PyPI, a compiled build of the real
// Rust code): for 200 random keys and messages, its Keypair addresses, to_encoded/from_encoded,
// sign (envelope and signature), encrypt_weights, decrypt_weights and commitment equal ours.
// The virtualenv is made once under packages/sdk/.venv-conformance (gitignored) and reused;
// all cases go through one Python process (test/python/conformance.py: JSON in, JSON out).
// Skipped, with the reason printed, only when Python or PyPI cannot be reached.
import { base58 } from '@scure/base'
import { beforeAll, describe, expect, it } from 'vitest'

import { TRANSACTION_KIND_NAMES, TransactionData, encodeBcs, scalarTensor, tensor } from '../src/bcs/index.js'
import { commitment } from '../src/crypto.js'
import { decryptWeights, encryptWeights } from '../src/native.js'
import { Ed25519Keypair } from '../src/keys/index.js'
import { generateMnemonic } from '../src/keys/mnemonic.js'
import { parseSerializedSignature, serializeSignedTransaction, signTransaction } from '../src/transactions/signature.js'
import { toBase64, toHex } from '../src/utils/encoding.js'
import { describeDriverEnd, ensureSomaSdkPython, pipFailedForNetwork, runSomaSdkDriver } from './helpers/soma-sdk-python.js'

const CASES = 200

let PY = ''
let skipReason: string | null = null

function ensureVenv(): void {
  const env = ensureSomaSdkPython()
  if ('skip' in env) skipReason = env.skip
  else PY = env.python
}

/** Deterministic pseudo-random bytes for the cases. */
function prng(seed: number) {
  let x = seed >>> 0 || 1
  const byte = () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) & 0xff
  }
  return {
    bytes: (n: number) => Uint8Array.from({ length: n }, byte),
    int: (n: number) => ((byte() << 16) | (byte() << 8) | byte()) % n,
  }
}

function randomTransaction(r: ReturnType<typeof prng>, sender: string) {
  const id = () => `0x${toHex(r.bytes(32))}`
  const ref = () => ({ objectId: id(), version: BigInt(r.int(1_000_000)), digest: base58.encode(r.bytes(32)) })
  const gas = ref()
  const floats = (n: number) => Array.from({ length: n }, () => (r.int(2_000_000) - 1_000_000) / 997)
  const manifest = () => ({
    V1: { url: `https://example.com/${r.int(1e6)}.bin`, metadata: { V1: { checksum: base58.encode(r.bytes(32)), size: BigInt(r.int(1e9)) } } },
  })
  const kinds = [
    () => ({ TransferCoin: { coin: gas, amount: r.int(2) ? BigInt(r.int(1e9)) : null, recipient: id() } }),
    () => ({ PayCoins: { coins: [gas], amounts: [BigInt(r.int(1e9)), 1n], recipients: [id(), id()] } }),
    () => ({ TransferObjects: { objects: [ref(), ref()], recipient: id() } }),
    () => ({ AddStake: { address: id(), coinRef: gas, amount: BigInt(r.int(1e12)) } }),
    () => ({ WithdrawStake: { stakedSoma: ref() } }),
    () => ({ CreateModel: { stakeAmount: BigInt(r.int(1e12)), commissionRate: BigInt(r.int(10_001)), architectureVersion: 1n } }),
    () => ({
      CommitModel: {
        modelId: id(),
        manifest: manifest(),
        weightsCommitment: base58.encode(r.bytes(32)),
        embeddingCommitment: base58.encode(r.bytes(32)),
        decryptionKeyCommitment: base58.encode(r.bytes(32)),
      },
    }),
    () => ({ RevealModel: { modelId: id(), decryptionKey: base58.encode(r.bytes(32)), embedding: tensor(floats(1 + r.int(16))) } }),
    () => ({ AddStakeToModel: { modelId: id(), coinRef: gas, amount: null } }),
    () => ({ SetModelCommissionRate: { modelId: id(), newRate: BigInt(r.int(10_001)) } }),
    () => ({ DeactivateModel: { modelId: id() } }),
    () => ({
      SubmitData: {
        targetId: id(),
        dataManifest: { manifest: manifest() },
        modelId: id(),
        embedding: tensor(floats(1 + r.int(16))),
        distanceScore: scalarTensor(floats(1)[0]!),
        lossScore: tensor(floats(r.int(4))),
        bondCoin: gas,
      },
    }),
    () => ({ ClaimRewards: { targetId: id() } }),
    () => ({ ReportSubmission: { targetId: id() } }),
  ]
  const kind = kinds[r.int(kinds.length)]!()
  expect(TRANSACTION_KIND_NAMES).toContain(Object.keys(kind)[0])
  return encodeBcs(TransactionData, { V1: { kind, sender, gasPayment: [gas] } })
}

interface Case {
  secret: string
  ourEncoded: string
  mnemonic: string
  tx: string
  data: string
  aesKey: string
  ciphertextOurs: string
  key58Ours: string
}

describe('conformance with the reference Python SDK (soma-sdk from PyPI)', () => {
  beforeAll(() => {
    ensureVenv()
    if (skipReason) console.warn(`[conformance] skipped: ${skipReason}`)
  }, 900_000)

  it(`agrees on ${CASES} random keys, transactions and payloads`, async (ctx) => {
    if (skipReason) {
      ctx.skip()
      return
    }
    const r = prng(0x50a1)
    const cases: Case[] = []
    const ours: { kp: Ed25519Keypair; mnemonicAddress: string; tx: Uint8Array; data: Uint8Array; key: Uint8Array }[] = []
    for (let i = 0; i < CASES; i++) {
      const kp = Ed25519Keypair.fromSecretKey(r.bytes(32))
      const mnemonic = generateMnemonic(([12, 15, 18, 21, 24] as const)[i % 5])
      const tx = randomTransaction(r, kp.toSomaAddress())
      const data = r.bytes(r.int(400))
      const key = r.bytes(32)
      const enc = encryptWeights(data, key)
      cases.push({
        secret: kp.toSecretKeyHex(),
        ourEncoded: kp.toBech32(),
        mnemonic,
        tx: toHex(tx),
        data: toHex(data),
        aesKey: toHex(key),
        ciphertextOurs: toHex(enc.encrypted),
        key58Ours: enc.key,
      })
      ours.push({ kp, mnemonicAddress: Ed25519Keypair.fromMnemonic(mnemonic).toSomaAddress(), tx, data, key })
    }
    const res = await runSomaSdkDriver(PY, 'conformance.py', cases, { timeoutMs: 300_000 })
    expect(res.code, describeDriverEnd(res)).toBe(0)
    const theirs = JSON.parse(res.stdout) as Record<string, string>[]
    expect(theirs).toHaveLength(CASES)

    for (const [i, t] of theirs.entries()) {
      const o = ours[i]!
      const c = cases[i]!
      const label = `case ${i}`
      // Python's address() is the Display form: 64 hex without 0x.
      expect(`0x${t.address}`, label).toBe(o.kp.toSomaAddress())
      expect(`0x${t.addressFromHex}`, label).toBe(o.kp.toSomaAddress())
      expect(t.secretHex, label).toBe(c.secret)
      expect(t.encoded, label).toBe(c.ourEncoded)
      expect(Ed25519Keypair.fromBech32(t.encoded!).toSomaAddress(), label).toBe(o.kp.toSomaAddress())
      expect(`0x${t.addressFromOurEncoded}`, label).toBe(o.kp.toSomaAddress())
      expect(`0x${t.addressFromSecretKeyBech32}`, label).toBe(o.kp.toSomaAddress())
      expect(`0x${t.mnemonicAddress}`, label).toBe(o.mnemonicAddress)

      const signed = await signTransaction(o.kp, o.tx)
      const envelope = serializeSignedTransaction(o.tx, [signed.signature])
      expect(t.signed, label).toBe(toHex(envelope))
      const sig = parseSerializedSignature(signed.signature)
      expect(sig.scheme).toBe('ED25519')
      // The envelope's last 97 bytes are the serialized signature.
      expect(toBase64(Buffer.from(t.signed!, 'hex').subarray(-97)), label).toBe(signed.signature)

      expect(t.ciphertext, label).toBe(c.ciphertextOurs)
      expect(t.key58, label).toBe(c.key58Ours)
      expect(t.decrypted, label).toBe(toHex(decryptWeights(Buffer.from(t.ciphertext!, 'hex'), t.key58!)))
      expect(t.decrypted, label).toBe(c.data)
      expect(t.commitment, label).toBe(commitment(o.data))
    }
  }, 300_000)
})

describe('the skip rule: only an unreachable PyPI skips', () => {
  it('classifies pip output', () => {
    // pip 23 with the index unreachable (connection refused), as captured on this machine.
    const refused =
      "WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPConnection object at 0x7f>: Failed to establish a new connection: [Errno 111] Connection refused')': /simple/soma-sdk/\n" +
      'ERROR: Could not find a version that satisfies the requirement soma-sdk==0.1.15 (from versions: none)\n' +
      'ERROR: No matching distribution found for soma-sdk==0.1.15\n'
    expect(pipFailedForNetwork(refused)).toBe(true)
    expect(pipFailedForNetwork("WARNING: Retrying ... after connection broken by 'NewConnectionError(... [Errno -3] Temporary failure in name resolution')")).toBe(true)
    // PyPI answered, but has no such version or no wheel for this Python: a failure, not a skip.
    const noWheel =
      'ERROR: Could not find a version that satisfies the requirement soma-sdk==0.1.15 (from versions: none)\n' +
      'ERROR: No matching distribution found for soma-sdk==0.1.15\n'
    expect(pipFailedForNetwork(noWheel)).toBe(false)
    expect(
      pipFailedForNetwork(
        'ERROR: Could not find a version that satisfies the requirement soma-sdk==9.9.9 (from versions: 0.1.0, 0.1.15)\nERROR: No matching distribution found for soma-sdk==9.9.9\n',
      ),
    ).toBe(false)
    expect(pipFailedForNetwork('ERROR: Failed building wheel for soma-sdk')).toBe(false)
  })
})
