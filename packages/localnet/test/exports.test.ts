// The public surface of @soma-ts/localnet; a change has to be accepted on purpose.
import { expect, it } from 'vitest'

import * as localnet from '../src/index.js'

it('@soma-ts/localnet', () => {
  expect(Object.keys(localnet).sort()).toMatchInlineSnapshot(`
    [
      "RPC_SERVER_LIMITS",
      "SIDE_SERVICE_LIMITS",
      "ServiceError",
      "fieldViolationError",
      "serveRpc",
      "serveSideServices",
      "toConnectError",
      "version",
    ]
  `)
})
