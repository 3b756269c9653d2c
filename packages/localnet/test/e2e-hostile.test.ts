/**
 * Bad input over gRPC never hurts the node (issue 9 item 7): raw frames that are not protobuf,
 * oversized and truncated frames, a message of another type, bad and misdirected signatures,
 * stale and foreign objects, hostile tensors. Each is a gRPC error or failed effects carrying the
 * chain's error name; after each the node still serves, a refusal leaves the state exactly as it
 * was (no checkpoint, no object written), and supply is conserved.
 */
import { connect, type ClientHttp2Session } from 'node:http2'

import { Ed25519Keypair, blake2b256Js, buildTransaction, deriveObjectId, signingDigest, toSerializedSignature, userSignatureToProto } from '@soma-ts/sdk'
import { create } from '@bufbuild/protobuf'
import { SignatureScheme, UserSignatureSchema } from '@soma-ts/sdk/generated/soma/rpc/signature_pb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { embeddingCommitmentOf } from '../src/chain/index.js'
import { SOMA, advanceEpoch, assertSupply, errorOf, execute, gasOf, manifest, sign, startTestNet, targetOf, type TestNet } from './e2e-helpers.js'

let t: TestNet
let session: ClientHttp2Session
const EXECUTE = '/soma.rpc.TransactionExecutionService/ExecuteTransaction'

beforeAll(async () => {
  t = await startTestNet({ committeeSize: 1, faucet: false })
  session = connect(t.net.urls.rpc)
})
afterAll(async () => {
  session?.close()
  await t?.stop()
})

/** One gRPC call with a hand-made body: returns the grpc-status (trailers or trailers-only headers). */
function rawCall(path: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; message: string }> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...headers })
    let status: string | undefined
    let message = ''
    let httpStatus: unknown
    const take = (h: Record<string, unknown>) => {
      httpStatus ??= h[':status']
      if (h['grpc-status'] !== undefined) {
        status = String(h['grpc-status'])
        message = decodeURIComponent(String(h['grpc-message'] ?? ''))
        // The answer is in: stop sending (a server that refuses early does not read the rest).
        resolve({ status: Number(status), message })
        req.close()
      }
    }
    req.on('response', take)
    req.on('trailers', take)
    req.on('data', () => undefined)
    req.on('error', reject)
    req.on('close', () => {
      if (status !== undefined) resolve({ status: Number(status), message })
      // gRPC's HTTP-to-status mapping: a 404 (no such route) is UNIMPLEMENTED.
      else if (httpStatus === 404) resolve({ status: 12, message: 'HTTP 404' })
      else reject(new Error(`no grpc-status (HTTP ${String(httpStatus)}, RST ${req.rstCode})`))
    })
    req.end(Buffer.from(body))
  })
}

function frame(payload: Uint8Array, { compressed = false, declared = payload.length } = {}): Uint8Array {
  const out = new Uint8Array(5 + payload.length)
  out[0] = compressed ? 1 : 0
  new DataView(out.buffer).setUint32(1, declared)
  out.set(payload, 5)
  return out
}

/** The node's whole state, as (id, version) of every live object, plus the checkpoint height. */
function fingerprint(): string {
  const parts = [t.net.node.latestCheckpoint().sequence.toString()]
  for (const o of t.net.node.store.liveObjects()) parts.push(`${o.id}@${o.version}`)
  return parts.join(',')
}

/** Runs `attack`, then checks the state is untouched and the node still executes a transfer. */
async function unchangedAfter(attack: () => Promise<void>): Promise<void> {
  const before = fingerprint()
  await attack()
  expect(fingerprint()).toBe(before)
  assertSupply(t)
}

async function stillServes(): Promise<void> {
  const user = t.users[1]!
  const executed = await execute(t, user, { TransferCoin: { coin: await gasOf(t, user.toSomaAddress()), amount: 1n, recipient: user.toSomaAddress() } })
  expect(errorOf(executed)).toBeUndefined()
}

describe('malformed gRPC frames', () => {
  it('bytes that are not protobuf, a truncated frame, a compressed flag without an encoding: an error status, nothing written', async () => {
    await unchangedAfter(async () => {
      const garbage = Uint8Array.from({ length: 300 }, (_, i) => (i * 97 + 13) & 0xff)
      // A body that does not parse is INTERNAL, as gRPC servers (tonic included) answer a decode failure.
      const notProtobuf = await rawCall(EXECUTE, frame(garbage))
      expect(notProtobuf).toMatchObject({ status: 13, message: expect.stringMatching(/parse/) })
      const truncated = await rawCall(EXECUTE, frame(garbage, { declared: 10_000 }))
      expect(truncated).toMatchObject({ status: 3, message: expect.stringMatching(/incomplete/) })
      const compressed = await rawCall(EXECUTE, frame(garbage, { compressed: true }))
      expect(compressed).toMatchObject({ status: 13, message: expect.stringMatching(/compress/) })
      const unknownMethod = await rawCall('/soma.rpc.TransactionExecutionService/Nope', frame(new Uint8Array()))
      expect(unknownMethod.status).toBe(12)
    })
    await stillServes()
  })

  it('an oversized message (5 MiB, over the 4 MiB limit) is refused with RESOURCE_EXHAUSTED', async () => {
    await unchangedAfter(async () => {
      const big = await rawCall(EXECUTE, frame(new Uint8Array(5 << 20)))
      expect(big.status).toBe(8)
    })
    await stillServes()
  })

  it('a message of the wrong type (a GetObjectRequest sent to ExecuteTransaction) is refused, not executed', async () => {
    const id = new TextEncoder().encode(`0x${'ab'.repeat(32)}`)
    const getObjectRequest = new Uint8Array([0x0a, id.length, ...id]) // field 1 (object_id), a string
    await unchangedAfter(async () => {
      const wrong = await rawCall(EXECUTE, frame(getObjectRequest))
      expect(wrong.status === 3 || wrong.status === 13).toBe(true)
      // An empty ExecuteTransactionRequest: the transaction field is missing.
      const empty = await rawCall(EXECUTE, frame(new Uint8Array()))
      expect(empty.status).toBe(3)
      expect(empty.message).toMatch(/transaction/)
    })
    await stillServes()
  })
})

describe('signatures', () => {
  it('corrupted, truncated, unknown-scheme, wrong-intent and another signer’s signatures: INVALID_ARGUMENT, nothing written', async () => {
    const alice = t.users[0]!
    const coin = await gasOf(t, alice.toSomaAddress())
    const tx = buildTransaction({ V1: { kind: { TransferCoin: { coin, amount: SOMA, recipient: t.users[1]!.toSomaAddress() } }, sender: alice.toSomaAddress(), gasPayment: [coin] } })
    const signature = Uint8Array.from(Buffer.from((await alice.signTransaction(tx.bcs)).signature, 'base64'))
    const corrupted = signature.slice()
    corrupted[20] = corrupted[20]! ^ 0xff
    // A valid signature by the sender's key over the same bytes under another intent (personal message [3, 0, 0]).
    const wrongIntent = toSerializedSignature(await alice.sign(signingDigest(tx.bcs, [3, 0, 0])), alice.getPublicKey())
    const other = (await Ed25519Keypair.generate().signTransaction(tx.bcs)).signature
    // Protobuf signatures no SDK would build: the node must refuse them the same way.
    const valid = userSignatureToProto(signature)
    const simple = valid.signature.case === 'simple' ? valid.signature.value : undefined
    const handMade = [
      create(UserSignatureSchema, { scheme: SignatureScheme.ED25519, signature: { case: 'simple', value: { ...simple, signature: simple!.signature!.slice(0, 30) } } }),
      create(UserSignatureSchema, { scheme: SignatureScheme.ED25519, signature: { case: 'simple', value: { ...simple, publicKey: new Uint8Array(31) } } }),
      create(UserSignatureSchema, { scheme: 99 as SignatureScheme, signature: { case: 'simple', value: { ...simple, scheme: 99 as SignatureScheme } } }),
      create(UserSignatureSchema, {}),
    ]
    await unchangedAfter(async () => {
      for (const bad of [...[corrupted, wrongIntent, other].map((b) => userSignatureToProto(b)), ...handMade]) {
        await expect(t.client.executeTransaction(tx.proto, [bad])).rejects.toMatchObject({ grpcCode: 3 })
      }
      // Two signatures for one signer.
      await expect(t.client.executeTransaction(tx.proto, [userSignatureToProto(signature), userSignatureToProto(signature)])).rejects.toMatchObject({ grpcCode: 3 })
    })
    // The untouched transaction still goes through.
    expect(errorOf(await t.client.executeTransaction(tx.proto, [userSignatureToProto(signature)]))).toBeUndefined()
  })
})

describe('objects', () => {
  it('a stale version, another owner’s coin, an unknown object, a bad digest, a duplicate input: INVALID_ARGUMENT naming the check, nothing written', async () => {
    const alice = t.users[0]!
    const bob = t.users[1]!
    const coin = await gasOf(t, alice.toSomaAddress())
    const bobsCoin = await gasOf(t, bob.toSomaAddress())
    expect(errorOf(await execute(t, alice, { TransferCoin: { coin, amount: 1n, recipient: alice.toSomaAddress() } }, [coin]))).toBeUndefined()
    const fresh = await gasOf(t, alice.toSomaAddress())
    const attempts: [string, Parameters<typeof sign>[2], Parameters<typeof sign>[3]][] = [
      ['version', { TransferCoin: { coin, amount: 1n, recipient: bob.toSomaAddress() } }, [coin]],
      ['owned by', { TransferCoin: { coin: bobsCoin, amount: 1n, recipient: alice.toSomaAddress() } }, [fresh]],
      ['not found', { TransferCoin: { coin: { ...fresh, objectId: `0x${'cd'.repeat(32)}` }, amount: 1n, recipient: bob.toSomaAddress() } }, [fresh]],
      ['digest', { TransferCoin: { coin: { ...fresh, digest: coin.digest }, amount: 1n, recipient: bob.toSomaAddress() } }, [{ ...fresh, digest: coin.digest }]],
      ['twice', { PayCoins: { coins: [fresh, fresh], amounts: [1n], recipients: [bob.toSomaAddress()] } }, [fresh]],
      ['gas', { TransferCoin: { coin: fresh, amount: 1n, recipient: bob.toSomaAddress() } }, []],
    ]
    await unchangedAfter(async () => {
      for (const [what, kind, gas] of attempts) {
        const s = await sign(t, alice, kind, gas)
        const err = await t.client.executeTransaction(s.proto, s.signatures).then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(err, what).toMatchObject({ grpcCode: 3 })
        expect(String((err as Error).message), what).toMatch(new RegExp(what, 'i'))
      }
    })
    await stillServes()
  })

  it('a transaction signed in a past epoch over objects that have moved on is refused in the next one', async () => {
    const alice = t.users[2]!
    const coin = await gasOf(t, alice.toSomaAddress())
    const old = await sign(t, alice, { TransferCoin: { coin, amount: 1n, recipient: alice.toSomaAddress() } }, [coin])
    const spent = await sign(t, alice, { TransferCoin: { coin, amount: 2n, recipient: alice.toSomaAddress() } }, [coin])
    expect(errorOf(await t.client.executeTransaction(spent.proto, spent.signatures))).toBeUndefined()
    await advanceEpoch(t)
    await unchangedAfter(async () => {
      await expect(t.client.executeTransaction(old.proto, old.signatures)).rejects.toMatchObject({ grpcCode: 3 })
    })
  })
})

describe('tensors (§17.6–7)', () => {
  it('NaN distance, NaN and wrong-dimension embeddings, empty loss, huge manifest: failed effects or the chain’s (quirk-compatible) outcome; supply conserved', async () => {
    // A model and targets for this network: commit, reveal, and the next boundary issues targets.
    const owner = t.users[3]!
    const key = new Uint8Array(32).fill(3)
    const embedding = { values: Array.from({ length: 16 }, (_, i) => i + 1), shape: [16n] }
    const created = await execute(t, owner, { CreateModel: { stakeAmount: 5n * SOMA, commissionRate: 0n, architectureVersion: 1n } })
    const modelId = deriveObjectId(created.effects!.transactionDigest!, 0)
    const commit = { modelId, manifest: manifest(100n), weightsCommitment: new Uint8Array(32), embeddingCommitment: embeddingCommitmentOf(embedding), decryptionKeyCommitment: blake2b256Js(key) }
    expect(errorOf(await execute(t, owner, { CommitModel: commit }))).toBeUndefined()
    await advanceEpoch(t)
    // RevealModel with a NaN in the embedding: the commitment does not match, a failed effects.
    const nanEmbedding = { values: embedding.values.map((v, i) => (i === 3 ? Number.NaN : v)), shape: [16n] }
    expect(errorOf(await execute(t, owner, { RevealModel: { modelId, decryptionKey: key, embedding: nanEmbedding } }))).toBe('ModelEmbeddingCommitmentMismatch')
    expect(errorOf(await execute(t, owner, { RevealModel: { modelId, decryptionKey: key, embedding } }))).toBeUndefined()
    const { createdTargets } = await advanceEpoch(t)
    expect(createdTargets.length).toBeGreaterThan(0)

    const submitter = t.users[0]!
    const submit = async (targetId: string, over: { distance?: number; embedding?: number[]; loss?: number[]; size?: bigint }) => {
      const gas = await gasOf(t, submitter.toSomaAddress())
      const s = await sign(
        t,
        submitter,
        {
          SubmitData: {
            targetId,
            dataManifest: { manifest: manifest(over.size ?? 1024n) },
            modelId,
            embedding: { values: over.embedding ?? new Array(16).fill(0), shape: [BigInt((over.embedding ?? new Array(16)).length)] },
            distanceScore: { values: [over.distance ?? 0.5], shape: [1n] },
            lossScore: { values: over.loss ?? [0.5], shape: [BigInt((over.loss ?? [0.5]).length)] },
            bondCoin: gas,
          },
        },
        [gas],
      )
      return errorOf(await t.client.executeTransaction(s.proto, s.signatures))
    }
    const [a, b] = createdTargets
    const targetBefore = await targetOf(t, a!)
    expect(await submit(a!, { embedding: [] })).toBe('EmbeddingDimensionMismatch')
    expect(await submit(a!, { embedding: new Array(2048).fill(0) })).toBe('EmbeddingDimensionMismatch')
    expect(await submit(a!, { size: 10n ** 12n })).toBe('DataExceedsMaxSize')
    expect(await submit(a!, { distance: Number.POSITIVE_INFINITY })).toBe('DistanceExceedsThreshold')
    // Failed effects leave the target's contents as they were (only its version moves).
    expect((await targetOf(t, a!)).target).toEqual(targetBefore.target)
    // A NaN embedding value or an empty loss is accepted, as on the reference (nothing checks them on chain).
    expect(await submit(a!, { embedding: new Array(16).fill(Number.NaN), loss: [] })).toBeUndefined()
    // §17.7: a NaN distance passes the threshold check on the reference; kept.
    expect(await submit(b!, { distance: Number.NaN })).toBeUndefined()
    expect((await targetOf(t, b!)).target.status.$kind).toBe('Filled')
    assertSupply(t)
    await advanceEpoch(t) // the boundary's own supply check runs over these targets
    await stillServes()
  })
})
