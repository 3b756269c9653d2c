// The server halves that moved here from the SDK, driven by the SDK's published clients (the built
// package, as an app would use them): typed errors cross the wire with the SDK's classes.
import { create } from '@bufbuild/protobuf'
import { Code, ConnectError } from '@connectrpc/connect'
import { GrpcStatus, ProtoConversionError, RpcNotFoundError, transactionDataFromProto } from '@soma-ts/sdk'
import { TransactionSchema } from '@soma-ts/sdk/generated/soma/rpc/transaction_pb'
import { AdminClient, FaucetClient } from '@soma-ts/sdk/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { ServiceError, serveSideServices, toConnectError, type RunningService } from '../src/index.js'

describe('side services served by @soma-ts/localnet', () => {
  let running: RunningService
  beforeAll(async () => {
    running = await serveSideServices({
      port: 0,
      faucet: {
        async requestGas(request) {
          if (request.recipient === 'nobody') throw new ServiceError(GrpcStatus.NOT_FOUND, 'No such recipient.')
          return { status: 'Success', coinsSent: [] }
        },
      },
      admin: { advanceEpoch: async () => 7n },
    })
  })
  afterAll(async () => {
    await running?.close()
  })

  it('answers the SDK clients', async () => {
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const faucet = new FaucetClient({ url: running.url })
    expect((await faucet.requestGas(`0x${'1'.repeat(64)}`)).status).toBe('Success')
    expect(await new AdminClient({ url: running.url }).advanceEpoch()).toBe(7n)
  })

  it("a handler's ServiceError reaches the client as the typed RpcError of its status", async () => {
    const faucet = new FaucetClient({ url: running.url })
    const err = await faucet.requestGas('nobody').then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(RpcNotFoundError)
    expect((err as RpcNotFoundError).code).toBe('SOMA_RPC_NOT_FOUND')
    expect(new ServiceError(GrpcStatus.NOT_FOUND, 'x').code).toBe('SOMA_SERVICE_NOT_FOUND')
  })
})

describe('toConnectError', () => {
  it('turns a failed protobuf rebuild into INVALID_ARGUMENT with the field', () => {
    let rebuild: unknown
    try {
      transactionDataFromProto(create(TransactionSchema, {}))
    } catch (err) {
      rebuild = err
    }
    expect(rebuild).toBeInstanceOf(ProtoConversionError)
    const connect = toConnectError(rebuild)
    expect(connect).toBeInstanceOf(ConnectError)
    expect(connect.code).toBe(Code.InvalidArgument)
    expect(connect.message).toMatch(/field: .* reason: FIELD_MISSING/)
    expect(toConnectError(new Error('boom')).code).toBe(Code.Internal)
  })
})
