// What the fuzz suite feeds: every exported BCS schema, the side-service codecs, the protobuf→BCS
// rebuild, keystore and client.yaml parsing, and the two servers (over 127.0.0.1 only).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import * as grpc from '@grpc/grpc-js'
import type { BcsType } from '@mysten/bcs'
import { Code, ConnectError } from '@connectrpc/connect'

import * as B from '../../src/bcs/index.js'
import { decodeBcs, encodeBcs } from '../../src/bcs/index.js'
import { FileKeystore, MAX_KEYSTORE_ENTRIES, readClientConfig } from '../../src/config/index.js'
import { BaseError, BcsDecodeError } from '../../src/errors/index.js'
import { SimulateTransactionRequestSchema, SimulateTransactionResponseSchema, TransactionExecutionService } from '../../src/generated/soma/rpc/transaction_execution_service_pb.js'
import { TransactionSchema } from '../../src/generated/soma/rpc/transaction_pb.js'
import { transactionDataFromProto, transactionDataToProto } from '../../src/rpc/convert.js'
import { toBase58 } from '../../src/utils/encoding.js'
import { GrpcStatus } from '../../src/rpc/errors.js'
import { RPC_REQUEST_BINARY_OPTIONS } from '../../../localnet/src/limits.js'
import { serveRpc, toConnectError } from '../../../localnet/src/rpc/server.js'
import { AdminMethods, FaucetMethods, ScoringMethods } from '../../src/services/definitions.js'
import { serveSideServices } from '../../../localnet/src/services/server.js'
import * as S from '../../src/services/types.js'
import { CASES, type R } from '../helpers/bcs-cases.js'
import { hostile } from '../helpers/hostile.js'
import { randomTransaction, rng as mulberry } from '../helpers/random-kinds.js'
import type { FuzzTarget } from './engine.js'

const SEEDS_PER_SCHEMA = 6
const typedDecode = (err: unknown) => err instanceof BcsDecodeError

function seedsFrom<T>(type: BcsType<T, unknown>, gen: (r: R) => unknown, r: R, extra: Uint8Array[] = []): Uint8Array[] {
  const seeds: Uint8Array[] = [...extra]
  for (let i = 0; i < SEEDS_PER_SCHEMA; i++) seeds.push(encodeBcs(type, gen(r)))
  return seeds
}

/** A SomaError nested `depth` levels through TooManyIncorrectAuthorities (the depth limit's edge). */
function deepSomaError(depth: number): Uint8Array {
  const name = Buffer.alloc(96, 3).toString('base64')
  let value: unknown = { TimeoutError: true }
  for (let i = 0; i < depth; i++) value = { TooManyIncorrectAuthorities: { errors: [[name, value]], action: '' } }
  return encodeBcs(B.SomaError, value as never)
}

/** `n` distinct canonical addresses in ascending order (a BTreeSet's or BTreeMap's keys). */
function ascendingAddresses(n: number, r: R): string[] {
  return Array.from({ length: n }, () => `0x${Buffer.from(r.bytes(32)).toString('hex')}`).sort()
}
const digestText = (r: R) => toBase58(r.bytes(32))

/**
 * The densest valid encodings just under the 1 MiB input cap, one per costly element kind (the
 * cases of `bench/decode`): mutations of these push lengths and tags at full size.
 */
const DENSE: Record<string, (r: R) => Uint8Array> = {
  AddressSet: (r) => encodeBcs(B.AddressSet, ascendingAddresses(32_000, r)),
  TransactionData: (r) =>
    encodeBcs(B.TransactionData, {
      V1: {
        kind: { ReportValidator: { reportee: `0x${'ab'.repeat(32)}` } },
        sender: `0x${'cd'.repeat(32)}`,
        gasPayment: ascendingAddresses(14_000, r).map((objectId) => ({ objectId, version: r.u64(), digest: digestText(r) })),
      },
    } as never),
  StakingPool: (r) =>
    encodeBcs(B.StakingPool, {
      ...(decodeBcs(B.StakingPool, encodeBcs(B.StakingPool, CASES.find(([n]) => n === 'StakingPool')![2](r) as never)) as object),
      exchangeRates: new Map(Array.from({ length: 43_000 }, (_, i) => [BigInt(i), { somaAmount: r.u64(), poolTokenAmount: r.u64() }])),
    } as never),
  ModelRegistry: (r) => {
    const base = decodeBcs(B.ModelRegistry, encodeBcs(B.ModelRegistry, CASES.find(([n]) => n === 'ModelRegistry')![2](r) as never)) as object
    const keys = ascendingAddresses(16_000, r)
    return encodeBcs(B.ModelRegistry, { ...base, stakingPoolMappings: new Map(keys.map((k) => [k, `0x${'ef'.repeat(32)}`])) } as never)
  },
}

const HOSTILE_EXTRAS: Record<string, (r: R) => Uint8Array[]> = {
  SomaError: () => [hostile.nestedSomaError(4), deepSomaError(B.MAX_NESTED_SOMA_ERRORS)],
  TransactionEffects: () => [hostile.transactionEffects()],
  TransactionData: (r) => [hostile.payCoins(), hostile.revealModel(4_000), DENSE.TransactionData!(r)],
  AddressSet: (r) => [DENSE.AddressSet!(r)],
  StakingPool: (r) => [DENSE.StakingPool!(r)],
  ModelRegistry: (r) => [DENSE.ModelRegistry!(r)],
  SomaTensor: () => [hostile.tensorWithRank(B.MAX_TENSOR_RANK), hostile.tensorWithHugeDims(B.MAX_TENSOR_RANK)],
}

/** Every exported BCS schema, through `decodeBcs`. */
export function bcsTargets(): FuzzTarget[] {
  return CASES.map(([name, type, gen]) => ({
    name: `bcs/${name}`,
    seeds: (r: R) => seedsFrom(type, gen, r, HOSTILE_EXTRAS[name]?.(r) ?? []),
    run: (input: Uint8Array) => decodeBcs(type, input),
    typed: typedDecode,
  }))
}

const manifestInput = (r: R) => ({
  url: 'https://example.com/w.bin',
  checksum: 'x'.repeat(r.int(44)),
  size: r.u64(),
  decryptionKey: r.bool() ? null : 'k'.repeat(r.int(44)),
})
const f32s = (r: R) => Array.from({ length: r.int(16) }, () => Math.fround((r.int(2 ** 20) - 2 ** 19) / 3))

const SERVICE_CASES: [string, BcsType<unknown, unknown>, (r: R) => unknown][] = [
  ['GasRequest', S.GasRequest as never, () => ({ recipient: `0x${'ab'.repeat(32)}` })],
  ['GasResponse', S.GasResponse as never, (r) => ({ status: 'ok', coinsSent: Array.from({ length: r.int(3) }, () => ({ amount: r.u64(), id: '0x1', transferTxDigest: 'd' })) })],
  ['ScoreRequest', S.ScoreRequest as never, (r) => ({ dataUrl: 'https://example.com/d', dataChecksum: 'c', dataSize: r.u64(), modelManifests: Array.from({ length: r.int(3) }, () => manifestInput(r)), targetEmbedding: f32s(r), seed: r.u64() })],
  ['ScoreResponse', S.ScoreResponse as never, (r) => ({ winner: r.u64(), lossScore: f32s(r), embedding: f32s(r), distance: f32s(r) })],
  ['ManifestInput', S.ManifestInput as never, manifestInput],
  ['GasCoinInfo', S.GasCoinInfo as never, (r) => ({ amount: r.u64(), id: '0x2', transferTxDigest: 'x' })],
  ['HealthRequest', S.HealthRequest as never, () => ({})],
  ['HealthResponse', S.HealthResponse as never, (r) => ({ ok: r.bool() })],
  ['AdvanceEpochRequest', S.AdvanceEpochRequest as never, () => ({})],
  ['AdvanceEpochResponse', S.AdvanceEpochResponse as never, (r) => ({ epoch: r.u64() })],
]

/** The side services' message codecs. */
export function serviceCodecTargets(): FuzzTarget[] {
  return SERVICE_CASES.map(([name, type, gen]) => ({
    name: `services/${name}`,
    seeds: (r: R) => seedsFrom(type, gen, r, name === 'ScoreRequest' ? [hostile.scoreRequest()] : []),
    run: (input: Uint8Array) => decodeBcs(type, input),
    typed: typedDecode,
  }))
}

function protoSeeds(count: number, seed: number): Uint8Array[] {
  const next = mulberry(seed)
  return Array.from({ length: count }, () => {
    const data = decodeBcs(B.TransactionData, encodeBcs(B.TransactionData, randomTransaction(next, `0x${'a1'.repeat(32)}`)))
    return toBinary(TransactionSchema, transactionDataToProto(data))
  })
}

/** The protobuf→BCS rebuild, after the protobuf runtime has parsed the bytes as the servers do. */
export function rebuildTarget(): FuzzTarget {
  return {
    name: 'rpc/transactionDataFromProto',
    seeds: (r) => protoSeeds(12, r.int(2 ** 31)),
    run: (input) => {
      let message
      try {
        message = fromBinary(TransactionSchema, input, RPC_REQUEST_BINARY_OPTIONS)
      } catch {
        return 'refused by the protobuf runtime'
      }
      return transactionDataFromProto(message)
    },
  }
}

const KEYSTORE_SEED = '[\n  "AN0JMHpDum3BhrVwnkylH0/HGRHBQ/fO/8+MYOawO8j6"\n]'
const ALIASES_SEED =
  '[\n  {\n    "alias": "film",\n    "public_key_base64": "ACJkf+7vNjBgvUIFoWcaFfEKEjZ2WRixtfY42C8zz8Rp"\n  }\n]'
const CLIENT_YAML_SEED = `---
keystore:
  File: /tmp/soma-fuzz.keystore
external_keys: ~
envs:
  - &env
    alias: testnet
    rpc: "https://fullnode.testnet.soma.org:443"
    basic_auth: ~
  - alias: localnet
    rpc: "http://127.0.0.1:9000"
    basic_auth: "user:pass"
    chain_id: 964EDrEzfvQT7HjVsjfXYcM1ubi3qhqB41zV7LLbCxxd
  - *env
active_env: testnet
active_address: "0xa2d14fad60c56049ecf75246a481934691214ce413e6a8ae2fe6834c173a6133"
`

/** Keystore and client.yaml parsing, each input written to a file in `dir`. */
export function fileTargets(dir: string): FuzzTarget[] {
  mkdirSync(dir, { recursive: true })
  const keystore = join(dir, 'soma.keystore')
  const aliases = join(dir, 'soma.aliases')
  const clientYaml = join(dir, 'client.yaml')
  const text = (s: string) => new TextEncoder().encode(s)
  return [
    {
      name: 'config/keystore',
      seeds: () => [
        text(KEYSTORE_SEED),
        text('[]'),
        text('[\n  "AN0JMHpDum3BhrVwnkylH0/HGRHBQ/fO/8+MYOawO8j6",\n  "AN0JMHpDum3BhrVwnkylH0/HGRHBQ/fO/8+MYOawO8j6"\n]'),
        // The entry cap's edge: a full keystore of one repeated key, and one entry more.
        ...[MAX_KEYSTORE_ENTRIES, MAX_KEYSTORE_ENTRIES + 1].map((n) => text(JSON.stringify(Array(n).fill('AN0JMHpDum3BhrVwnkylH0/HGRHBQ/fO/8+MYOawO8j6'), null, 2))),
      ],
      run: (input) => {
        rmSync(aliases, { force: true })
        writeFileSync(keystore, input)
        return FileKeystore.load(keystore)
      },
    },
    {
      name: 'config/aliases',
      seeds: () => [text(ALIASES_SEED), text('[]')],
      run: (input) => {
        writeFileSync(keystore, KEYSTORE_SEED)
        writeFileSync(aliases, input)
        return FileKeystore.load(keystore)
      },
    },
    {
      name: 'config/client.yaml',
      seeds: () => [text(CLIENT_YAML_SEED), text('keystore:\n  File: x\n'), text('a: &a [1, *a]\n')],
      run: (input) => {
        writeFileSync(clientYaml, input)
        return readClientConfig(clientYaml)
      },
    },
  ]
}

export interface RunningTargets {
  targets: FuzzTarget[]
  /** A Health call's latency: the servers must stay responsive while being fuzzed. */
  healthMs(): Promise<number>
  close(): Promise<void>
}

const identity = (b: Buffer) => b
/** Statuses a server may answer a hostile request with; UNKNOWN or a dropped call is a failure. */
const ACCEPTED = new Set([GrpcStatus.OK, GrpcStatus.INVALID_ARGUMENT, GrpcStatus.INTERNAL, GrpcStatus.RESOURCE_EXHAUSTED])
/**
 * The Connect server answers bytes that are not protobuf with INTERNAL (as tonic does), a bad
 * transaction with INVALID_ARGUMENT; the handler marks an untyped error UNKNOWN, which fails.
 */
const RPC_ACCEPTED = new Set([GrpcStatus.OK, GrpcStatus.INVALID_ARGUMENT, GrpcStatus.INTERNAL, GrpcStatus.RESOURCE_EXHAUSTED])

function rawCall(client: grpc.Client, path: string, body: Uint8Array): Promise<number> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, identity, identity, Buffer.from(body), { deadline: Date.now() + 10_000 }, (err) => resolve(err ? err.code : GrpcStatus.OK))
  })
}

/** Starts the side services and the soma.rpc server on 127.0.0.1 and targets for each method. */
export async function serverTargets(): Promise<RunningTargets> {
  const side = await serveSideServices({
    port: 0,
    faucet: { requestGas: async (req) => ({ status: `sent to ${req.recipient.length} chars`, coinsSent: [] }) },
    scoring: {
      score: async (req) => ({ winner: 0n, lossScore: [req.targetEmbedding.length], embedding: req.targetEmbedding.slice(0, 4), distance: [0] }),
      health: async () => true,
    },
    admin: { advanceEpoch: async () => 1n },
  })
  const rpc = await serveRpc({
    port: 0,
    routes: (router) =>
      router.service(TransactionExecutionService, {
        executeTransaction: () => {
          throw toConnectError(new Error('not served'))
        },
        simulateTransaction: (req) => {
          try {
            transactionDataFromProto(req.transaction ?? create(TransactionSchema))
          } catch (err) {
            // A typed refusal becomes INVALID_ARGUMENT; anything else is marked UNKNOWN so the fuzz flags it.
            if (err instanceof BaseError) throw toConnectError(err)
            throw new ConnectError(`untyped ${(err as Error)?.constructor?.name}: ${String((err as Error)?.message ?? err)}`, Code.Unknown)
          }
          return create(SimulateTransactionResponseSchema, {})
        },
      }),
  })
  const sideClient = new grpc.Client(`127.0.0.1:${side.port}`, grpc.credentials.createInsecure())
  const rpcClient = new grpc.Client(`127.0.0.1:${rpc.port}`, grpc.credentials.createInsecure())
  const served = (name: string, client: grpc.Client, path: string, accepted: Set<number>, seeds: (r: R) => Uint8Array[]): FuzzTarget => ({
    name,
    seeds,
    run: async (input) => {
      const code = await rawCall(client, path, input)
      if (!accepted.has(code)) throw new Error(`${path} answered status ${code}`)
      return code
    },
    // A call either gets an accepted status or the input is a failure: nothing thrown is fine here.
    typed: () => false,
  })
  const codec = (name: string) => serviceCodecTargets().find((t) => t.name === `services/${name}`)!.seeds
  const simulateSeeds = (r: R) =>
    protoSeeds(8, r.int(2 ** 31)).map((tx) => toBinary(SimulateTransactionRequestSchema, create(SimulateTransactionRequestSchema, { transaction: fromBinary(TransactionSchema, tx) })))
  return {
    targets: [
      served('server/scoring.Score', sideClient, ScoringMethods.score.path, ACCEPTED, codec('ScoreRequest')),
      served('server/scoring.Health', sideClient, ScoringMethods.health.path, ACCEPTED, codec('HealthRequest')),
      served('server/faucet.RequestGas', sideClient, FaucetMethods.requestGas.path, ACCEPTED, codec('GasRequest')),
      served('server/admin.AdvanceEpoch', sideClient, AdminMethods.advanceEpoch.path, ACCEPTED, codec('AdvanceEpochRequest')),
      served('server/rpc.SimulateTransaction', rpcClient, '/soma.rpc.TransactionExecutionService/SimulateTransaction', RPC_ACCEPTED, simulateSeeds),
    ],
    healthMs: async () => {
      const started = performance.now()
      const code = await rawCall(sideClient, ScoringMethods.health.path, encodeBcs(S.HealthRequest, {}))
      if (code !== GrpcStatus.OK) throw new Error(`Health answered ${code}`)
      return performance.now() - started
    },
    close: async () => {
      sideClient.close()
      rpcClient.close()
      await Promise.all([side.close(), rpc.close()])
    },
  }
}
