// ExecutionFailureStatus::SomaError, byte for byte. Every expected hex string below was written
// out by hand from the reference's declarations (types/src/error.rs, committee.rs, crypto.rs,
// peer_id.rs at 0ed887ab) and the BCS rules; none was produced by our encoder.
import { base58 } from '@scure/base'
import { describe, expect, it } from 'vitest'

import { MAX_NESTED_SOMA_ERRORS, SomaError, TransactionEffects, decodeBcs, encodeBcs } from '../src/bcs/index.js'
import { BcsDecodeError, BcsEncodeError } from '../src/errors/index.js'
import { toHex } from '../src/utils/encoding.js'

const rep = (byteHex: string, n: number) => byteHex.repeat(n)
const ascii = (s: string) => Buffer.from(s, 'utf8').toString('hex')
const fromHexString = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'))
const base64Of = (byte: number, n: number) => Buffer.from(new Uint8Array(n).fill(byte)).toString('base64')

/** A failed TransactionEffects around `error`, and its bytes around `errorHex`. */
function failed(error: unknown) {
  return {
    V1: {
      status: { Failure: { error: { SomaError: error } } },
      executedEpoch: 3n,
      transactionFee: { baseFee: 1000n, operationFee: 600n, valueFee: 0n, totalFee: 1600n },
      transactionDigest: base58.encode(new Uint8Array(32).fill(0x22)),
      gasObjectIndex: 0,
      dependencies: [],
      version: 8n,
      changedObjects: [],
      unchangedSharedObjects: [],
    },
  }
}
function failedHex(errorHex: string) {
  return (
    '00' + // TransactionEffects::V1
    '01' + // ExecutionStatus::Failure
    '33' + // ExecutionFailureStatus::SomaError = variant 51
    errorHex +
    '0300000000000000' + // executed_epoch 3
    'e803000000000000' + '5802000000000000' + '0000000000000000' + '4006000000000000' + // fees 1000, 600, 0, 1600
    '20' + rep('22', 32) + // transaction_digest: a 32-byte vector
    '0100000000' + // gas_object_index: Some(0u32)
    '00' + // dependencies: []
    '0800000000000000' + // lamport version 8
    '00' + // changed_objects: []
    '00' // unchanged_shared_objects: []
  )
}

function checkBothWays(error: unknown, errorHex: string) {
  const expected = failedHex(errorHex)
  expect(toHex(encodeBcs(TransactionEffects, failed(error) as never))).toBe(expected)
  const decoded = decodeBcs(TransactionEffects, fromHexString(expected))
  expect(decoded.V1!.status.Failure!.error.SomaError).toEqual(error)
  expect(toHex(encodeBcs(SomaError, error as never))).toBe(errorHex)
}

describe('hand-computed SomaError bytes inside TransactionEffects', () => {
  it('unit variant: InvalidPrivateKey is tag 2 with nothing after it', () => {
    checkBothWays({ $kind: 'InvalidPrivateKey', InvalidPrivateKey: true }, '02')
  })

  it('the last variant, VdfComputationFailed(String), is tag 90', () => {
    checkBothWays({ $kind: 'VdfComputationFailed', VdfComputationFailed: 'x' }, '5a' + '01' + ascii('x'))
  })

  it('String struct variant: GenericAuthorityError { error } (what the node builds from an RPC OtherError)', () => {
    checkBothWays({ $kind: 'GenericAuthorityError', GenericAuthorityError: { error: 'boom' } }, '0e' + '04' + ascii('boom'))
  })

  it('String longer than 127 bytes takes a two-byte ULEB length', () => {
    const long = 'é'.repeat(100) // 200 UTF-8 bytes
    checkBothWays({ $kind: 'Storage', Storage: long }, '24' + 'c801' + ascii(long))
  })

  it('tuple variant: RpcError(message, code)', () => {
    checkBothWays({ $kind: 'RpcError', RpcError: ['down', 'Unavailable'] }, '07' + '04' + ascii('down') + '0b' + ascii('Unavailable'))
  })

  it('u32 fields and usize-as-u64 fields', () => {
    checkBothWays(
      { $kind: 'ValidatorConsensusLagging', ValidatorConsensusLagging: { round: 0x01020304, lastCommittedRound: 7 } },
      '4a' + '04030201' + '07000000',
    )
    checkBothWays(
      { $kind: 'SignerSignatureNumberMismatch', SignerSignatureNumberMismatch: { expected: 3n, actual: 2n } },
      '14' + '0300000000000000' + '0200000000000000',
    )
  })

  it('PeerId is a fixed 32-byte array, AuthorityName a 96-byte vector (0x60 prefix)', () => {
    checkBothWays({ $kind: 'PeerNotFound', PeerNotFound: rep('ab', 32) }, '2a' + rep('ab', 32))
    checkBothWays(
      { $kind: 'ByzantineAuthoritySuspicion', ByzantineAuthoritySuspicion: { authority: base64Of(0xaa, 96), reason: 'r' } },
      '1a' + '60' + rep('aa', 96) + '01' + ascii('r'),
    )
  })

  it('object refs, options and digests: ObjectNotFound, ObjectLockConflict', () => {
    checkBothWays(
      { $kind: 'ObjectNotFound', ObjectNotFound: { objectId: `0x${rep('11', 32)}`, version: 9n } },
      '20' + rep('11', 32) + '01' + '0900000000000000',
    )
    checkBothWays(
      {
        $kind: 'ObjectLockConflict',
        ObjectLockConflict: {
          objRef: { objectId: `0x${rep('11', 32)}`, version: 7n, digest: base58.encode(new Uint8Array(32).fill(0x22)) },
          pendingTransaction: base58.encode(new Uint8Array(32).fill(0x33)),
        },
      },
      '21' + rep('11', 32) + '0700000000000000' + '20' + rep('22', 32) + '20' + rep('33', 32),
    )
  })

  it('recursive variant: TooManyIncorrectAuthorities holding a unit error and another TooManyIncorrectAuthorities', () => {
    const error = {
      $kind: 'TooManyIncorrectAuthorities',
      TooManyIncorrectAuthorities: {
        errors: [
          [base64Of(0xaa, 96), { $kind: 'TimeoutError', TimeoutError: true }],
          [base64Of(0xbb, 96), { $kind: 'TooManyIncorrectAuthorities', TooManyIncorrectAuthorities: { errors: [], action: 'inner' } }],
        ],
        action: 'sign',
      },
    }
    checkBothWays(
      error,
      '12' + // TooManyIncorrectAuthorities = 18
        '02' + // two (AuthorityName, SomaError) pairs
        '60' + rep('aa', 96) + '0b' + // TimeoutError = 11
        '60' + rep('bb', 96) + '12' + '00' + '05' + ascii('inner') +
        '04' + ascii('sign'),
    )
  })

  it('UnknownSigner carries a whole Committee, cached maps included', () => {
    const name = base64Of(0xa1, 96)
    const error = {
      $kind: 'UnknownSigner',
      UnknownSigner: {
        signer: 'v1',
        index: null,
        committee: {
          epoch: 7n,
          votingRights: [[name, 10000n]],
          expandedKeys: new Map([[name, new Uint8Array(96).fill(0xb2)]]),
          indexMap: new Map([[name, 0n]]),
          authorities: new Map([
            [
              name,
              {
                stake: 10000n,
                address: '/ip4/127.0.0.1/tcp/8080',
                hostname: 'v1',
                protocolKey: new Uint8Array(32).fill(0xc3),
                networkKey: new Uint8Array(32).fill(0xd4),
                authorityKey: new Uint8Array(96).fill(0xb2),
              },
            ],
          ]),
        },
      },
    }
    const nameHex = '60' + rep('a1', 96)
    checkBothWays(
      error,
      '16' + // UnknownSigner = 22
        '01' + '02' + ascii('v1') + // signer: Some("v1")
        '00' + // index: None
        '0700000000000000' + // epoch
        '01' + nameHex + '1027000000000000' + // voting_rights [(name, 10000)]
        '01' + nameHex + rep('b2', 96) + // expanded_keys: BLS key as a fixed 96-byte array
        '01' + nameHex + '0000000000000000' + // index_map: usize 0
        '01' + nameHex + // authorities
        '1027000000000000' + '17' + ascii('/ip4/127.0.0.1/tcp/8080') + '02' + ascii('v1') +
        rep('c3', 32) + rep('d4', 32) + rep('b2', 96),
    )
  })

  it('a digest-keyed map is written in key-byte order whatever order it was given in', () => {
    const d11 = base58.encode(new Uint8Array(32).fill(0x11))
    const d33 = base58.encode(new Uint8Array(32).fill(0x33))
    const error = {
      $kind: 'QuorumFailedToGetEffectsQuorumWhenProcessingTransaction',
      QuorumFailedToGetEffectsQuorumWhenProcessingTransaction: {
        effectsMap: new Map<string, [string[], bigint]>([
          [d33, [[], 1n]],
          [d11, [[base64Of(0xaa, 96)], 5000n]],
        ]),
      },
    }
    const hex =
      '1c' + '02' + // variant 28, two entries
      '20' + rep('11', 32) + '01' + '60' + rep('aa', 96) + '8813000000000000' +
      '20' + rep('33', 32) + '00' + '0100000000000000'
    expect(toHex(encodeBcs(SomaError, error as never))).toBe(hex)
    const back = decodeBcs(SomaError, fromHexString(hex))
    expect([...back.QuorumFailedToGetEffectsQuorumWhenProcessingTransaction!.effectsMap.keys()]).toEqual([d11, d33])
    // The same entries in descending key order are not canonical, as the Rust decoder says.
    const swapped =
      '1c' + '02' + '20' + rep('33', 32) + '00' + '0100000000000000' +
      '20' + rep('11', 32) + '01' + '60' + rep('aa', 96) + '8813000000000000'
    expect(() => decodeBcs(SomaError, fromHexString(swapped))).toThrow(BcsDecodeError)
  })
})

describe('bad SomaError bytes give a typed BcsDecodeError', () => {
  const errorAt = (errorHex: string) => fromHexString(failedHex(errorHex))

  it('an unknown variant tag (91 and beyond)', () => {
    expect(() => decodeBcs(TransactionEffects, errorAt('5b'))).toThrow(BcsDecodeError)
    expect(() => decodeBcs(TransactionEffects, errorAt('ff01'))).toThrow(BcsDecodeError)
  })

  it('an AuthorityName whose length prefix is not 96', () => {
    expect(() => decodeBcs(SomaError, fromHexString('1a' + '5f' + rep('aa', 95) + '00'))).toThrow(BcsDecodeError)
    expect(() => decodeBcs(SomaError, fromHexString('1a' + '61' + rep('aa', 97) + '00'))).toThrow(BcsDecodeError)
  })

  it('a bool that is neither 0 nor 1, invalid UTF-8, an over-long ULEB length', () => {
    expect(() => decodeBcs(SomaError, fromHexString('19' + '60' + rep('aa', 96) + '02'))).toThrow(BcsDecodeError)
    expect(() => decodeBcs(SomaError, fromHexString('24' + '02' + 'c328'))).toThrow(BcsDecodeError)
    expect(() => decodeBcs(SomaError, fromHexString('24' + 'ffffffff0f' + '41'))).toThrow(BcsDecodeError)
  })

  it('nesting as deep as the Rust decoder allows works; one level more is refused', () => {
    // Each level: TooManyIncorrectAuthorities, one pair, an AuthorityName; the innermost error is
    // TimeoutError; then each level's empty `action`.
    const nested = (levels: number) =>
      fromHexString(('12' + '01' + '60' + rep('aa', 96)).repeat(levels) + '0b' + '00'.repeat(levels))
    const ok = nested(MAX_NESTED_SOMA_ERRORS)
    const decoded = decodeBcs(SomaError, ok)
    expect(toHex(encodeBcs(SomaError, decoded))).toBe(toHex(ok))
    expect(() => decodeBcs(SomaError, nested(MAX_NESTED_SOMA_ERRORS + 1))).toThrow(BcsDecodeError)
    expect(() => decodeBcs(SomaError, nested(MAX_NESTED_SOMA_ERRORS + 1))).toThrow(BcsDecodeError)
    // Far deeper than any stack: refused quickly, and the depth guard resets after a failure.
    const started = Date.now()
    expect(() => decodeBcs(SomaError, nested(20_000))).toThrow(BcsDecodeError)
    expect(Date.now() - started).toBeLessThan(5000)
    expect(decodeBcs(SomaError, nested(3))).toBeTruthy()
  })

  it('encoding a value nested too deeply, or of the wrong shape, is a BcsEncodeError', () => {
    let value: unknown = { TimeoutError: true }
    for (let i = 0; i <= MAX_NESTED_SOMA_ERRORS; i++) {
      value = { TooManyIncorrectAuthorities: { errors: [[base64Of(0xaa, 96), value]], action: '' } }
    }
    expect(() => encodeBcs(SomaError, value as never)).toThrow(BcsEncodeError)
    expect(() => encodeBcs(SomaError, { PeerNotFound: 'abcd' })).toThrow(BcsEncodeError)
    expect(() => encodeBcs(SomaError, { ByzantineAuthoritySuspicion: { authority: base64Of(1, 95), reason: '' } })).toThrow(BcsEncodeError)
    expect(() => encodeBcs(SomaError, { NotAVariant: true } as never)).toThrow(BcsEncodeError)
  })
})
