// Key, address, Bech32, keystore-string, signature and multisig vectors of wire.md §12.
import { describe, expect, it } from 'vitest'

import {
  BaseError,
  Ed25519Keypair,
  Ed25519PublicKey,
  InvalidKeyError,
  InvalidMnemonicError,
  InvalidMultiSigError,
  InvalidSignatureError,
  combineMultiSig,
  derivationPath,
  deserializeSignedTransaction,
  multiSigAddress,
  parseSerializedSignature,
  serializeSignedTransaction,
  signTransaction,
  toHex,
  verifyMultiSig,
  verifyTransactionSignature,
} from '../src/index.js'
import { TransactionData, encodeBcs } from '../src/bcs/index.js'
import { signingDigest } from '../src/transactions/digests.js'
import { base58, base64 } from '@scure/base'

const FILM =
  'film crazy soon outside stand loop subway crumble thrive popular green nuclear struggle pistol arm wife phrase warfare march wheat nephew ask sunny firm'

describe('the Sui cross-check mnemonic (wire.md §12.1)', () => {
  const kp = Ed25519Keypair.fromMnemonic(FILM)
  it('derives the secret, public key and address', () => {
    expect(kp.toSecretKeyHex()).toBe('dd09307a43ba6dc186b5709e4ca51f4fc71911c143f7ceffcf8c60e6b03bc8fa')
    expect(toHex(kp.getPublicKey().toRawBytes())).toBe('22647feeef363060bd4205a1671a15f10a1236765918b1b5f638d82f33cfc469')
    expect(kp.toSomaAddress()).toBe('0xa2d14fad60c56049ecf75246a481934691214ce413e6a8ae2fe6834c173a6133')
  })
  it('has the keystore string, Bech32 and public key Base64', () => {
    expect(kp.toKeystoreString()).toBe('AN0JMHpDum3BhrVwnkylH0/HGRHBQ/fO/8+MYOawO8j6')
    expect(kp.toBech32()).toBe('somaprivkey1qrwsjvr6gwaxmsvxk4cfun99ra8uwxg3c9pl0nhle7xxpe4s80y05f49m2c')
    expect(kp.getPublicKey().toSomaBase64()).toBe('ACJkf+7vNjBgvUIFoWcaFfEKEjZ2WRixtfY42C8zz8Rp')
  })
  it('round-trips every secret form', () => {
    for (const again of [
      Ed25519Keypair.fromKeystoreString(kp.toKeystoreString()),
      Ed25519Keypair.fromBech32(kp.toBech32()),
      Ed25519Keypair.fromSecretKey(kp.toBech32()),
      Ed25519Keypair.fromSecretKey(kp.toSecretKeyHex()),
      Ed25519Keypair.fromSecretKey(`0x${kp.toSecretKeyHex()}`),
      Ed25519Keypair.fromSecretKey(kp.getSecretKey()),
    ]) {
      expect(again.toSomaAddress()).toBe(kp.toSomaAddress())
    }
  })
  it('rejects the Sui HRP and Bech32m', () => {
    expect(() => Ed25519Keypair.fromBech32('suiprivkey1qrwsjvr6gwaxmsvxk4cfun99ra8uwxg3c9pl0nhle7xxpe4s80y05ctazer')).toThrow(InvalidKeyError)
    // Same payload with a corrupted checksum character.
    expect(() => Ed25519Keypair.fromBech32('somaprivkey1qrwsjvr6gwaxmsvxk4cfun99ra8uwxg3c9pl0nhle7xxpe4s80y05f49m2d')).toThrow(InvalidKeyError)
  })
})

describe('other derivation vectors (wire.md §12.2)', () => {
  it('abandon … about', () => {
    const kp = Ed25519Keypair.fromMnemonic('abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about')
    expect(kp.toSecretKeyHex()).toBe('8869cb07178bf67e08d7c4abdf45487dbf379c9a452fcec2836854bf4a3d29b0')
    expect(kp.toSomaAddress()).toBe('0x5e93a736d04fbb25737aa40bee40171ef79f65fae833749e3c089fe7cc2161f1')
  })
  it('raw secret 01×32', () => {
    const kp = Ed25519Keypair.fromSecretKey(new Uint8Array(32).fill(1))
    expect(toHex(kp.getPublicKey().toRawBytes())).toBe('8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c')
    expect(kp.toSomaAddress()).toBe('0x29dfbf688abce7ab43bb8e70cae158ae961196e721440f515482f8ba1684390f')
  })
  it('other account indexes differ and are deterministic', () => {
    const a1 = Ed25519Keypair.fromMnemonic(FILM, derivationPath(1)).toSomaAddress()
    expect(a1).not.toBe(Ed25519Keypair.fromMnemonic(FILM).toSomaAddress())
    expect(Ed25519Keypair.fromMnemonic(FILM, "m/44'/784'/0'/0'/1'").toSomaAddress()).toBe(a1)
  })
  it('rejects bad mnemonics and paths without echoing the secret', () => {
    const bad = FILM.replace('film', 'flim')
    try {
      Ed25519Keypair.fromMnemonic(bad)
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidMnemonicError)
      expect((err as Error).message).not.toContain('crazy')
    }
    expect(() => Ed25519Keypair.fromMnemonic(FILM, "m/44'/784'/0'/0/0")).toThrow(BaseError)
    expect(() => Ed25519Keypair.fromMnemonic(FILM, "m/54'/784'/0'/0'/0'")).toThrow(BaseError)
  })
  it('rejects bad secret keys without echoing them', () => {
    const secret = 'ab'.repeat(31) + 'zz'
    try {
      Ed25519Keypair.fromSecretKey(secret)
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidKeyError)
      expect((err as Error).message).not.toContain('abab')
    }
    expect(() => Ed25519Keypair.fromSecretKey(new Uint8Array(31))).toThrow(/exactly 32 bytes, got 31/)
  })
})

const SENDER = '0xa2d14fad60c56049ecf75246a481934691214ce413e6a8ae2fe6834c173a6133'
const COIN = { objectId: `0x${'11'.repeat(32)}`, version: 7n, digest: base58.encode(new Uint8Array(32).fill(0x22)) }
const TRANSFER = {
  V1: {
    kind: { TransferCoin: { coin: COIN, amount: 1_000_000_000n, recipient: `0x${'33'.repeat(32)}` } },
    sender: SENDER,
    gasPayment: [COIN],
  },
}

const signedTransfer = await signTransaction(Ed25519Keypair.fromMnemonic(FILM), TRANSFER)

describe('signing the TransferCoin vector (wire.md §12.2)', () => {
  const signed = signedTransfer
  it('gives the 64-byte signature and the 97-byte GenericSignature', () => {
    const parsed = parseSerializedSignature(signed.signature)
    expect(parsed.scheme).toBe('ED25519')
    if (parsed.scheme !== 'ED25519') return
    expect(toHex(parsed.signature)).toBe(
      '670f1d8fadc8eaa6c9f8610cb8fe08261f843d5ab1a88803fb5b64824781412be56665d8f8df4ef462fd790b5104680160512b65b13675a72b1a2ba980768a0d',
    )
    expect(signed.signature).toBe(
      'AGcPHY+tyOqmyfhhDLj+CCYfhD1asaiIA/tbZIJHgUEr5WZl2PjfTvRi/XkLUQRoAWBRK2WxNnWnKxorqYB2ig0iZH/u7zYwYL1CBaFnGhXxChI2dlkYsbX2ONgvM8/EaQ==',
    )
    expect(signed.digest).toBe('DJSZ9GvJBFErAq1zEbnP3fuvFNy3gPUshaEhZQZFEKGP')
  })
  it('builds the signed envelope 01 000001 <tx> 01 61 <sig97>', () => {
    const env = serializeSignedTransaction(signed.bytes, [signed.signature])
    expect(toHex(env)).toBe(`01000001${toHex(signed.bytes)}0161${toHex(base64.decode(signed.signature))}`)
    const back = deserializeSignedTransaction(env)
    expect(back.intent).toEqual([0, 0, 1])
    expect(toHex(back.transaction)).toBe(toHex(signed.bytes))
    expect(toHex(back.signatures[0]!)).toBe(toHex(base64.decode(signed.signature)))
  })
  it('verifies, and rejects a changed transaction or a wrong signer', () => {
    expect(verifyTransactionSignature(signed.bytes, signed.signature, { expectedSigner: SENDER })).toBe(SENDER)
    const other = encodeBcs(TransactionData, { V1: { ...TRANSFER.V1, gasPayment: [{ ...COIN, version: 8n }] } })
    expect(() => verifyTransactionSignature(other, signed.signature)).toThrow(InvalidSignatureError)
    expect(() => verifyTransactionSignature(signed.bytes, signed.signature, { expectedSigner: `0x${'33'.repeat(32)}` })).toThrow(
      InvalidSignatureError,
    )
    expect(() => parseSerializedSignature(new Uint8Array(96))).toThrow(InvalidSignatureError)
    expect(() => parseSerializedSignature(Uint8Array.of(5, 1, 2))).toThrow(InvalidSignatureError)
  })
})

describe('multisig (wire.md §12.1 repo pin)', () => {
  const pks = [
    '0d7dab358c8dadaa4efa0049a75b07436555b10a368219bb680f70571349d775',
    '1f2a7901a842e4d3623bc61ce1c1717d2e768e0fd72df8341af56615b916f038',
    '94e4a8493144e9e696208cbed00259e6ddb56f979b91c32967560985be61909b',
  ]
  const sks = [
    '7e39c3ebf8c4694473a408dd64fa89a0f52bdca8fa49775f13f2646951725669',
    '7eccfceb7a89477f263e3baf968699044e2f6e26c53e0af041751af8e1934cd3',
    '65e530aad8923f822e88ed54fc1af6b1354142991c903e5c685f816a7ba68ad1',
  ]
  const keys = sks.map((s) => Ed25519Keypair.fromSecretKey(s))
  const committee = {
    members: pks.map((pk, i) => ({ publicKey: new Ed25519PublicKey(Buffer.from(pk, 'hex')), weight: i + 1 })),
    threshold: 2,
  }
  it('derives the pinned keys and address', () => {
    expect(keys.map((k) => toHex(k.getPublicKey().toRawBytes()))).toEqual(pks)
    expect(keys.map((k) => k.toSomaAddress())).toEqual([
      '0x73a6b3c33e2d63383de5c6786cbaca231ff789f4c853af6d54cb883d8780adc0',
      '0x9acf183a2b811b0976a5c9f9c7cbad4114b5a2815b186f906022d97c698141f3',
      '0x7523d3a707d171193947fca567c9acb1bc711ee93590d4dcbb035f853ea8d5ab',
    ])
    expect(multiSigAddress(committee)).toBe('0xbb3b8bd537a7ea32a536ba54104eea68507755f833c2755c32c20c24b018aba3')
  })
  it('combines and verifies signatures meeting the threshold', async () => {
    const tx = encodeBcs(TransactionData, { V1: { ...TRANSFER.V1, sender: multiSigAddress(committee) } })
    const digest = signingDigest(tx)
    const memberSignatures = await Promise.all(keys.map((k) => k.sign(digest)))
    const sig = (i: number) => ({ publicKey: keys[i]!.getPublicKey(), signature: memberSignatures[i]! })
    const ms = combineMultiSig(committee, [sig(2), sig(0)])
    expect(ms[0]).toBe(2)
    expect(verifyMultiSig(digest, ms)).toBe(multiSigAddress(committee))
    expect(verifyTransactionSignature(tx, ms, { expectedSigner: multiSigAddress(committee) })).toBe(multiSigAddress(committee))
    // Weight 1 alone is below the threshold 2.
    expect(() => verifyMultiSig(digest, combineMultiSig(committee, [sig(0)]))).toThrow(InvalidMultiSigError)
    // A signature over another message fails.
    const wrong = combineMultiSig(committee, [{ publicKey: keys[1]!.getPublicKey(), signature: await keys[1]!.sign(new Uint8Array(32)) }])
    expect(() => verifyMultiSig(digest, wrong)).toThrow(InvalidMultiSigError)
  })
  it('rejects bad committees', () => {
    expect(() => multiSigAddress({ members: committee.members, threshold: 7 })).toThrow(InvalidMultiSigError)
    expect(() => multiSigAddress({ members: committee.members, threshold: 0 })).toThrow(InvalidMultiSigError)
    expect(() => multiSigAddress({ members: [committee.members[0]!, committee.members[0]!], threshold: 1 })).toThrow(InvalidMultiSigError)
    expect(() => multiSigAddress({ members: [{ ...committee.members[0]!, weight: 0 }], threshold: 1 })).toThrow(InvalidMultiSigError)
  })
})

import { verifySignedTransaction } from '../src/index.js'
import { SystemState, decodeSystemState } from '../src/bcs/index.js'

const foreignKeypair = Ed25519Keypair.fromSecretKey(new Uint8Array(32).fill(9))
const foreignSignature = (await signTransaction(foreignKeypair, signedTransfer.bytes)).signature

describe('verifying a signed envelope (what the local network checks)', () => {
  const signed = signedTransfer
  const env = serializeSignedTransaction(signed.bytes, [signed.signature])
  it('accepts the sender signature', () => {
    const v = verifySignedTransaction(env)
    expect(v.signers).toEqual([SENDER])
    expect(v.digest).toBe('DJSZ9GvJBFErAq1zEbnP3fuvFNy3gPUshaEhZQZFEKGP')
  })
  it('rejects a wrong intent, a tampered body, a foreign signer and no signature', () => {
    const badIntent = env.slice()
    badIntent[3] = 0 // app id Sui
    expect(() => verifySignedTransaction(badIntent)).toThrow(InvalidSignatureError)
    const tampered = env.slice()
    tampered[40] = tampered[40]! ^ 1
    expect(() => verifySignedTransaction(tampered)).toThrow(BaseError)
    const foreign = serializeSignedTransaction(signed.bytes, [foreignSignature])
    expect(() => verifySignedTransaction(foreign)).toThrow(/No signature from the sender/)
    expect(() => verifySignedTransaction(serializeSignedTransaction(signed.bytes, []))).toThrow(/no signature/)
    // One signature per signer, as the node requires: the sender's plus another is refused too.
    const extra = serializeSignedTransaction(signed.bytes, [signed.signature, foreignSignature])
    expect(() => verifySignedTransaction(extra)).toThrow(/exactly 1 signature/)
    expect(() => verifySignedTransaction(serializeSignedTransaction(signed.bytes, [signed.signature, signed.signature]))).toThrow(InvalidSignatureError)
  })
})

describe('SystemState contents', () => {
  it('decodes the tagged form and the untagged legacy form to the same value', () => {
    // A minimal state: everything empty or zero, parameters with scalar thresholds.
    const zeroTensor = { values: [0.5], shape: [1n] }
    const params = Object.fromEntries(
      [
        'epochDurationMs', 'validatorRewardAllocationBps', 'modelMinStake', 'modelArchitectureVersion', 'modelRevealSlashRateBps',
        'modelTallySlashRateBps', 'targetEpochFeeCollection', 'baseFee', 'writeObjectFee', 'valueFeeBps', 'minValueFeeBps',
        'maxValueFeeBps', 'feeAdjustmentRateBps', 'targetModelsPerTarget', 'targetEmbeddingDim', 'targetInitialDistanceThreshold',
        'targetRewardAllocationBps', 'targetHitsPerEpoch', 'targetHitsEmaDecayBps', 'targetDifficultyAdjustmentRateBps',
        'targetMaxDistanceThreshold', 'targetMinDistanceThreshold', 'targetInitialTargetsPerEpoch', 'targetSubmitterRewardShareBps',
        'targetModelRewardShareBps', 'targetClaimerIncentiveBps', 'submissionBondPerByte', 'maxSubmissionDataSize',
      ].map((k, i) => [k, k.endsWith('Threshold') ? zeroTensor : BigInt(i)]),
    )
    const v1 = {
      epoch: 3n,
      protocolVersion: 5n,
      validators: { totalStake: 0n, validators: [], pendingValidators: [], pendingRemovals: [], stakingPoolMappings: new Map(), inactiveValidators: new Map(), atRiskValidators: new Map() },
      parameters: params,
      epochStartTimestampMs: 1_700_000_000_000n,
      validatorReportRecords: new Map(),
      modelRegistry: { models: new Map(), stakingPoolMappings: new Map(), totalModelStake: 0n, modelReportRecords: new Map() },
      emissionPool: { balance: 10n, emissionPerEpoch: 1n },
      targetState: { distanceThreshold: zeroTensor, targetsGeneratedThisEpoch: 0n, hitsThisEpoch: 0n, hitsEma: 0n, rewardPerTarget: 0n },
      safeMode: false,
      safeModeAccumulatedFees: 0n,
      safeModeAccumulatedEmissions: 0n,
    }
    const tagged = encodeBcs(SystemState, { V1: v1 } as never)
    expect(tagged[0]).toBe(0)
    expect(decodeSystemState(tagged)).toEqual(v1)
    expect(decodeSystemState(tagged.subarray(1))).toEqual(v1)
    expect(() => decodeSystemState(tagged.subarray(0, 20))).toThrow(BaseError)
  })
})

import { MultiSig } from '../src/bcs/index.js'

const bitmapKeys = [1, 2, 3].map((b) => Ed25519Keypair.fromSecretKey(new Uint8Array(32).fill(b)))
const bitmapDigest = new Uint8Array(32).fill(7)
const signaturesOfDigest = await Promise.all(bitmapKeys.map((k) => k.sign(bitmapDigest)))

describe('multisig bitmap pairing follows the reference (zip of signatures and set bits)', () => {
  const keys = bitmapKeys
  const committee = { members: keys.map((k, i) => ({ publicKey: k.getPublicKey(), weight: i + 1 })), threshold: 2 }
  const digest = bitmapDigest
  const raw = (bitmap: number, signers: number[]) =>
    Uint8Array.from([
      2,
      ...encodeBcs(MultiSig, {
        sigs: signers.map((i) => ({ Ed25519: signaturesOfDigest[i]! })),
        bitmap,
        multisigPk: { pkMap: keys.map((k, i) => ({ publicKey: { Ed25519: k.getPublicKey().toRawBytes() }, weight: i + 1 })), threshold: 2 },
      }),
    ])
  it('ignores an unpaired bit beyond the committee, rejects a paired one', () => {
    expect(verifyMultiSig(digest, raw(0b1100, [2]))).toBe(multiSigAddress(committee))
    expect(() => verifyMultiSig(digest, raw(0b1000, [2]))).toThrow(/Invalid public keys index/)
    // Signature order must follow the bits: member 2's signature in member 1's slot fails.
    expect(() => verifyMultiSig(digest, raw(0b0110, [2, 1]))).toThrow(InvalidMultiSigError)
    expect(verifyMultiSig(digest, raw(0b0110, [1, 2]))).toBe(multiSigAddress(committee))
  })
})

describe('Ed25519Keypair.signTransaction', () => {
  it('is the same as signTransaction(keypair, tx)', async () => {
    const kp = Ed25519Keypair.fromMnemonic(FILM)
    expect(await kp.signTransaction(TRANSFER)).toEqual(await signTransaction(kp, TRANSFER))
    expect(JSON.stringify(kp)).toBe(`{"address":"${SENDER}"}`)
  })
})
