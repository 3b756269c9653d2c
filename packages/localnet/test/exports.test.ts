// The public surface of @soma-ts/localnet; a change has to be accepted on purpose.
import { expect, it } from 'vitest'

import * as localnet from '../src/index.js'

it('@soma-ts/localnet', () => {
  expect(Object.keys(localnet).sort()).toMatchInlineSnapshot(`
    [
      "DEFAULT_ADMIN_PORT",
      "DEFAULT_EPOCH_DURATION_MS",
      "DEFAULT_FAUCET_PORT",
      "DEFAULT_RPC_PORT",
      "FAUCET_AMOUNT",
      "LocalNode",
      "NodeClosedError",
      "RPC_SERVER_LIMITS",
      "SIDE_SERVICE_LIMITS",
      "ServiceError",
      "decodeCheckpointSummary",
      "fieldViolationError",
      "serveRpc",
      "serveSideServices",
      "startLocalnet",
      "toConnectError",
      "verifyCheckpointSignature",
      "version",
    ]
  `)
})
