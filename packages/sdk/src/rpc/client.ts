/**
 * The fullnode gRPC client (package `soma.rpc`), independent of the transport: `node.ts` builds it
 * over HTTP/2 gRPC, `web.ts` over gRPC-Web with fetch. Every call that fails rejects with a typed
 * `RpcError` (see errors.ts), for unary calls and streams alike.
 */
import { create } from '@bufbuild/protobuf'
import { FieldMaskSchema, type FieldMask } from '@bufbuild/protobuf/wkt'
import { Code, ConnectError, createClient, type CallOptions, type Client, type Transport } from '@connectrpc/connect'

import { InvalidArgumentError } from '../errors/index.js'
import { BadRequestSchema } from '../generated/google/rpc/error_details_pb.js'
import type { Checkpoint } from '../generated/soma/rpc/checkpoint_pb.js'
import type { ExecutedTransaction } from '../generated/soma/rpc/effects_pb.js'
import {
  LedgerService,
  type GetServiceInfoResponse,
} from '../generated/soma/rpc/ledger_service_pb.js'
import type { Object$ } from '../generated/soma/rpc/object_pb.js'
import type { UserSignature } from '../generated/soma/rpc/signature_pb.js'
import { StateService } from '../generated/soma/rpc/state_service_pb.js'
import type { Epoch, Target } from '../generated/soma/rpc/system_state_pb.js'
import { SubscriptionService, type SubscribeCheckpointsResponse } from '../generated/soma/rpc/subscription_service_pb.js'
import {
  SimulateTransactionRequest_TransactionChecks,
  TransactionExecutionService,
} from '../generated/soma/rpc/transaction_execution_service_pb.js'
import type { Transaction } from '../generated/soma/rpc/transaction_pb.js'
import { rpcErrorFromStatus, type RpcError } from './errors.js'
import { userSignatureToProto } from './signature.js'

/** Read masks the reference SDK uses; the node's defaults return only a few fields. */
export const READ_MASKS = {
  object: 'object_id,version,digest,object_type,owner,contents,previous_transaction',
  transaction: 'digest,effects,checkpoint,timestamp,balance_changes',
  execute: 'effects,balance_changes,objects',
  simulate: 'transaction.effects,transaction.balance_changes,transaction.objects',
  checkpointWait: 'transactions.digest,sequence_number',
  target: 'id,status,embedding,model_ids,distance_threshold,reward_pool,generation_epoch,fill_epoch,submitter,winning_model_id,winning_model_owner,bond_amount,data_url',
  systemState: 'system_state,epoch',
} as const

/** A FieldMask from comma-separated paths, an array of paths, or a mask (kept). */
export function readMask(paths: string | readonly string[] | FieldMask): FieldMask {
  if (typeof paths === 'object' && !Array.isArray(paths) && '$typeName' in paths) return paths as FieldMask
  const list = typeof paths === 'string' ? paths.split(',') : (paths as readonly string[])
  const clean = list.map((p) => p.trim()).filter((p) => p.length > 0)
  for (const p of clean) {
    if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$/.test(p) && p !== '*') {
      throw new InvalidArgumentError(`"${p}" is not a read-mask path.`, { hint: 'Use snake_case protobuf field names joined by dots, e.g. "effects.status".' })
    }
  }
  return create(FieldMaskSchema, { paths: clean })
}

export type MaskInput = string | readonly string[] | FieldMask

export interface SomaRpcClientConfig {
  /** Shown in errors ("which node?"). */
  url?: string | undefined
}

/** Converts whatever a Connect call threw into the typed `RpcError` for its status. */
export function toRpcError(err: unknown, method?: string, url?: string): RpcError {
  const ce = ConnectError.from(err)
  const violations = ce.findDetails(BadRequestSchema).flatMap((b) =>
    b.fieldViolations.map((v) => ({ field: v.field, description: v.description, reason: v.reason })),
  )
  return rpcErrorFromStatus({
    grpcCode: ce.code,
    serverMessage: ce.rawMessage,
    method,
    url,
    fieldViolations: violations,
    cause: err,
  })
}

/**
 * Wraps a Connect client so that every rejection (unary) and every stream failure (iteration)
 * is the typed RpcError. Connect turns errors thrown inside interceptors back into ConnectError,
 * so the mapping has to sit outside the client.
 */
function typedErrors<C extends object>(client: C, service: { typeName: string }, url: string | undefined): C {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const fn = Reflect.get(target, prop, receiver) as unknown
      if (typeof fn !== 'function' || typeof prop !== 'string') return fn
      const method = `/${service.typeName}/${prop.charAt(0).toUpperCase()}${prop.slice(1)}`
      return (...args: unknown[]) => {
        let out: unknown
        try {
          out = (fn as (...a: unknown[]) => unknown).apply(target, args)
        } catch (err) {
          throw toRpcError(err, method, url)
        }
        if (out instanceof Promise) return out.catch((err: unknown) => Promise.reject(toRpcError(err, method, url)))
        if (out && typeof out === 'object' && Symbol.asyncIterator in out) {
          return mapIterableErrors(out as AsyncIterable<unknown>, (err) => toRpcError(err, method, url))
        }
        return out
      }
    },
  })
}

async function* mapIterableErrors<T>(source: AsyncIterable<T>, map: (err: unknown) => Error): AsyncGenerator<T> {
  try {
    for await (const item of source) yield item
  } catch (err) {
    throw map(err)
  }
}

/** Options of one call: abort signal, timeout, extra headers. */
export type RpcCallOptions = Pick<CallOptions, 'signal' | 'timeoutMs' | 'headers'>

export interface ListOptions extends RpcCallOptions {
  /** Items per request (the node caps it at 1000). */
  pageSize?: number
  readMask?: MaskInput
  /** Start from this token (from an earlier page) instead of the beginning. */
  pageToken?: Uint8Array
}

/**
 * Yields every item of a paginated list call, requesting the next page only when the previous one
 * is consumed. Stops when the server returns no `next_page_token`, or an empty token.
 */
export async function* paginate<Item>(
  fetchPage: (pageToken: Uint8Array | undefined) => Promise<{ items: Item[]; nextPageToken?: Uint8Array | undefined }>,
  firstToken?: Uint8Array,
): AsyncGenerator<Item, void, undefined> {
  let token = firstToken
  const seen = new Set<string>()
  for (;;) {
    const page = await fetchPage(token)
    yield* page.items
    const next = page.nextPageToken
    if (next === undefined || next.length === 0) return
    // A server that hands out the same token twice would loop forever; stop instead.
    const key = next.join(',')
    if (seen.has(key)) return
    seen.add(key)
    token = next
  }
}

export interface SomaRpcClient {
  /** The raw generated clients (typed errors included), for calls without a helper below. */
  readonly ledger: Client<typeof LedgerService>
  readonly state: Client<typeof StateService>
  readonly execution: Client<typeof TransactionExecutionService>
  readonly subscription: Client<typeof SubscriptionService>
  readonly url: string | undefined

  getServiceInfo(options?: RpcCallOptions): Promise<GetServiceInfoResponse>
  /** The object with the full mask by default (contents included). */
  getObject(objectId: string, options?: RpcCallOptions & { version?: bigint; readMask?: MaskInput }): Promise<Object$>
  getBalance(owner: string, options?: RpcCallOptions): Promise<bigint>
  /** Every object `owner` owns (optionally one type: "Coin", "StakedSoma", ...), page by page. */
  listOwnedObjects(owner: string, options?: ListOptions & { objectType?: string }): AsyncGenerator<Object$, void, undefined>
  getTarget(targetId: string, options?: RpcCallOptions & { readMask?: MaskInput }): Promise<Target>
  listTargets(
    options?: ListOptions & { status?: string; epoch?: bigint; submitter?: string },
  ): AsyncGenerator<Target, void, undefined>
  getTransaction(digest: string, options?: RpcCallOptions & { readMask?: MaskInput }): Promise<ExecutedTransaction>
  /** By sequence number, by digest, or the latest when neither is given. */
  getCheckpoint(id?: { sequenceNumber: bigint } | { digest: string }, options?: RpcCallOptions & { readMask?: MaskInput }): Promise<Checkpoint>
  getEpoch(epoch?: bigint, options?: RpcCallOptions & { readMask?: MaskInput }): Promise<Epoch>
  executeTransaction(
    transaction: Transaction,
    signatures: UserSignature[],
    options?: RpcCallOptions & { readMask?: MaskInput },
  ): Promise<ExecutedTransaction>
  simulateTransaction(transaction: Transaction, options?: RpcCallOptions & { readMask?: MaskInput; checks?: boolean }): Promise<ExecutedTransaction>
  /**
   * Executes a transaction and waits until it is in a checkpoint, as the reference SDK does before
   * reporting success: it subscribes to checkpoints *before* executing and matches the digest, and
   * also polls GetTransaction (mask `checkpoint`) so that a subscription that starts late cannot
   * miss it. `signatures` are serialized signatures (bytes or Base64) or protobuf UserSignatures.
   * Rejects with RpcTimeoutError when no checkpoint includes it within `timeoutMs` (default 30 s).
   */
  executeAndWait(
    transaction: { proto: Transaction; digest: string },
    signatures: ReadonlyArray<Uint8Array | string | UserSignature>,
    options?: { readMask?: MaskInput; timeoutMs?: number; pollIntervalMs?: number; signal?: AbortSignal },
  ): Promise<{ executed: ExecutedTransaction; checkpoint: bigint }>
  /**
   * Live checkpoints from the latest on, in order. Ends when `signal` aborts; no default timeout
   * applies to the stream.
   */
  subscribeCheckpoints(options?: RpcCallOptions & { readMask?: MaskInput }): AsyncIterable<SubscribeCheckpointsResponse>
}

function call(options: RpcCallOptions | undefined): CallOptions {
  const out: CallOptions = {}
  if (options?.signal) out.signal = options.signal
  if (options?.timeoutMs !== undefined) out.timeoutMs = options.timeoutMs
  if (options?.headers) out.headers = options.headers
  return out
}

function notReturned(what: string, method: string, url: string | undefined): RpcError {
  return rpcErrorFromStatus({ grpcCode: Code.Internal, serverMessage: `the response has no ${what}`, method, url })
}

/** A SOMA fullnode client over any Connect transport. */
export function createSomaRpcClientFromTransport(transport: Transport, config: SomaRpcClientConfig = {}): SomaRpcClient {
  const url = config.url
  const ledger = typedErrors(createClient(LedgerService, transport), LedgerService, url)
  const state = typedErrors(createClient(StateService, transport), StateService, url)
  const execution = typedErrors(createClient(TransactionExecutionService, transport), TransactionExecutionService, url)
  const subscription = typedErrors(createClient(SubscriptionService, transport), SubscriptionService, url)

  const api: SomaRpcClient = {
    ledger,
    state,
    execution,
    subscription,
    url,

    getServiceInfo: (options) => ledger.getServiceInfo({}, call(options)),

    async getObject(objectId, options = {}) {
      const res = await ledger.getObject(
        { objectId, version: options.version, readMask: readMask(options.readMask ?? READ_MASKS.object) },
        call(options),
      )
      if (!res.object) throw notReturned('object', '/soma.rpc.LedgerService/GetObject', url)
      return res.object
    },

    async getBalance(owner, options) {
      const res = await state.getBalance({ owner }, call(options))
      return res.balance ?? 0n
    },

    listOwnedObjects(owner, options = {}) {
      const mask = readMask(options.readMask ?? READ_MASKS.object)
      return paginate(async (pageToken) => {
        const res = await state.listOwnedObjects(
          { owner, pageSize: options.pageSize, pageToken, readMask: mask, objectType: options.objectType },
          call(options),
        )
        return { items: res.objects, nextPageToken: res.nextPageToken }
      }, options.pageToken)
    },

    async getTarget(targetId, options = {}) {
      const res = await state.getTarget({ targetId, readMask: readMask(options.readMask ?? READ_MASKS.target) }, call(options))
      if (!res.target) throw notReturned('target', '/soma.rpc.StateService/GetTarget', url)
      return res.target
    },

    listTargets(options = {}) {
      const mask = readMask(options.readMask ?? READ_MASKS.target)
      return paginate(async (pageToken) => {
        const res = await state.listTargets(
          {
            statusFilter: options.status,
            epochFilter: options.epoch,
            submitterFilter: options.submitter,
            pageSize: options.pageSize,
            pageToken,
            readMask: mask,
          },
          call(options),
        )
        return { items: res.targets, nextPageToken: res.nextPageToken }
      }, options.pageToken)
    },

    async getTransaction(digest, options = {}) {
      const res = await ledger.getTransaction({ digest, readMask: readMask(options.readMask ?? READ_MASKS.transaction) }, call(options))
      if (!res.transaction) throw notReturned('transaction', '/soma.rpc.LedgerService/GetTransaction', url)
      return res.transaction
    },

    async getCheckpoint(id, options = {}) {
      const checkpointId =
        id === undefined
          ? { case: undefined }
          : 'digest' in id
            ? { case: 'digest' as const, value: id.digest }
            : { case: 'sequenceNumber' as const, value: id.sequenceNumber }
      const res = await ledger.getCheckpoint(
        { checkpointId, readMask: options.readMask === undefined ? undefined : readMask(options.readMask) },
        call(options),
      )
      if (!res.checkpoint) throw notReturned('checkpoint', '/soma.rpc.LedgerService/GetCheckpoint', url)
      return res.checkpoint
    },

    async getEpoch(epoch, options = {}) {
      const res = await ledger.getEpoch(
        { epoch, readMask: options.readMask === undefined ? undefined : readMask(options.readMask) },
        call(options),
      )
      if (!res.epoch) throw notReturned('epoch', '/soma.rpc.LedgerService/GetEpoch', url)
      return res.epoch
    },

    async executeTransaction(transaction, signatures, options = {}) {
      const res = await execution.executeTransaction(
        { transaction, signatures, readMask: readMask(options.readMask ?? READ_MASKS.execute) },
        call(options),
      )
      if (!res.transaction) throw notReturned('transaction', '/soma.rpc.TransactionExecutionService/ExecuteTransaction', url)
      return res.transaction
    },

    async simulateTransaction(transaction, options = {}) {
      const res = await execution.simulateTransaction(
        {
          transaction,
          readMask: readMask(options.readMask ?? READ_MASKS.simulate),
          checks:
            options.checks === false
              ? SimulateTransactionRequest_TransactionChecks.DISABLED
              : SimulateTransactionRequest_TransactionChecks.ENABLED,
        },
        call(options),
      )
      if (!res.transaction) throw notReturned('transaction', '/soma.rpc.TransactionExecutionService/SimulateTransaction', url)
      return res.transaction
    },

    async executeAndWait(transaction, signatures, options = {}) {
      const timeoutMs = options.timeoutMs ?? 30_000
      const pollIntervalMs = options.pollIntervalMs ?? 500
      const protoSignatures = signatures.map((s) => (typeof s === 'string' || s instanceof Uint8Array ? userSignatureToProto(s) : s))
      const stop = new AbortController()
      const onOuterAbort = () => stop.abort()
      options.signal?.addEventListener('abort', onOuterAbort, { once: true })
      const method = '/soma.rpc.TransactionExecutionService/ExecuteTransaction'

      // Opened first, so that a checkpoint produced while executing is not missed.
      const stream = subscription.subscribeCheckpoints({ readMask: readMask(READ_MASKS.checkpointWait) }, { signal: stop.signal, timeoutMs: 0 })
      const iterator = stream[Symbol.asyncIterator]()
      const fromStream = (async (): Promise<bigint | undefined> => {
        try {
          for (;;) {
            const next = await iterator.next()
            if (next.done) return undefined
            const cp = next.value.checkpoint
            if (cp?.transactions.some((t) => t.digest === transaction.digest)) return cp.sequenceNumber ?? next.value.cursor
          }
        } catch {
          // The stream ending (or this wait being aborted) leaves the polling path to decide.
          return undefined
        }
      })()

      try {
        const executed = await api.executeTransaction(transaction.proto, protoSignatures, {
          readMask: options.readMask ?? READ_MASKS.execute,
          ...(options.signal ? { signal: options.signal } : {}),
        })
        const deadline = Date.now() + timeoutMs
        const fromPolling = (async (): Promise<bigint> => {
          let pollError: unknown
          for (;;) {
            if (stop.signal.aborted) throw rpcErrorFromStatus({ grpcCode: Code.Canceled, serverMessage: 'wait aborted', method, url })
            if (pollError === undefined) {
              try {
                const tx = await ledger.getTransaction({ digest: transaction.digest, readMask: readMask('checkpoint') }, { signal: stop.signal })
                if (tx.transaction?.checkpoint !== undefined) return tx.transaction.checkpoint
              } catch (err) {
                // NOT_FOUND means "not indexed yet"; any other failure leaves the subscription to decide.
                if ((err as RpcError).grpcCode !== Code.NotFound) pollError = err
              }
            }
            if (Date.now() >= deadline) {
              throw rpcErrorFromStatus({
                grpcCode: Code.DeadlineExceeded,
                serverMessage: `transaction ${transaction.digest} was executed but not seen in a checkpoint within ${timeoutMs} ms`,
                method,
                url,
                cause: pollError,
              })
            }
            await new Promise((resolve) => setTimeout(resolve, pollIntervalMs))
          }
        })()
        // Whichever path loses is cut off by the abort below; its rejection is expected.
        fromPolling.catch(() => undefined)
        const streamHit = fromStream.then((seq) => (seq === undefined ? new Promise<bigint>(() => {}) : seq))
        const checkpoint = await Promise.race([streamHit, fromPolling])
        return { executed, checkpoint }
      } finally {
        stop.abort()
        options.signal?.removeEventListener('abort', onOuterAbort)
      }
    },

    subscribeCheckpoints(options = {}) {
      return subscription.subscribeCheckpoints(
        { readMask: options.readMask === undefined ? undefined : readMask(options.readMask) },
        { ...call(options), timeoutMs: options.timeoutMs ?? 0 },
      )
    },
  }
  return api
}
