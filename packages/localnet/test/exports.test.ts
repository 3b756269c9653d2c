// The public surface of @soma-ts/localnet; a change has to be accepted on purpose.
import { expect, it } from 'vitest'

import * as localnet from '../src/index.js'

it('@soma-ts/localnet', () => {
  expect(Object.keys(localnet).sort()).toMatchInlineSnapshot(`
    [
      "DEFAULT_ADMIN_PORT",
      "DEFAULT_CACHE_BYTES",
      "DEFAULT_DISK_CACHE_BYTES",
      "DEFAULT_EPOCH_DURATION_MS",
      "DEFAULT_FAUCET_PORT",
      "DEFAULT_MAX_CONCURRENT",
      "DEFAULT_MAX_WEIGHTS_BYTES",
      "DEFAULT_RPC_PORT",
      "DEFAULT_SCORING_PORT",
      "FAUCET_AMOUNT",
      "LocalNode",
      "MAX_MODELS_PER_REQUEST",
      "ModelCache",
      "NodeClosedError",
      "RPC_SERVER_LIMITS",
      "SIDE_SERVICE_LIMITS",
      "ServiceError",
      "WeightsDiskCache",
      "decodeCheckpointSummary",
      "fieldViolationError",
      "modelBytes",
      "serveRpc",
      "serveSideServices",
      "startLocalnet",
      "startScoringService",
      "toConnectError",
      "verifyCheckpointSignature",
      "version",
    ]
  `)
})
