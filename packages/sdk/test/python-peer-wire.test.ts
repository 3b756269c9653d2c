// The reference client against our servers. The Python `soma-sdk` (a compiled build of the real
// Rust SDK) parses our BCS, converts it to protobuf with the reference's own code, and calls our
// soma.rpc server, which rebuilds the BCS from that protobuf (transactionDataFromProto) and, for
// ExecuteTransaction, verifies the signature over the rebuild. The digests it reports back must be
// ours, for every kind. It also calls our faucet, scoring and admin servers through its own tonic
// clients and BCS codec (the driver is test/python/peer_wire.py). Skipped, with the reason printed,
// only when Python or PyPI is unreachable.
import { spawnSync } from 'node:child_process'
import http2 from 'node:http2'
import type { AddressInfo } from 'node:net'

import { create } from '@bufbuild/protobuf'
import { Code, ConnectError, type ConnectRouter } from '@connectrpc/connect'
import { connectNodeAdapter } from '@connectrpc/connect-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { TRANSACTION_KIND_NAMES, TransactionData, encodeBcs, type TransactionDataInput } from '../src/bcs/index.js'
import { LedgerService } from '../src/generated/soma/rpc/ledger_service_pb.js'
import { TransactionExecutionService } from '../src/generated/soma/rpc/transaction_execution_service_pb.js'
import { TransactionSchema, type Transaction } from '../src/generated/soma/rpc/transaction_pb.js'
import { Ed25519Keypair } from '../src/keys/index.js'
import { buildTransaction } from '../src/rpc/build.js'
import { transactionDataFromProto } from '../src/rpc/convert.js'
import { toConnectError } from '../../localnet/src/rpc/server.js'
import { userSignatureFromProto } from '../src/rpc/signature.js'
import { GrpcStatus } from '../src/rpc/errors.js'
import { ServiceError, serveSideServices, type RunningService } from '../../localnet/src/services/server.js'
import { transactionDigest } from '../src/transactions/digests.js'
import { serializeSignedTransaction, signTransaction, verifyTransactionSignature } from '../src/transactions/signature.js'
import { normalizeAddress, toHex } from '../src/utils/encoding.js'
import { COMMIT_MODEL, EVERY_KIND, MANIFEST } from './helpers/kinds.js'
import { randomTransaction, rng } from './helpers/random-kinds.js'
import { describeDriverEnd, ensureSomaSdkPython, runSomaSdkDriver } from './helpers/soma-sdk-python.js'

const keypair = Ed25519Keypair.fromSecretKey(new Uint8Array(32).fill(1))
const SENDER = keypair.toSomaAddress()
const CHAIN_ID = 'AhYhHVdrMZqCrHgUyVdMHfpCjLrtDkrDVuNB2fJXpVhh'

/** Effects with every field the reference client requires; the digest is the rebuild's. */
function effectsFor(digest: string) {
  return {
    status: { success: true },
    epoch: 3n,
    fee: { baseFee: 1000n, operationFee: 600n, valueFee: 0n, totalFee: 1600n },
    transactionDigest: digest,
    dependencies: [],
    lamportVersion: 8n,
    changedObjects: [],
    unchangedSharedObjects: [],
  }
}

const rebuiltBy = new Map<string, string>()
function rebuild(method: string, tx: Transaction | undefined): { bcs: Uint8Array; sender: string } {
  try {
    const { data, bcs } = transactionDataFromProto(tx ?? create(TransactionSchema, {}))
    rebuiltBy.set(`${method}:${transactionDigest(bcs)}`, toHex(bcs))
    return { bcs, sender: data.V1.sender }
  } catch (err) {
    throw toConnectError(err)
  }
}

function routes(router: ConnectRouter) {
  router.service(LedgerService, {
    getServiceInfo: () => ({ chainId: CHAIN_ID, chain: 'localnet', epoch: 3n, server: 'soma-ts-test/0.1.15' }),
  })
  router.service(TransactionExecutionService, {
    simulateTransaction(req) {
      const { bcs } = rebuild('simulate', req.transaction)
      return { transaction: { effects: effectsFor(transactionDigest(bcs)) } }
    },
    executeTransaction(req) {
      const { bcs, sender } = rebuild('execute', req.transaction)
      if (req.signatures.length !== 1) throw new ConnectError('expected one signature', Code.InvalidArgument)
      let serialized: Uint8Array
      try {
        serialized = userSignatureFromProto(req.signatures[0]!)
      } catch (err) {
        throw toConnectError(err)
      }
      try {
        verifyTransactionSignature(bcs, serialized, { expectedSigner: sender })
      } catch (err) {
        throw new ConnectError(`Invalid user signature: ${(err as Error).message.split('\n')[0]}`, Code.InvalidArgument)
      }
      return { transaction: { effects: effectsFor(transactionDigest(bcs)) } }
    },
  })
}

const env = ensureSomaSdkPython()
if ('skip' in env) console.warn(`skipping the soma-sdk peer test: ${env.skip}`)

let h2: http2.Http2Server
const sessions = new Set<http2.ServerHttp2Session>()
let side: RunningService
let lastScore: { seed: bigint; dataChecksum: string; dataSize: bigint; manifests: number; keys: (string | null)[] } | undefined
let epoch = 40n

beforeAll(async () => {
  h2 = http2.createServer(connectNodeAdapter({ routes, grpc: true, grpcWeb: false, connect: false }))
  h2.on('session', (s) => sessions.add(s))
  await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r))
  side = await serveSideServices({
    port: 0,
    faucet: {
      async requestGas(req) {
        let recipient: string
        try {
          recipient = normalizeAddress(req.recipient)
        } catch {
          throw new ServiceError(GrpcStatus.INVALID_ARGUMENT, `Invalid address: ${req.recipient}`)
        }
        return { status: 'Success', coinsSent: [{ amount: 2_000_000_000n, id: recipient, transferTxDigest: 'DJSZ9GvJBFErAq1zEbnP3fuvFNy3gPUshaEhZQZFEKGP' }] }
      },
    },
    scoring: {
      async score(req) {
        lastScore = {
          seed: req.seed,
          dataChecksum: req.dataChecksum,
          dataSize: req.dataSize,
          manifests: req.modelManifests.length,
          keys: req.modelManifests.map((m) => m.decryptionKey),
        }
        return { winner: 1n, lossScore: [0.25, 0.5], embedding: req.targetEmbedding.map((v) => v * 2), distance: [0.125, 0.0625] }
      },
      health: async () => true,
    },
    admin: { advanceEpoch: async () => ++epoch },
  })
})

afterAll(async () => {
  for (const s of sessions) s.destroy()
  await new Promise((r) => h2.close(r))
  await side?.close()
})

describe.skipIf('skip' in env)('the reference soma-sdk (Python) against our servers', () => {
  it('agrees on every kind, the signature, and the side services', async () => {
    const python = (env as { python: string }).python
    const inputs: TransactionDataInput[] = TRANSACTION_KIND_NAMES.map((name) => ({
      V1: { kind: EVERY_KIND[name], sender: SENDER, gasPayment: [{ objectId: `0x${'11'.repeat(32)}`, version: 7n, digest: 'DJSZ9GvJBFErAq1zEbnP3fuvFNy3gPUshaEhZQZFEKGP' }] },
    }))
    // A manifest URL the node normalizes: the signed bytes must be buildTransaction's, not the naive BCS.
    const rawUrl: TransactionDataInput = {
      V1: {
        kind: { CommitModel: { ...COMMIT_MODEL, manifest: { V1: { url: 'HTTPS://Example.COM/a b', metadata: MANIFEST.V1.metadata } } } },
        sender: SENDER,
        gasPayment: [],
      },
    }
    // Seeded random transactions of every kind, edge values and tricky URLs included.
    const next = rng(0x5e_ed)
    const randomInputs = Array.from({ length: 300 }, () => randomTransaction(next, SENDER))
    const userKinds = ['TransferCoin', 'PayCoins', 'CommitModel', 'RevealModel', 'SubmitData', 'AddStake'] as const
    const signed = await Promise.all(
      userKinds.map(async (name) => {
        const input = inputs[TRANSACTION_KIND_NAMES.indexOf(name)]!
        const s = await signTransaction(keypair, input)
        return toHex(serializeSignedTransaction(s.bytes, [s.signature]))
      }),
    )
    const run = await runSomaSdkDriver(python, 'peer_wire.py', {
      rpc: `http://127.0.0.1:${(h2.address() as AddressInfo).port}`,
      side: side.url,
      cases: [...inputs, rawUrl, ...randomInputs].map((i) => ({ data: toHex(encodeBcs(TransactionData, i)) })),
      signed,
      recipient: '0x5',
      checksum: 'DLuPdJuir2yCG3pTGTooeFssBDjZL9cfvWx1WXiefncf',
    })
    if (run.code !== 0) throw new Error(describeDriverEnd(run))
    const out = JSON.parse(run.stdout) as {
      chain: string
      server: string
      simulate: { digest?: string; error?: string }[]
      execute: { digest?: string; error?: string }[]
      faucet: { status: string; coins: { amount: number; id: string; digest: string }[] }
      faucetBad: string
      health: boolean
      score: { winner: number; loss: number[]; embedding: number[]; distance: number[] }
      epoch1: number
      epoch2: number
    }

    expect(out.chain).toBe('localnet')
    expect(out.server).toBe('soma-ts-test/0.1.15')

    // SimulateTransaction: the reference's BCS → protobuf, our protobuf → BCS, same digest.
    const results = TRANSACTION_KIND_NAMES.map((name, i) => ({ name, expected: transactionDigest(inputs[i]!), got: out.simulate[i] }))
    for (const r of results) expect(r.got, r.name).toEqual({ digest: r.expected })
    for (const r of results) expect(rebuiltBy.get(`simulate:${r.expected}`), r.name).toBe(toHex(encodeBcs(TransactionData, inputs[TRANSACTION_KIND_NAMES.indexOf(r.name)]!)))

    const built = buildTransaction(rawUrl)
    expect(built.data.V1.kind.CommitModel?.manifest.V1?.url).toBe('https://example.com/a%20b')
    expect(out.simulate[inputs.length]).toEqual({ digest: built.digest })
    expect(built.digest).not.toBe(transactionDigest(rawUrl))

    const randomOut = out.simulate.slice(inputs.length + 1)
    const mismatches = randomInputs
      .map((input, i) => ({ i, ours: buildTransaction(input).digest, theirs: randomOut[i] }))
      .filter((r) => r.theirs?.digest !== r.ours)
    expect(mismatches).toEqual([])
    expect(randomOut).toHaveLength(300)

    // ExecuteTransaction: the signature the reference sends verifies over our rebuild.
    userKinds.forEach((name, i) => {
      expect(out.execute[i], name).toEqual({ digest: transactionDigest(inputs[TRANSACTION_KIND_NAMES.indexOf(name)]!) })
    })

    expect(out.faucet).toEqual({
      status: 'Success',
      coins: [{ amount: 2_000_000_000, id: `0x${'0'.repeat(63)}5`, digest: 'DJSZ9GvJBFErAq1zEbnP3fuvFNy3gPUshaEhZQZFEKGP' }],
    })
    expect(out.faucetBad).toMatch(/Invalid address/)
    expect(out.health).toBe(true)

    // f32 vectors crossed as u32 bit patterns both ways; the reference computed checksum and size from `data`.
    const f = Math.fround
    expect(out.score.winner).toBe(1)
    expect(out.score.loss).toEqual([0.25, 0.5])
    expect(out.score.embedding).toEqual([f(f(0.1) * 2), f(f(0.2) * 2), f(f(0.3) * 2)])
    expect(out.score.distance).toEqual([0.125, 0.0625])
    expect(lastScore).toEqual({
      seed: 9n,
      dataChecksum: 'DLuPdJuir2yCG3pTGTooeFssBDjZL9cfvWx1WXiefncf',
      dataSize: 10n,
      manifests: 2,
      keys: [null, 'DLuPdJuir2yCG3pTGTooeFssBDjZL9cfvWx1WXiefncf'],
    })
    expect([out.epoch1, out.epoch2]).toEqual([41, 42])
  })
})

// The flake this guards against: soma-sdk's tokio threads hand each result back to asyncio from
// inside Python, and a driver that let the interpreter finalize could lose a race with such a
// thread and abort (see test/python/driver.py). exit_race.py makes that race certain.
const pythonFinalizesSafely =
  !('skip' in env) && spawnSync(env.python, ['-c', 'import sys; sys.exit(0 if sys.version_info >= (3, 14) else 1)']).status === 0

describe.skipIf('skip' in env)('a soma-sdk driver ends cleanly while a runtime thread is still in Python', () => {
  const race = () => ({ rpc: `http://127.0.0.1:${(h2.address() as AddressInfo).port}`, lingerSeconds: 1, teardownSeconds: 5 })

  it('run_driver exits 0 with the whole result written', async () => {
    const python = (env as { python: string }).python
    for (let i = 0; i < 3; i++) {
      const run = await runSomaSdkDriver(python, 'exit_race.py', race())
      expect(run.code, describeDriverEnd(run)).toBe(0)
      expect(JSON.parse(run.stdout)).toEqual({ chain: 'localnet' })
    }
  })

  // CPython 3.14 parks such a thread instead of ending it, so there the old ending is harmless too.
  it.skipIf(pythonFinalizesSafely || process.platform === 'win32')('control: the old ending (return from asyncio.run) aborts in the same race', async () => {
    const python = (env as { python: string }).python
    const run = await runSomaSdkDriver(python, 'exit_race.py', race(), { args: ['return'] })
    expect(run.signal, describeDriverEnd(run)).toBe('SIGABRT')
    expect(run.stderr).toMatch(/panic in a function that cannot unwind/)
  })
})
