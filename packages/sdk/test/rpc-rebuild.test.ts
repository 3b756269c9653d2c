// The node never receives BCS: it rebuilds TransactionData from the protobuf and verifies the
// signature over that rebuild (wire.md §8.4). These tests send every kind through the protobuf
// wire format and the rebuild, and require the exact bytes the client signed.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import { base58 } from '@scure/base'
import { describe, expect, it } from 'vitest'

import { TRANSACTION_KIND_NAMES, TransactionData, encodeBcs, type TransactionDataInput } from '../src/bcs/index.js'
import { BcsEncodeError, InvalidArgumentError } from '../src/errors/index.js'
import { TransactionKindSchema, TransactionSchema } from '../src/generated/soma/rpc/transaction_pb.js'
import { buildTransaction } from '../src/rpc/build.js'
import { ProtoConversionError, transactionDataFromProto, transactionDataToProto } from '../src/rpc/convert.js'
import { transactionDigest } from '../src/transactions/digests.js'
import { toHex } from '../src/utils/encoding.js'
import { COIN, COMMIT_MODEL, EVERY_KIND, MANIFEST, SENDER, SUBMIT_DATA, b58, bytes, id, tx } from './helpers/kinds.js'
import { randomTransaction, rng } from './helpers/random-kinds.js'
import * as builders from '../src/transactions/builders.js'

/** Client builds → protobuf bytes on the wire → the node's decode and rebuild. */
function overTheWire(input: TransactionDataInput) {
  const built = buildTransaction(input)
  const wire = toBinary(TransactionSchema, built.proto)
  const rebuilt = transactionDataFromProto(fromBinary(TransactionSchema, wire))
  return { built, rebuilt, wire }
}

describe('protobuf → BCS rebuild, every TransactionKind', () => {
  it('covers all 26 kinds', () => {
    expect(Object.keys(EVERY_KIND)).toEqual([...TRANSACTION_KIND_NAMES])
  })

  for (const name of TRANSACTION_KIND_NAMES) {
    it(`${name}: the rebuild gives back the signed bytes`, () => {
      const input = tx(EVERY_KIND[name])
      const direct = encodeBcs(TransactionData, input)
      const { built, rebuilt } = overTheWire(input)
      expect(direct[1]).toBe(TRANSACTION_KIND_NAMES.indexOf(name))
      expect(toHex(built.bcs)).toBe(toHex(direct))
      expect(toHex(rebuilt.bcs)).toBe(toHex(direct))
      expect(built.digest).toBe(transactionDigest(direct))
      expect(built.proto.digest).toBe(built.digest)
      expect(rebuilt.data.V1.kind.$kind).toBe(name)
    })
  }
})

describe('wire.md §12.2 vectors through the protobuf path', () => {
  it('TransferCoin', () => {
    const { rebuilt, built } = overTheWire(tx(EVERY_KIND.TransferCoin))
    expect(built.digest).toBe('DJSZ9GvJBFErAq1zEbnP3fuvFNy3gPUshaEhZQZFEKGP')
    expect(toHex(rebuilt.bcs)).toBe(
      '0009111111111111111111111111111111111111111111111111111111111111111107000000000000002022222222222222222222222222222222222222222222222222222222222222220100ca9a3b000000003333333333333333333333333333333333333333333333333333333333333333a2d14fad60c56049ecf75246a481934691214ce413e6a8ae2fe6834c173a61330111111111111111111111111111111111111111111111111111111111111111110700000000000000202222222222222222222222222222222222222222222222222222222222222222',
    )
  })
  it('PayCoins', () => {
    const { built } = overTheWire(tx({ PayCoins: { coins: [COIN], amounts: [1n, 2n], recipients: [id('33'), id('77')] } }))
    expect(built.digest).toBe('D761pBkVcD5G23JG8FAcpuMqz4yWQZcQ89Csky6kDVzs')
  })
  it('CommitModel', () => {
    const checksum = 'DnGVJuRd2vDdrBNfqm1cq7v3KmvYtZ1wp2Waufvsr2t6'
    const embeddingCommitment = base58.encode(Buffer.from('e5bc99bb75cf14d5f2c568eed1838271a3aaabc993614b4e0398a2e1f5f45150', 'hex'))
    const { built } = overTheWire(
      tx({
        CommitModel: {
          modelId: id('44'),
          manifest: { V1: { url: 'https://example.com/weights.bin', metadata: { V1: { checksum, size: 25n } } } },
          weightsCommitment: checksum,
          embeddingCommitment,
          decryptionKeyCommitment: 'ASD8ymSHwcAw2AnmkF3JU7wKnGPsFsrGC2ejTHcuqA5v',
        },
      }),
    )
    expect(built.digest).toBe('HzbrHAufy3jZNJfGgTdraAhkzZtv3zhitqMkUC4N7xX2')
  })
  it('SubmitData (embedding 0.1, 0.2, 0.3 given as f64: rounded to f32 on both sides)', () => {
    const { built, rebuilt } = overTheWire(
      tx({
        SubmitData: {
          targetId: id('66'),
          dataManifest: { manifest: { V1: { url: 'https://example.com/data', metadata: { V1: { checksum: 'DLuPdJuir2yCG3pTGTooeFssBDjZL9cfvWx1WXiefncf', size: 10n } } } } },
          modelId: id('44'),
          embedding: { values: [0.1, 0.2, 0.3], shape: [3n] },
          distanceScore: { values: [0.5], shape: [1n] },
          lossScore: { values: [1, 2], shape: [2n] },
          bondCoin: COIN,
        },
      }),
    )
    expect(built.digest).toBe('CtNPvqwUS4WWv4ZmRaVEa4HQ37pkb2RapM6xKDncbvdd')
    expect(rebuilt.data.V1.kind.SubmitData?.embedding.values).toEqual([Math.fround(0.1), Math.fround(0.2), Math.fround(0.3)])
  })
})

describe('the traps of §8.4', () => {
  it('URLs: the node re-serializes them, so the signed bytes use the normalized form', () => {
    const raw = 'HTTPS://Example.COM'
    const input = tx({ CommitModel: { ...COMMIT_MODEL, manifest: { V1: { url: raw, metadata: MANIFEST.V1.metadata } } } })
    const naive = encodeBcs(TransactionData, input)
    const { built, rebuilt } = overTheWire(input)
    expect(built.data.V1.kind.CommitModel?.manifest.V1?.url).toBe('https://example.com/')
    expect(toHex(rebuilt.bcs)).toBe(toHex(built.bcs))
    expect(toHex(built.bcs)).not.toBe(toHex(naive))
  })

  it('PayCoins amounts = None has no protobuf form and is refused before signing', () => {
    const input = tx({ PayCoins: { coins: [COIN], amounts: null, recipients: [id('33')] } })
    expect(() => buildTransaction(input)).toThrow(InvalidArgumentError)
    expect(() => buildTransaction(input)).toThrow(/amounts = None/)
  })

  it('PayCoins with an empty amounts list stays Some([])', () => {
    const input = tx({ PayCoins: { coins: [COIN], amounts: [], recipients: [] } })
    const { rebuilt } = overTheWire(input)
    expect(rebuilt.data.V1.kind.PayCoins?.amounts).toEqual([])
    expect(toHex(rebuilt.bcs)).toBe(toHex(encodeBcs(TransactionData, input)))
  })

  it('Option<u64>: Some(0) and None stay distinct through proto3 presence', () => {
    const some0 = overTheWire(tx({ TransferCoin: { coin: COIN, amount: 0n, recipient: id('33') } }))
    const none = overTheWire(tx({ TransferCoin: { coin: COIN, amount: null, recipient: id('33') } }))
    expect(some0.rebuilt.data.V1.kind.TransferCoin?.amount).toBe(0n)
    expect(none.rebuilt.data.V1.kind.TransferCoin?.amount).toBeNull()
    expect(some0.built.digest).not.toBe(none.built.digest)
  })

  it('tensors: a shape the node would not rebuild is refused', () => {
    const reveal = tx({ RevealModel: { modelId: id('44'), decryptionKey: b58(0x2a), embedding: { values: [1, 2, 3, 4], shape: [2n, 2n] } } })
    expect(() => buildTransaction(reveal)).toThrow(/shape \[2, 2\].*\[4\]/)
    const submit = SUBMIT_DATA
    const twoDistances = tx({ SubmitData: { ...submit, distanceScore: { values: [0.5, 0.6], shape: [2n] } } })
    expect(() => buildTransaction(twoDistances)).toThrow(/distance_score/)
  })

  it('tensors: an empty loss_score is rebuilt with shape [0]', () => {
    const submit = SUBMIT_DATA
    const { rebuilt } = overTheWire(tx({ SubmitData: { ...submit, lossScore: { values: [], shape: [0n] } } }))
    expect(rebuilt.data.V1.kind.SubmitData?.lossScore).toEqual({ values: [], shape: [0n] })
  })

  it('an unparsable URL is refused when building', () => {
    const input = tx({ CommitModel: { ...COMMIT_MODEL, manifest: { V1: { url: 'not a url', metadata: MANIFEST.V1.metadata } } } })
    expect(() => buildTransaction(input)).toThrow(InvalidArgumentError)
  })

  it('malformed values fail in the BCS layer with a typed error', () => {
    expect(() => buildTransaction(tx({ TransferCoin: { coin: { ...COIN, digest: 'short' }, amount: 1n, recipient: id('33') } }))).toThrow(BcsEncodeError)
  })
})

describe('the rebuild rejects bad protobuf like the node', () => {
  const good = () => transactionDataToProto(buildTransaction(tx(EVERY_KIND.CommitModel)).data)

  function violation(mutate: (t: ReturnType<typeof good>) => void): ProtoConversionError {
    const t = good()
    mutate(t)
    try {
      transactionDataFromProto(t)
    } catch (err) {
      expect(err).toBeInstanceOf(ProtoConversionError)
      return err as ProtoConversionError
    }
    throw new Error('the rebuild accepted a bad transaction')
  }

  it('missing kind / sender', () => {
    expect(violation((t) => (t.kind = undefined))).toMatchObject({ field: 'kind', reason: 'FIELD_MISSING' })
    expect(violation((t) => (t.sender = undefined))).toMatchObject({ field: 'sender', reason: 'FIELD_MISSING' })
  })

  it('a commitment that is not 32 bytes', () => {
    const err = violation((t) => {
      if (t.kind?.kind.case === 'commitModel') t.kind.kind.value.weightsCommitment = bytes(1, 31)
    })
    expect(err).toMatchObject({ field: 'kind.commit_model.weights_commitment', reason: 'FIELD_INVALID' })
  })

  it('a bad gas digest, a too-long sender, a bad URL', () => {
    expect(violation((t) => (t.gasPayment[0]!.digest = '0OIl'))).toMatchObject({ field: 'gas_payment[0].digest', reason: 'FIELD_INVALID' })
    expect(violation((t) => (t.sender = `0x${'1'.repeat(65)}`))).toMatchObject({ field: 'sender', reason: 'FIELD_INVALID' })
    const err = violation((t) => {
      if (t.kind?.kind.case === 'commitModel' && t.kind.kind.value.manifest?.version.case === 'v1') t.kind.kind.value.manifest.version.value.url = '::'
    })
    expect(err.field).toBe('kind.commit_model.manifest.v1.url')
  })

  it('the retired challenge kinds', () => {
    const err = violation((t) => (t.kind = create(TransactionKindSchema, { kind: { case: 'reportChallenge', value: { challengeId: id('01') } } })))
    expect(err).toMatchObject({ field: 'kind', reason: 'FIELD_INVALID', description: 'challenge transactions are no longer supported' })
  })

  it('the rpc address parser: short forms are left-padded, bare hex accepted', () => {
    const t = good()
    t.sender = '0x5'
    expect(transactionDataFromProto(t).data.V1.sender).toBe(`0x${'0'.repeat(63)}5`)
    t.sender = SENDER.slice(2).toUpperCase()
    expect(transactionDataFromProto(t).data.V1.sender).toBe(SENDER)
  })

  it('ignores unknown protobuf fields (forward compatibility)', () => {
    const built = buildTransaction(tx(EVERY_KIND.TransferCoin))
    const wire = toBinary(TransactionSchema, built.proto)
    // Field 99, varint 7: a field this schema does not know.
    const withUnknown = new Uint8Array([...wire, 0x98, 0x06, 0x07])
    const rebuilt = transactionDataFromProto(fromBinary(TransactionSchema, withUnknown))
    expect(toHex(rebuilt.bcs)).toBe(toHex(built.bcs))
  })
})

describe('random transactions (seeded) survive the protobuf round trip', () => {
  it('500 transactions of every kind: the rebuild equals the built bytes; already-canonical values keep their BCS', () => {
    const next = rng(0x50_4d_41)
    let canonical = 0
    for (let i = 0; i < 500; i++) {
      const input = randomTransaction(next, SENDER)
      const { built, rebuilt } = overTheWire(input)
      expect(toHex(rebuilt.bcs), `case ${i}`).toBe(toHex(built.bcs))
      const kind = built.data.V1.kind
      const url = kind.CommitModel?.manifest.V1?.url ?? kind.SubmitData?.dataManifest.manifest.V1?.url
      const inputKind = (input as { V1: { kind: Record<string, { manifest?: { V1: { url: string } }; dataManifest?: { manifest: { V1: { url: string } } } }> } }).V1.kind
      const rawUrl = Object.values(inputKind)[0]?.manifest?.V1.url ?? Object.values(inputKind)[0]?.dataManifest?.manifest.V1.url
      if (url === undefined || url === rawUrl) {
        canonical++
        expect(toHex(built.bcs), `case ${i}`).toBe(toHex(encodeBcs(TransactionData, input)))
      }
    }
    expect(canonical).toBeGreaterThan(400)
  })
})

describe("the plain-value builders (transactions/builders.ts) already produce the rebuild's form", () => {
  it('commitModel / submitData / revealModel / payCoins: buildTransaction keeps their BCS unchanged', () => {
    const kinds = [
      builders.commitModel({
        modelId: '0x44',
        url: 'HTTPS://Example.COM/w b',
        checksum: b58(0xbd),
        size: 25n,
        embeddingCommitment: b58(0xe5),
        decryptionKeyCommitment: b58(0x8c),
      }),
      builders.submitData({
        targetId: '0x66',
        url: 'https://example.com:443/data',
        checksum: b58(0xd1),
        size: 10,
        modelId: '0x44',
        embedding: [0.1, 0.2, 0.3],
        distanceScore: 0.7,
        lossScore: [],
        bondCoin: COIN,
      }),
      builders.revealModel({ modelId: '0x44', decryptionKey: b58(0x2a), embedding: [1e-45, -0, 3.4e38] }),
      builders.payCoins({ coins: [COIN], amounts: [5n], recipients: ['0x33'] }),
    ]
    for (const kind of kinds) {
      const input = builders.transactionData({ kind, sender: SENDER, gasPayment: [COIN] })
      const { built, rebuilt } = overTheWire(input)
      expect(toHex(built.bcs)).toBe(toHex(encodeBcs(TransactionData, input)))
      expect(toHex(rebuilt.bcs)).toBe(toHex(built.bcs))
    }
  })
})
