/** reportValidator / undoReportValidator with a committee of 4, signed by keystore validators, through the SDK. */
import { FileKeystore, KeystoreSigner, defaultKeystorePath } from '@soma-ts/sdk/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startSdkNetwork, type SdkNetwork } from './sdk-helpers.js'

let sdk: SdkNetwork
beforeAll(async () => {
  sdk = await startSdkNetwork({ committeeSize: 4 })
})
afterAll(async () => {
  await sdk?.stop()
})

describe('SomaClient validator reports', () => {
  it('reports a validator and undoes the report', async () => {
    const { client, net } = sdk
    const path = defaultKeystorePath(net.configDir)
    const aliases = FileKeystore.load(path).entries().map((e) => e.alias).filter((a) => a.startsWith('localnet-validator-'))
    expect(aliases).toHaveLength(4)
    const [reporter, reportee] = aliases.map((a) => KeystoreSigner.load(a, path))
    await client.requestFaucet({ address: reporter!.toSomaAddress() })
    await client.reportValidator({ signer: reporter!, reportee: reportee!.toSomaAddress() })
    let records = (await client.getLatestSystemState()).validatorReportRecords
    expect([...(records.get(reportee!.toSomaAddress()) ?? [])]).toEqual([reporter!.toSomaAddress()])
    await client.undoReportValidator({ signer: reporter!, reportee: reportee!.toSomaAddress() })
    records = (await client.getLatestSystemState()).validatorReportRecords
    expect(records.get(reportee!.toSomaAddress())).toBeUndefined()
  })
})
