/**
 * The fullnode `soma.rpc` API of the local network, served with Connect over HTTP/2 (gRPC and
 * gRPC-Web over cleartext HTTP/2). Transactions arrive as
 * protobuf: the node rebuilds the BCS with the SDK's `transactionDataFromProto` and verifies the
 * signatures over *that*, as the real node does. Answers are built in full and then cut to the
 * read mask.
 */
import { createServer as createHttp1Server, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer, type Http2Server, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2'
import { createServer as createNetServer, type Socket } from 'node:net'

import { create } from '@bufbuild/protobuf'
import { TimestampSchema, type Timestamp } from '@bufbuild/protobuf/wkt'
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from '@connectrpc/connect'
import { connectNodeAdapter } from '@connectrpc/connect-node'
import {
  bcsTypes,
  decodeBcs,
  deserializeSignedTransaction,
  fromHex,
  normalizeAddress,
  serializeSignedTransaction,
  TRANSACTION_INTENT,
  transactionDataFromProto,
  transactionDataToProto,
  userSignatureFromProto,
  userSignatureToProto,
} from '@soma-ts/sdk'
import { CheckpointSchema, type Checkpoint } from '@soma-ts/sdk/generated/soma/rpc/checkpoint_pb'
import {
  BalanceChangeSchema,
  ChangedObject_IdOperation,
  ChangedObject_InputObjectState,
  ChangedObject_OutputObjectState,
  ExecutedTransactionSchema,
  ExecutionError_ExecutionErrorKind,
  TransactionEffectsSchema,
  UnchangedSharedObject_UnchangedSharedObjectKind,
  type ExecutedTransaction,
  type TransactionEffects,
} from '@soma-ts/sdk/generated/soma/rpc/effects_pb'
import { LedgerService } from '@soma-ts/sdk/generated/soma/rpc/ledger_service_pb'
import { ObjectSchema, ObjectSetSchema, OwnerSchema, Owner_OwnerKind, type Object$, type ObjectReference, type Owner } from '@soma-ts/sdk/generated/soma/rpc/object_pb'
import { StateService } from '@soma-ts/sdk/generated/soma/rpc/state_service_pb'
import { SubscriptionService } from '@soma-ts/sdk/generated/soma/rpc/subscription_service_pb'
import {
  SimulateTransactionRequest_TransactionChecks,
  TransactionExecutionService,
  ExecuteTransactionResponseSchema,
  type ExecuteTransactionRequest,
  type ExecuteTransactionResponse,
} from '@soma-ts/sdk/generated/soma/rpc/transaction_execution_service_pb'
import type { Transaction } from '@soma-ts/sdk/generated/soma/rpc/transaction_pb'
import type { UserSignature } from '@soma-ts/sdk/generated/soma/rpc/signature_pb'

import { TransactionRejected } from '../chain/errors.js'
import { transactionDigestOf } from '../chain/digests.js'
import type { ParsedTransaction } from '../chain/execute.js'
import { RPC_REQUEST_BINARY_OPTIONS, RPC_SERVER_LIMITS, http2ServerOptions } from '../limits.js'
import { coinBalance, digestOf, ownerFromBcs, type ChainObject, type ObjectOwner } from '../chain/objects.js'
import { decodeCheckpointSummary } from '../node/checkpoint.js'
import type { StoredCheckpoint, StoredTransaction } from '../node/database.js'
import type { CommittedTransaction, LocalNode } from '../node/node.js'
import { directExecute, takesDirectExecute } from './direct-grpc.js'
import { applyMask, maskOf, maskTree, type MaskTree } from './mask.js'
import { fieldViolationError, toConnectError } from './server.js'
import { getEpoch } from './epochs.js'
import { resolveSimulationGas } from './simulate.js'
import { addressText } from './system-state.js'
import { getTarget, listTargets } from './targets.js'

const DEFAULT_OBJECT_MASK = 'object_id,version,digest'
/**
 * `GetServiceInfo.server` and the `server` header, `<bin>/<version>` as the reference node sends
 * (`soma-node/<workspace version>`). Its clients' `check_api_version` requires the part after the
 * last `/` to equal their own crate version, so the bin can say soma-ts while the version is the
 * one the published client accepts: PyPI `soma-sdk` 0.1.15 was built at workspace 0.1.19.
 */
const SERVER_VERSION = 'soma-ts-localnet/0.1.19'
const DEFAULT_LIST_MASK = 'object_id,version,object_type'
const DEFAULT_TRANSACTION_MASK = 'digest'
const DEFAULT_PAGE_SIZE = 50
const MAX_PAGE_SIZE = 1000

// ---- conversions --------------------------------------------------------------------------------

function timestampOf(ms: bigint): Timestamp {
  return create(TimestampSchema, { seconds: ms / 1000n, nanos: Number(ms % 1000n) * 1_000_000 })
}

/**
 * How a call writes object ids and owner addresses (wire.md §8.3). The reference writes them
 * `bare` (64 hex, no `0x`: `SomaAddress` Display, `ObjectID::to_hex`) where it converts straight
 * from its `types` (`rpc/src/utils/rpc_proto_conversions.rs`: GetObject, BatchGetObjects,
 * ListOwnedObjects, SimulateTransaction's `objects`, checkpoint transactions), and `0x` + 64 where
 * it goes through the rpc crate's own types (`rpc/src/types/address.rs` Display: ExecuteTransaction,
 * GetTransaction, SimulateTransaction's effects and transaction). The chain keeps `0x` + 64.
 */
export type IdForm = 'bare' | '0x'

/** An id or address of the chain (`0x` + 64) as `form` writes it. */
function idText(id: string, form: IdForm): string {
  return form === 'bare' ? addressText(id) : id
}

function ownerToProto(owner: ObjectOwner, form: IdForm): Owner {
  switch (owner.kind) {
    case 'Address':
      return create(OwnerSchema, { kind: Owner_OwnerKind.ADDRESS, address: idText(owner.address, form) })
    case 'Shared':
      return create(OwnerSchema, { kind: Owner_OwnerKind.SHARED, version: owner.initialSharedVersion })
    case 'Immutable':
      return create(OwnerSchema, { kind: Owner_OwnerKind.IMMUTABLE })
  }
}

export function objectToProto(object: ChainObject, form: IdForm): Object$ {
  return create(ObjectSchema, {
    objectId: idText(object.id, form),
    version: object.version,
    digest: digestOf(object),
    owner: ownerToProto(object.owner, form),
    objectType: object.type,
    contents: object.contents,
    previousTransaction: object.previousTransaction,
  })
}

/**
 * A checkpoint's transaction as the reference writes it from `types::transaction::TransactionData`:
 * the sender, the recipients, the validator addresses and every object reference in `SomaAddress`
 * text (no `0x`); model and target ids stay `ObjectID` Display (`0x` + 64). Rewrites `tx` in place.
 */
function withBareAddresses(tx: Transaction): Transaction {
  const ref = (r: ObjectReference | undefined) => {
    if (r?.objectId !== undefined) r.objectId = addressText(r.objectId)
  }
  if (tx.sender !== undefined) tx.sender = addressText(tx.sender)
  tx.gasPayment.forEach(ref)
  const kind = tx.kind?.kind
  switch (kind?.case) {
    case 'genesis':
      for (const o of kind.value.objects) {
        if (o.objectId !== undefined) o.objectId = addressText(o.objectId)
        if (o.owner?.address !== undefined) o.owner.address = addressText(o.owner.address)
      }
      break
    case 'reportValidator':
    case 'undoReportValidator':
      if (kind.value.reportee !== undefined) kind.value.reportee = addressText(kind.value.reportee)
      break
    case 'transferCoin':
      ref(kind.value.coin)
      if (kind.value.recipient !== undefined) kind.value.recipient = addressText(kind.value.recipient)
      break
    case 'payCoins':
      kind.value.coins.forEach(ref)
      kind.value.recipients = kind.value.recipients.map(addressText)
      break
    case 'transferObjects':
      kind.value.objects.forEach(ref)
      if (kind.value.recipient !== undefined) kind.value.recipient = addressText(kind.value.recipient)
      break
    case 'addStake':
      ref(kind.value.coinRef)
      if (kind.value.address !== undefined) kind.value.address = addressText(kind.value.address)
      break
    case 'withdrawStake':
      ref(kind.value.stakedSoma)
      break
    case 'addStakeToModel':
      ref(kind.value.coinRef)
      break
    case 'submitData':
      ref(kind.value.bondCoin)
      break
    default:
      break
  }
  return tx
}

/** `InsufficientGas` → the protobuf enum's `INSUFFICIENT_GAS`. */
function errorKindOf(name: string): ExecutionError_ExecutionErrorKind {
  const key = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()
  const value = (ExecutionError_ExecutionErrorKind as unknown as Record<string, number>)[key]
  return value ?? ExecutionError_ExecutionErrorKind.EXECUTION_ERROR_KIND_UNKNOWN
}

type Fee = typeof bcsTypes.TransactionFee.$inferType

/** How many checkpoints' rolling fees are kept. */
const ROLLING_FEES_CACHED = 4096

/** Whether the mask keeps `message.field` (no mask, the whole message, or the field named). */
function wantsField(tree: MaskTree | undefined, message: string, field: string): boolean {
  if (tree === undefined) return true
  const sub = tree[message]
  return sub !== undefined && (Object.keys(sub).length === 0 || sub[field] !== undefined)
}

/** The effects' protobuf, object ids and owners in `form`. */
export function effectsToProto(bytes: Uint8Array, form: IdForm): TransactionEffects {
  const v1 = decodeBcs(bcsTypes.TransactionEffects, bytes).V1
  const failure = v1.status.Failure
  const errorName = failure === undefined ? undefined : Object.keys(failure.error).find((k) => k !== '$kind')
  return create(TransactionEffectsSchema, {
    status: failure === undefined ? { success: true } : { success: false, error: { kind: errorKindOf(errorName ?? ''), description: errorName ?? '' } },
    epoch: v1.executedEpoch,
    fee: v1.transactionFee,
    transactionDigest: v1.transactionDigest,
    ...(v1.gasObjectIndex === null ? {} : { gasObjectIndex: v1.gasObjectIndex }),
    dependencies: v1.dependencies,
    lamportVersion: v1.version,
    changedObjects: v1.changedObjects.map(({ objectId, change }) => {
      const input = change.inputState.Exist
      const output = change.outputState.ObjectWrite
      return {
        objectId: idText(objectId, form),
        inputState: input ? ChangedObject_InputObjectState.EXISTS : ChangedObject_InputObjectState.DOES_NOT_EXIST,
        ...(input ? { inputVersion: input.versionDigest.version, inputDigest: input.versionDigest.digest, inputOwner: ownerToProto(ownerFromBcs(input.owner), form) } : {}),
        outputState: output ? ChangedObject_OutputObjectState.OBJECT_WRITE : ChangedObject_OutputObjectState.DOES_NOT_EXIST,
        ...(output ? { outputVersion: v1.version, outputDigest: output.digest, outputOwner: ownerToProto(ownerFromBcs(output.owner), form) } : {}),
        idOperation:
          change.idOperation.Created !== undefined
            ? ChangedObject_IdOperation.CREATED
            : change.idOperation.Deleted !== undefined
              ? ChangedObject_IdOperation.DELETED
              : ChangedObject_IdOperation.NONE,
      }
    }),
    unchangedSharedObjects: v1.unchangedSharedObjects.map(({ objectId, kind }) => {
      if (kind.ReadOnlyRoot !== undefined) {
        return { objectId: idText(objectId, form), kind: UnchangedSharedObject_UnchangedSharedObjectKind.READ_ONLY_ROOT, version: kind.ReadOnlyRoot.version, digest: kind.ReadOnlyRoot.digest }
      }
      const kindValue =
        kind.MutateDeleted !== undefined
          ? UnchangedSharedObject_UnchangedSharedObjectKind.MUTATED_DELETED
          : kind.ReadDeleted !== undefined
            ? UnchangedSharedObject_UnchangedSharedObjectKind.READ_DELETED
            : UnchangedSharedObject_UnchangedSharedObjectKind.CANCELED
      const v = kind.MutateDeleted ?? kind.ReadDeleted ?? kind.Cancelled
      return { objectId: idText(objectId, form), kind: kindValue, ...(v !== undefined ? { version: v } : {}) }
    }),
  })
}

// ---- the service ------------------------------------------------------------------------------

export interface FullnodeOptions {
  readonly node: LocalNode
  /** Default 0.0.0.0. */
  readonly host?: string
  readonly port: number
  /** Extra plain-HTTP routes on the same port (`GET /data/{id}`, `GET /model/{id}`), over HTTP/1.1 or HTTP/2; answer false to pass. */
  readonly httpRoutes?: (req: Http2ServerRequest | IncomingMessage, res: Http2ServerResponse | ServerResponse) => boolean
}

export interface RunningFullnode {
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

/** The committee positions a signer bitmap names, ascending. */
function signerPositions(bitmap: Uint8Array): number[] {
  const out: number[] = []
  bitmap.forEach((byte, i) => {
    for (let bit = 0; bit < 8; bit++) if ((byte >> bit) & 1) out.push(i * 8 + bit)
  })
  return out
}

function requireField<T>(value: T | undefined, field: string): T {
  if (value === undefined || value === '') throw fieldViolationError(field, 'FIELD_MISSING')
  return value
}

function parseId(text: string | undefined, field: string): string {
  const value = requireField(text, field)
  try {
    return normalizeAddress(value)
  } catch (err) {
    throw fieldViolationError(field, 'FIELD_INVALID', err instanceof Error ? err.message : String(err))
  }
}

function pageOf(pageSize: number | undefined, token: Uint8Array | undefined, field: string): { size: number; after: string } {
  const size = pageSize === undefined || pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(pageSize, MAX_PAGE_SIZE)
  if (token === undefined || token.length === 0) return { size, after: '' }
  if (token.length !== 32) throw fieldViolationError(field, 'FIELD_INVALID', 'invalid page token')
  return { size, after: `0x${Buffer.from(token).toString('hex')}` }
}

class FullnodeService {
  constructor(private readonly node: LocalNode) {}

  checkpointTimestampMs(checkpoint: StoredCheckpoint): bigint {
    return decodeCheckpointSummary(checkpoint.summary).timestampMs
  }

  /**
   * Coin balance changes per address, from the input and output versions the store keeps; the
   * address as the reference converts it (`SomaAddress` Display, no `0x`). `effects` may carry
   * its ids in either form.
   */
  balanceChanges(
    effects: TransactionEffects,
    versionOf: (id: string, version: bigint) => ChainObject | undefined = (id, version) => this.node.store.getObjectAtVersion(id, version),
  ): { address: string; amount: string }[] {
    const totals = new Map<string, bigint>()
    const add = (object: ChainObject | undefined, sign: bigint) => {
      if (object === undefined || object.type !== 'Coin' || object.owner.kind !== 'Address') return
      totals.set(object.owner.address, (totals.get(object.owner.address) ?? 0n) + sign * coinBalance(object)!)
    }
    for (const c of effects.changedObjects) {
      const id = normalizeAddress(c.objectId!)
      if (c.inputVersion !== undefined) add(versionOf(id, c.inputVersion), -1n)
      if (c.outputVersion !== undefined) add(versionOf(id, c.outputVersion), 1n)
    }
    return [...totals].filter(([, v]) => v !== 0n).sort(([a], [b]) => (a < b ? -1 : 1)).map(([address, v]) => ({ address: addressText(address), amount: v.toString() }))
  }

  /** An ExecutedTransaction with its ids and addresses in `form` (checkpoints: `bare`; ExecuteTransaction, GetTransaction: `0x`). */
  executed(
    stored: Pick<StoredTransaction, 'digest' | 'signedTransaction'>,
    effectsBytes: Uint8Array,
    checkpoint: bigint | undefined,
    tree: MaskTree | undefined,
    form: IdForm,
  ): ExecutedTransaction {
    // Only the fields the mask keeps are built (applyMask empties the rest anyway): a status-only
    // execute answer skips the transaction decode and the object reads.
    const wants = (field: string) => tree === undefined || tree[field] !== undefined || Object.keys(tree).length === 0
    const needEffects = wants('effects') || wants('balanceChanges') || wants('objects')
    const effects = needEffects ? effectsToProto(effectsBytes, form) : undefined
    let transaction: Transaction | undefined
    let signatures: UserSignature[] = []
    if (stored.signedTransaction.length > 0 && (wants('transaction') || wants('signatures'))) {
      const signed = deserializeSignedTransaction(stored.signedTransaction)
      if (wants('transaction')) {
        transaction = transactionDataToProto(decodeBcs(bcsTypes.TransactionData, signed.transaction), stored.digest)
        if (form === 'bare') withBareAddresses(transaction)
      }
      if (wants('signatures')) signatures = signed.signatures.map((s) => userSignatureToProto(s))
    }
    const cp = checkpoint === undefined || !wants('timestamp') ? undefined : this.node.database.getCheckpoint(checkpoint)
    const objects =
      effects === undefined || !wants('objects')
        ? []
        : effects.changedObjects
            .filter((c) => c.outputVersion !== undefined)
            .map((c) => this.node.store.getObjectAtVersion(normalizeAddress(c.objectId!), c.outputVersion!))
            .filter((o): o is ChainObject => o !== undefined)
            .map((o) => objectToProto(o, form))
    const full = create(ExecutedTransactionSchema, {
      digest: stored.digest,
      ...(transaction ? { transaction } : {}),
      signatures,
      ...(effects ? { effects } : {}),
      ...(checkpoint !== undefined ? { checkpoint } : {}),
      ...(cp ? { timestamp: timestampOf(this.checkpointTimestampMs(cp)) } : {}),
      balanceChanges: effects === undefined || !wants('balanceChanges') ? [] : this.balanceChanges(effects).map((b) => create(BalanceChangeSchema, b)),
      objects: create(ObjectSetSchema, { objects }),
    })
    return applyMask(full, tree)
  }

  /** Checkpoint sequence → the epoch's fees up to and including it; checkpoints never change. */
  private readonly rollingFees = new Map<bigint, Fee>()

  /**
   * `epoch_rolling_transaction_fees`: the fees of every transaction of the checkpoint's epoch up
   * to and including it (the reference's client refuses a summary without them). This node's own
   * summary BCS does not carry them, so they are summed from the stored effects, each checkpoint
   * once: from the nearest earlier one already summed, or from the start of the epoch.
   */
  epochRollingFees(checkpoint: StoredCheckpoint): Fee {
    const pending: StoredCheckpoint[] = []
    let base: Fee = { baseFee: 0n, operationFee: 0n, valueFee: 0n, totalFee: 0n }
    for (let cp: StoredCheckpoint | undefined = checkpoint; cp !== undefined; ) {
      const known = this.rollingFees.get(cp.sequence)
      if (known !== undefined) {
        base = known
        break
      }
      pending.push(cp)
      const previous: StoredCheckpoint | undefined = cp.sequence === 0n ? undefined : this.node.database.getCheckpoint(cp.sequence - 1n)
      cp = previous !== undefined && previous.epoch === cp.epoch ? previous : undefined
    }
    for (const cp of pending.reverse()) {
      const sum = { ...base }
      for (const digest of this.node.database.checkpointTransactionDigests(cp.sequence)) {
        const fee = decodeBcs(bcsTypes.TransactionEffects, this.node.database.getTransaction(digest)!.effects).V1.transactionFee
        sum.baseFee += fee.baseFee
        sum.operationFee += fee.operationFee
        sum.valueFee += fee.valueFee
        sum.totalFee += fee.totalFee
      }
      this.rollingFees.set(cp.sequence, sum)
      // Bounded: the oldest entry goes (a later miss sums from the start of its epoch again).
      if (this.rollingFees.size > ROLLING_FEES_CACHED) this.rollingFees.delete(this.rollingFees.keys().next().value!)
      base = sum
    }
    return base
  }

  checkpointToProto(checkpoint: StoredCheckpoint, tree: MaskTree | undefined): Checkpoint {
    const summary = decodeCheckpointSummary(checkpoint.summary)
    const digests = this.node.database.checkpointTransactionDigests(checkpoint.sequence)
    const txMask = tree?.transactions
    const wantTransactions = tree === undefined || txMask !== undefined
    const transactions = wantTransactions
      ? digests.map((d) => {
          const stored = this.node.database.getTransaction(d)!
          // Checkpoint transactions are converted straight from `types`: ids and addresses bare.
          return this.executed(stored, stored.effects, checkpoint.sequence, txMask === undefined || Object.keys(txMask).length === 0 ? undefined : txMask, 'bare')
        })
      : []
    const full = create(CheckpointSchema, {
      sequenceNumber: checkpoint.sequence,
      digest: checkpoint.digest,
      summary: {
        digest: checkpoint.digest,
        epoch: summary.epoch,
        sequenceNumber: summary.sequenceNumber,
        totalNetworkTransactions: summary.networkTotalTransactions,
        contentDigest: summary.contentDigest,
        ...(summary.previousDigest !== null ? { previousDigest: summary.previousDigest } : {}),
        // Summed only when asked for: a subscription waiting for digests never needs it.
        ...(wantsField(tree, 'summary', 'epochRollingTransactionFees') ? { epochRollingTransactionFees: this.epochRollingFees(checkpoint) } : {}),
        timestamp: timestampOf(summary.timestampMs),
      },
      signature: { epoch: checkpoint.epoch, signature: checkpoint.signature, bitmap: signerPositions(checkpoint.signers) },
      contents: { digest: summary.contentDigest, version: 1, transactions: digests.map((d) => ({ transaction: d, effects: this.node.database.getTransaction(d)!.effectsDigest })) },
      transactions,
    })
    // `transactions` was masked per element above.
    const masked = applyMask(full, tree === undefined ? undefined : { ...tree, transactions: {} })
    return masked
  }

  /** The chain's response headers, set on every answer. */
  headers(h: Headers): void {
    const latest = this.node.latestCheckpoint()
    const ms = this.checkpointTimestampMs(latest)
    h.set('x-soma-chain-id', this.chainId())
    h.set('x-soma-chain', 'localnet')
    h.set('x-soma-epoch', this.node.epoch().toString())
    h.set('x-soma-checkpoint-height', latest.sequence.toString())
    h.set('x-soma-timestamp-ms', ms.toString())
    h.set('x-soma-timestamp', new Date(Number(ms)).toISOString())
    h.set('x-soma-lowest-available-checkpoint', '0')
    h.set('x-soma-lowest-available-checkpoint-objects', '0')
    h.set('server', SERVER_VERSION)
  }

  private genesisDigest: string | undefined

  /** The genesis checkpoint's digest (it never changes while the node runs). */
  chainId(): string {
    this.genesisDigest ??= this.node.database.getCheckpoint(0n)!.digest
    return this.genesisDigest
  }

  /** Rebuilds the BCS from the protobuf and the signatures, as the node does, then verifies them. */
  /** The signed BCS rebuilt from the request, and its parse (what `parseSignedTransaction` of it gives). */
  signedFromProto(transaction: Transaction | undefined, signatures: UserSignature[]): { signed: Uint8Array; parsed: ParsedTransaction } {
    const tx = requireField(transaction, 'transaction')
    const { data, bcs } = transactionDataFromProto(tx)
    if (signatures.length === 0) throw fieldViolationError('signatures', 'FIELD_MISSING')
    const serialized = signatures.map((s, i) => userSignatureFromProto(s, `signatures[${i}]`))
    const signed = serializeSignedTransaction(data, serialized)
    // `bcs` is the canonical encoding of `data`, as a parse of `signed` would re-encode it.
    const parsed: ParsedTransaction = { intent: [TRANSACTION_INTENT[0], TRANSACTION_INTENT[1], TRANSACTION_INTENT[2]], transaction: bcs, data: data.V1!, signatures: serialized, digest: transactionDigestOf(bcs) }
    return { signed, parsed }
  }
}

/** A transaction the node refuses before execution (signature, inputs, gas): INVALID_ARGUMENT, as the node. */
function rejectionError(err: TransactionRejected): ConnectError {
  return new ConnectError(err.message, Code.InvalidArgument)
}

/** The ConnectError an RPC answers with for what its implementation threw. */
function rpcError(err: unknown): ConnectError {
  return err instanceof TransactionRejected ? rejectionError(err) : toConnectError(err)
}

/** ExecuteTransaction, shared by the Connect route and the direct gRPC path (`direct-grpc.ts`). */
async function executeTransactionCall(service: FullnodeService, node: LocalNode, req: ExecuteTransactionRequest): Promise<ExecuteTransactionResponse> {
  const { signed, parsed } = service.signedFromProto(req.transaction, req.signatures)
  const committed: CommittedTransaction = await node.submit(signed, parsed)
  const stored = { ...committed, digest: committed.transactionDigest }
  return create(ExecuteTransactionResponseSchema, { transaction: service.executed(stored, committed.effects, committed.checkpoint, maskOf(req.readMask, 'effects'), '0x') })
}

function routes(service: FullnodeService, node: LocalNode) {
  const guard = <Req, Res>(handler: (req: Req, ctx: HandlerContext) => Res | Promise<Res>) =>
    async (req: Req, ctx: HandlerContext): Promise<Res> => {
      try {
        service.headers(ctx.responseHeader)
        return await handler(req, ctx)
      } catch (err) {
        throw rpcError(err)
      }
    }

  return (router: ConnectRouter) => {
    router.service(LedgerService, {
      getServiceInfo: guard(() => {
        const latest = node.latestCheckpoint()
        return {
          chainId: service.chainId(),
          chain: 'localnet',
          epoch: node.epoch(),
          checkpointHeight: latest.sequence,
          timestamp: timestampOf(service.checkpointTimestampMs(latest)),
          lowestAvailableCheckpoint: 0n,
          lowestAvailableCheckpointObjects: 0n,
          server: SERVER_VERSION,
        }
      }),
      getObject: guard((req) => {
        const id = parseId(req.objectId, 'object_id')
        const object = req.version === undefined ? node.getObject(id) : node.store.getObjectAtVersion(id, req.version)
        if (object === undefined) throw new ConnectError(`Object ${id}${req.version === undefined ? '' : ` at version ${req.version}`} not found`, Code.NotFound)
        return { object: applyMask(objectToProto(object, 'bare'), maskOf(req.readMask, DEFAULT_OBJECT_MASK)) }
      }),
      batchGetObjects: guard((req) => {
        const tree = maskOf(req.readMask, DEFAULT_OBJECT_MASK)
        return {
          objects: req.requests.map((r, i) => {
            try {
              const id = parseId(r.objectId, `requests[${i}].object_id`)
              const object = r.version === undefined ? node.getObject(id) : node.store.getObjectAtVersion(id, r.version)
              if (object === undefined) return { result: { case: 'error' as const, value: { code: Code.NotFound, message: `Object ${id} not found` } } }
              return { result: { case: 'object' as const, value: applyMask(objectToProto(object, 'bare'), tree) } }
            } catch (err) {
              return { result: { case: 'error' as const, value: { code: Code.InvalidArgument, message: err instanceof Error ? err.message : String(err) } } }
            }
          }),
        }
      }),
      getTransaction: guard((req) => {
        const digest = requireField(req.digest, 'digest')
        const stored = node.getTransaction(digest)
        if (stored === undefined) throw new ConnectError(`Transaction ${digest} not found`, Code.NotFound)
        return { transaction: service.executed(stored, stored.effects, stored.checkpoint, maskOf(req.readMask, DEFAULT_TRANSACTION_MASK), '0x') }
      }),
      batchGetTransactions: guard((req) => {
        const tree = maskOf(req.readMask, DEFAULT_TRANSACTION_MASK)
        return {
          transactions: req.digests.map((digest) => {
            const stored = node.getTransaction(digest)
            if (stored === undefined) return { result: { case: 'error' as const, value: { code: Code.NotFound, message: `Transaction ${digest} not found` } } }
            return { result: { case: 'transaction' as const, value: service.executed(stored, stored.effects, stored.checkpoint, tree, '0x') } }
          }),
        }
      }),
      getCheckpoint: guard((req) => {
        let checkpoint: StoredCheckpoint | undefined
        if (req.checkpointId.case === 'sequenceNumber') checkpoint = node.database.getCheckpoint(req.checkpointId.value)
        else if (req.checkpointId.case === 'digest') checkpoint = node.database.getCheckpointByDigest(req.checkpointId.value)
        else checkpoint = node.latestCheckpoint()
        if (checkpoint === undefined) throw new ConnectError('Checkpoint not found', Code.NotFound)
        return { checkpoint: service.checkpointToProto(checkpoint, maskOf(req.readMask, 'sequence_number,digest,summary')) }
      }),
      getEpoch: guard((req) => getEpoch(node, req)),
    })
    router.service(StateService, {
      getBalance: guard((req) => {
        const owner = parseId(req.owner, 'owner')
        let balance = 0n
        let after = ''
        for (;;) {
          const page = node.database.ownedObjects(owner, after, 1000)
          for (const o of page) if (o.type === 'Coin') balance += coinBalance(o)!
          if (page.length < 1000) break
          after = page[page.length - 1]!.id
        }
        return { balance }
      }),
      listOwnedObjects: guard((req) => {
        const owner = parseId(req.owner, 'owner')
        const { size, after } = pageOf(req.pageSize, req.pageToken, 'page_token')
        const tree = maskOf(req.readMask, DEFAULT_LIST_MASK)
        const objects: Object$[] = []
        let cursor = after
        let last: string | undefined
        let more = false
        outer: for (;;) {
          const page = node.database.ownedObjects(owner, cursor, size + 1)
          for (const o of page) {
            if (req.objectType !== undefined && req.objectType !== '' && o.type !== req.objectType) {
              cursor = o.id
              continue
            }
            if (objects.length === size) {
              more = true
              break outer
            }
            objects.push(applyMask(objectToProto(o, 'bare'), tree))
            last = o.id
            cursor = o.id
          }
          if (page.length < size + 1) break
        }
        return { objects, ...(more && last !== undefined ? { nextPageToken: fromHex(last.slice(2)) } : {}) }
      }),
      getTarget: guard((req) => getTarget(node, req)),
      listTargets: guard((req) => listTargets(node, req)),
    })
    router.service(TransactionExecutionService, {
      executeTransaction: guard((req) => executeTransactionCall(service, node, req)),
      simulateTransaction: guard((req) => {
        const tx = requireField(req.transaction, 'transaction')
        const parsed = transactionDataFromProto(tx)
        const checksEnabled = req.checks !== SimulateTransactionRequest_TransactionChecks.DISABLED
        const { data, bcs, extra } = resolveSimulationGas(node, parsed.data, parsed.bcs, checksEnabled)
        // Simulation has no signatures; the input and gas checks run as in execution.
        const result = node.simulate(serializeSignedTransaction(bcs, []), true, extra)
        // As the reference: effects and transaction through the rpc crate's types (`0x`), objects straight from `types` (bare).
        const effects = effectsToProto(result.effects, '0x')
        // Outputs exist only in the simulation's writes, the mock gas coin only in `extra`.
        const simulated = [...result.writes.written, ...extra]
        const versionOf = (id: string, version: bigint) =>
          simulated.find((o) => o.id === id && o.version === version) ?? node.store.getObjectAtVersion(id, version)
        const transaction = create(ExecutedTransactionSchema, {
          digest: result.transactionDigest,
          // The transaction that ran (with the gas the server chose, if it chose), re-encoded as the
          // reference does: its ids `0x` + 64 whatever form the request used, and its digest.
          transaction: transactionDataToProto(data, result.transactionDigest),
          effects,
          objects: create(ObjectSetSchema, { objects: result.writes.written.map((o) => objectToProto(o, 'bare')) }),
          balanceChanges: service.balanceChanges(effects, versionOf).map((b) => create(BalanceChangeSchema, b)),
        })
        // As the reference: no mask is everything, and a mask that names no `transaction` gets none.
        const tree = maskTree(req.readMask?.paths ?? [])
        if (tree !== undefined && tree.transaction === undefined) return {}
        return { transaction: applyMask(transaction, tree?.transaction) }
      }),
    })
    router.service(SubscriptionService, {
      subscribeCheckpoints: async function* (req, ctx) {
        service.headers(ctx.responseHeader)
        const tree = maskOf(req.readMask, 'sequence_number,digest')
        const queue: StoredCheckpoint[] = []
        let wake: (() => void) | undefined
        const unsubscribe = node.onCheckpoint((cp) => {
          queue.push(cp)
          wake?.()
        })
        const aborted = new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }))
        // The stream starts with the latest checkpoint. The reference sends only newer ones, but
        // tonic sends its response headers at once, and Connect sends them with the first
        // message: the Rust client (the Python soma-sdk) awaits those headers before it executes
        // the transaction it then waits for, so a stream that stayed silent would never start.
        queue.unshift(node.latestCheckpoint())
        let last = -1n
        try {
          while (!ctx.signal.aborted) {
            while (queue.length > 0) {
              const cp = queue.shift()!
              // A checkpoint committed between subscribing and reading the latest comes twice.
              if (cp.sequence <= last) continue
              last = cp.sequence
              yield { cursor: cp.sequence, checkpoint: service.checkpointToProto(cp, tree) }
            }
            await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted])
          }
        } finally {
          unsubscribe()
        }
      },
    })
  }
}

/**
 * CORS as the reference's fullnode (any origin, GET and POST, any request header), plus the
 * gRPC and chain headers exposed, so that a browser's gRPC-Web client can read a trailers-only
 * status (the reference exposes none; see docs/node.md). Answers a preflight itself.
 */
const EXPOSED_HEADERS = [
  'grpc-status',
  'grpc-message',
  'grpc-status-details-bin',
  'x-soma-chain-id',
  'x-soma-chain',
  'x-soma-epoch',
  'x-soma-checkpoint-height',
  'x-soma-timestamp-ms',
  'x-soma-timestamp',
  'x-soma-lowest-available-checkpoint',
  'x-soma-lowest-available-checkpoint-objects',
].join(', ')

type AnyRequest = Http2ServerRequest | IncomingMessage
type AnyResponse = Http2ServerResponse | ServerResponse

function cors(req: AnyRequest, res: AnyResponse): boolean {
  if (req.headers.origin === undefined) return false
  res.setHeader('access-control-allow-origin', '*')
  res.setHeader('access-control-expose-headers', EXPOSED_HEADERS)
  res.setHeader('vary', 'origin, access-control-request-method, access-control-request-headers')
  if (req.method !== 'OPTIONS') return false
  res.setHeader('access-control-allow-methods', 'GET,POST')
  res.setHeader('access-control-allow-headers', '*')
  res.setHeader('access-control-max-age', '86400')
  res.writeHead(200, { 'content-length': '0' })
  res.end()
  return true
}

/** The HTTP/2 connection preface starts with these bytes; no HTTP/1.x request line does. */
const H2_PREFACE_START = Buffer.from('PRI ')

/**
 * Starts the fullnode RPC server on one cleartext port for both protocols: HTTP/2 (gRPC, and
 * gRPC-Web) and HTTP/1.1 (gRPC-Web from browsers, the plain `/data` and `/model` routes). Node's
 * cleartext HTTP/2 server speaks no HTTP/1.1, so each connection's first bytes pick the server.
 */
export async function serveFullnode(options: FullnodeOptions): Promise<RunningFullnode> {
  const service = new FullnodeService(options.node)
  // The same limits as serveRpc: an oversized body is refused before it is parsed (RESOURCE_EXHAUSTED),
  // and the HTTP/2 session caps streams and memory.
  const handler = connectNodeAdapter({
    routes: routes(service, options.node),
    grpc: true,
    grpcWeb: true,
    connect: false,
    readMaxBytes: RPC_SERVER_LIMITS.maxMessageBytes,
    binaryOptions: RPC_REQUEST_BINARY_OPTIONS,
  })
  const dispatch = (req: AnyRequest, res: AnyResponse) => {
    if (cors(req, res)) return
    if (options.httpRoutes?.(req, res) === true) return
    if (req.httpVersionMajor === 2 && takesDirectExecute(req as Http2ServerRequest)) {
      directExecute(req as Http2ServerRequest, res as Http2ServerResponse, {
        maxMessageBytes: RPC_SERVER_LIMITS.maxMessageBytes,
        setHeaders: (headers) => service.headers(headers),
        execute: (request) => executeTransactionCall(service, options.node, request),
        toError: rpcError,
      })
      return
    }
    handler(req, res)
  }
  const h2: Http2Server = createServer(http2ServerOptions(RPC_SERVER_LIMITS), dispatch)
  const h1 = createHttp1Server(dispatch)
  const sockets = new Set<Socket>()
  const server = createNetServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    let head = Buffer.alloc(0)
    const sniff = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk])
      if (head.length < H2_PREFACE_START.length && H2_PREFACE_START.subarray(0, head.length).equals(head)) return
      socket.off('data', sniff)
      socket.pause()
      socket.unshift(head)
      if (head.subarray(0, H2_PREFACE_START.length).equals(H2_PREFACE_START)) {
        // The HTTP/2 session then reads the socket's handle natively; on its first tick it feeds
        // itself what the socket already buffered (Node's http2 core does, nodejs/node#35475), so
        // the sniffed bytes are not lost and no JS stream sits between the session and the socket.
        h2.emit('connection', socket)
      } else {
        h1.emit('connection', socket)
        socket.resume()
      }
    }
    socket.on('data', sniff)
    socket.on('error', () => socket.destroy())
  })
  const host = options.host ?? '0.0.0.0'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : options.port
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  const sessions = new Set<import('node:http2').ServerHttp2Session>()
  h2.on('session', (s) => {
    sessions.add(s)
    s.once('close', () => sessions.delete(s))
  })
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const s of sessions) s.close()
        h1.closeIdleConnections()
        setTimeout(() => {
          for (const s of sessions) s.destroy()
          for (const socket of sockets) socket.destroy()
        }, 1_000).unref()
      }),
  }
}
