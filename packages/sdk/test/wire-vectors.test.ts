// Every derived vector of wire.md §12.2 that concerns BCS and digests, byte for byte.
import { describe, expect, it } from 'vitest'

import {
  SomaObject,
  SomaTensor,
  TransactionData,
  TransactionKind,
  decodeBcs,
  encodeBcs,
  scalarTensor,
  tensor,
} from '../src/bcs/index.js'
import { deriveObjectId, objectDigest, signingDigest, transactionDigest } from '../src/transactions/digests.js'
import { toHex } from '../src/utils/encoding.js'
import { blake2b256 } from '../src/hash/blake2b.js'
import { base58 } from '@scure/base'

const rep = (byte: string, n = 32) => byte.repeat(n)
const id = (byte: string) => `0x${rep(byte)}`
const SENDER = '0xa2d14fad60c56049ecf75246a481934691214ce413e6a8ae2fe6834c173a6133'
const digest22 = base58.encode(new Uint8Array(32).fill(0x22))
const COIN = { objectId: id('11'), version: 7n, digest: digest22 }
const COIN_HEX = `${rep('11')}0700000000000000` + `20${rep('22')}`

function txOf(kind: Parameters<typeof TransactionKind.serialize>[0]) {
  return { V1: { kind, sender: SENDER, gasPayment: [COIN] } }
}

describe('TransferCoin (wire.md §12.2)', () => {
  const tx = txOf({ TransferCoin: { coin: COIN, amount: 1_000_000_000n, recipient: id('33') } })
  const expected =
    '0009111111111111111111111111111111111111111111111111111111111111111107000000000000002022222222222222222222222222222222222222222222222222222222222222220100ca9a3b000000003333333333333333333333333333333333333333333333333333333333333333a2d14fad60c56049ecf75246a481934691214ce413e6a8ae2fe6834c173a61330111111111111111111111111111111111111111111111111111111111111111110700000000000000202222222222222222222222222222222222222222222222222222222222222222'

  it('encodes to the exact bytes', () => {
    expect(toHex(encodeBcs(TransactionData, tx))).toBe(expected)
  })
  it('has the transaction digest and signing digest', () => {
    expect(transactionDigest(tx)).toBe('DJSZ9GvJBFErAq1zEbnP3fuvFNy3gPUshaEhZQZFEKGP')
    expect(toHex(base58.decode(transactionDigest(tx)))).toBe('b6c402d606fbaa654559277a3e010de3c1e69f283e3292c12cbd6d5ba0c24cac')
    expect(toHex(signingDigest(tx))).toBe('bbb8306e51f003d9033632d16bf94382e8326fa225f9d0098d0d10be09b5c414')
  })
  it('derives created object ids', () => {
    const d = transactionDigest(tx)
    expect(deriveObjectId(d, 0)).toBe('0xb2751b748b673c73c60b14cc00547385fd072100126a1aa20744225f05a81a2d')
    expect(deriveObjectId(d, 1n)).toBe('0x0122eb8dc3eade3c88604a0343b7920d799fa092eeb83e0e197fc0599e8d86a1')
  })
  it('decodes back to the same value', () => {
    const decoded = decodeBcs(TransactionData, Buffer.from(expected, 'hex'))
    expect(decoded.V1?.kind.$kind).toBe('TransferCoin')
    expect(decoded.V1?.kind.TransferCoin).toEqual({ coin: COIN, amount: 1_000_000_000n, recipient: id('33') })
    expect(toHex(encodeBcs(TransactionData, decoded))).toBe(expected)
  })
})

describe('PayCoins (wire.md §12.2)', () => {
  const kind = { PayCoins: { coins: [COIN], amounts: [1n, 2n], recipients: [id('33'), id('77')] } }
  it('has the kind bytes and digest', () => {
    expect(toHex(encodeBcs(TransactionKind, kind))).toBe(
      `0a01${COIN_HEX}0102` + '0100000000000000' + '0200000000000000' + `02${rep('33')}${rep('77')}`,
    )
    expect(transactionDigest(txOf(kind))).toBe('D761pBkVcD5G23JG8FAcpuMqz4yWQZcQ89Csky6kDVzs')
  })
})

describe('tensors and the commitments built on them', () => {
  it('encodes [0.1, 0.2, 0.3] and the scalar 0.5', () => {
    const t = encodeBcs(SomaTensor, tensor([0.1, 0.2, 0.3]))
    expect(toHex(t)).toBe('000ccdcccc3dcdcc4c3e9a99993e010300000000000000')
    expect(toHex(blake2b256(t))).toBe('e5bc99bb75cf14d5f2c568eed1838271a3aaabc993614b4e0398a2e1f5f45150')
    expect(toHex(encodeBcs(SomaTensor, scalarTensor(0.5)))).toBe('00040000003f010100000000000000')
  })
})

describe('CommitModel (wire.md §12.2)', () => {
  it('encodes and digests exactly', () => {
    const checksum = 'DnGVJuRd2vDdrBNfqm1cq7v3KmvYtZ1wp2Waufvsr2t6'
    const kind = {
      CommitModel: {
        modelId: id('44'),
        manifest: { V1: { url: 'https://example.com/weights.bin', metadata: { V1: { checksum, size: 25n } } } },
        weightsCommitment: checksum,
        embeddingCommitment: base58.encode(Buffer.from('e5bc99bb75cf14d5f2c568eed1838271a3aaabc993614b4e0398a2e1f5f45150', 'hex')),
        decryptionKeyCommitment: 'ASD8ymSHwcAw2AnmkF3JU7wKnGPsFsrGC2ejTHcuqA5v',
      },
    }
    const ct = 'bde4e4570f214e6f3c4b8a3236c6010996eb20edbfc1b94e8bce090ccb54a01f'
    const bytes = encodeBcs(TransactionData, txOf(kind))
    expect(toHex(bytes)).toBe(
      '000f' + rep('44') + '001f' + Buffer.from('https://example.com/weights.bin').toString('hex') + '0020' + ct + '1900000000000000' +
        `20${ct}20e5bc99bb75cf14d5f2c568eed1838271a3aaabc993614b4e0398a2e1f5f45150` +
        '208c2e6d327dfaa6ff8195513810496949210ad20a96e2b0672a3e1b9335080801' + SENDER.slice(2) + '01' + COIN_HEX,
    )
    expect(transactionDigest(bytes)).toBe('HzbrHAufy3jZNJfGgTdraAhkzZtv3zhitqMkUC4N7xX2')
  })
})

describe('SubmitData (wire.md §12.2)', () => {
  it('has the kind bytes and digest', () => {
    const checksum = 'DLuPdJuir2yCG3pTGTooeFssBDjZL9cfvWx1WXiefncf'
    expect(toHex(blake2b256(Buffer.from('hello soma')))).toBe(toHex(base58.decode(checksum)))
    const kind = {
      SubmitData: {
        targetId: id('66'),
        dataManifest: { manifest: { V1: { url: 'https://example.com/data', metadata: { V1: { checksum, size: 10n } } } } },
        modelId: id('44'),
        embedding: tensor([0.1, 0.2, 0.3]),
        distanceScore: scalarTensor(0.5),
        lossScore: tensor([1.0, 2.0]),
        bondCoin: COIN,
      },
    }
    expect(toHex(encodeBcs(TransactionKind, kind))).toBe(
      '16' + rep('66') + '0018' + Buffer.from('https://example.com/data').toString('hex') + '0020' + toHex(base58.decode(checksum)) +
        '0a00000000000000' + rep('44') + '000ccdcccc3dcdcc4c3e9a99993e010300000000000000' + '00040000003f010100000000000000' +
        '00080000803f00000040010200000000000000' + COIN_HEX,
    )
    expect(transactionDigest(txOf(kind))).toBe('CtNPvqwUS4WWv4ZmRaVEa4HQ37pkb2RapM6xKDncbvdd')
  })
})

describe('Coin object digest (wire.md §12.2)', () => {
  it('encodes the object and hashes it with the Object:: salt', () => {
    const contents = Buffer.from(rep('11') + '00f2052a01000000', 'hex')
    const object = {
      data: { objectType: { Coin: true }, version: 7n, contents },
      owner: { AddressOwner: SENDER },
      previousTransaction: base58.encode(new Uint8Array(32).fill(0x55)),
    } as const
    const bytes = encodeBcs(SomaObject, object)
    expect(toHex(bytes)).toBe(`01070000000000000028${rep('11')}00f2052a0100000000${SENDER.slice(2)}20${rep('55')}`)
    expect(objectDigest(object)).toBe('WmMFvcLHMDGJrMdHuRSm7Eevc9c7uAexQSMDYeYQTj1')
  })
})

import { blake2b256 as coreBlake2b256 } from '@soma-ts/core'
import {
  commitModel,
  createModel,
  embeddingCommitment,
  payCoins,
  submitData,
  transactionData,
  transferCoin,
} from '../src/transactions/builders.js'
import { normalizeUrl } from '../src/utils/url.js'
import { BaseError } from '../src/errors/index.js'

describe('builders give the §12.2 bytes from plain values', () => {
  const bytesOf = (kind: Parameters<typeof transactionData>[0]['kind']) =>
    toHex(encodeBcs(TransactionData, transactionData({ kind, sender: SENDER, gasPayment: [COIN] })))

  it('TransferCoin and PayCoins', () => {
    const tx = transactionData({ kind: transferCoin({ coin: COIN, amount: 1_000_000_000, recipient: id('33') }), sender: SENDER, gasPayment: [COIN] })
    expect(transactionDigest(tx)).toBe('DJSZ9GvJBFErAq1zEbnP3fuvFNy3gPUshaEhZQZFEKGP')
    const pay = payCoins({ coins: [COIN], amounts: [1, 2n], recipients: [id('33'), id('77')] })
    expect(transactionDigest(transactionData({ kind: pay, sender: SENDER, gasPayment: [COIN] }))).toBe('D761pBkVcD5G23JG8FAcpuMqz4yWQZcQ89Csky6kDVzs')
  })
  it('CommitModel from raw commitments, with the embedding commitment computed', () => {
    expect(embeddingCommitment([0.1, 0.2, 0.3])).toBe(base58.encode(Buffer.from('e5bc99bb75cf14d5f2c568eed1838271a3aaabc993614b4e0398a2e1f5f45150', 'hex')))
    const kind = commitModel({
      modelId: id('44'),
      url: 'HTTPS://Example.com/weights.bin',
      checksum: Buffer.from('bde4e4570f214e6f3c4b8a3236c6010996eb20edbfc1b94e8bce090ccb54a01f', 'hex'),
      size: 25,
      embeddingCommitment: embeddingCommitment([0.1, 0.2, 0.3]),
      decryptionKeyCommitment: 'ASD8ymSHwcAw2AnmkF3JU7wKnGPsFsrGC2ejTHcuqA5v',
    })
    expect(transactionDigest(transactionData({ kind, sender: SENDER, gasPayment: [COIN] }))).toBe('HzbrHAufy3jZNJfGgTdraAhkzZtv3zhitqMkUC4N7xX2')
  })
  it('SubmitData with f32 values', () => {
    const kind = submitData({
      targetId: id('66'),
      url: 'https://example.com/data',
      checksum: 'DLuPdJuir2yCG3pTGTooeFssBDjZL9cfvWx1WXiefncf',
      size: 10,
      modelId: id('44'),
      embedding: [0.1, 0.2, 0.3],
      distanceScore: 0.5,
      lossScore: [1, 2],
      bondCoin: COIN,
    })
    expect(transactionDigest(transactionData({ kind, sender: SENDER, gasPayment: [COIN] }))).toBe('CtNPvqwUS4WWv4ZmRaVEa4HQ37pkb2RapM6xKDncbvdd')
    expect(bytesOf(kind).slice(0, 4)).toBe('0016')
  })
  it('normalizes URLs the way the node does and rejects bad input with typed errors', () => {
    expect(normalizeUrl('HTTPS://EXAMPLE.com')).toBe('https://example.com/')
    expect(normalizeUrl('https://example.com/a b')).toBe('https://example.com/a%20b')
    expect(() => normalizeUrl('not a url')).toThrow(BaseError)
    expect(() => payCoins({ coins: [COIN], amounts: [1], recipients: [id('33'), id('77')] })).toThrow(/one amount per recipient/)
    expect(() => createModel({ stakeAmount: 1, commissionRate: 10_001, architectureVersion: 1 })).toThrow(/basis points/)
    expect(() => transferCoin({ coin: COIN, amount: 1.5, recipient: id('33') })).toThrow(BaseError)
    expect(() => transferCoin({ coin: COIN, amount: -1n, recipient: id('33') })).toThrow(BaseError)
    expect(() => transactionData({ kind: transferCoin({ coin: COIN, recipient: id('33') }), sender: SENDER, gasPayment: [] })).toThrow(
      /at least one gas coin/,
    )
  })
})

describe('one Blake2b-256 everywhere', () => {
  it('the SDK hash (@noble/hashes) equals the native core hash', () => {
    for (let n = 0; n < 300; n += 7) {
      const data = Uint8Array.from({ length: n * 13 }, (_, i) => (i * 31 + n) & 0xff)
      expect(toHex(blake2b256(data))).toBe(toHex(coreBlake2b256(data)))
    }
  })
})
