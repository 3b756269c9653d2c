import { bcsTypes, encodeBcs } from '@soma-ts/sdk'
import { describe, expect, it } from 'vitest'

import { assertSupplyConserved, proofOfPossessionMessage, signProofOfPossession } from '../src/chain/index.js'
import { USERS, VALIDATOR_KEYS, blsSecret, coinsOf, decodeEffects, keypair, newChain, refOf, sign, validatorInfo } from './chain-helpers.js'

const SOMA = 1_000_000_000n
const T0 = 1_000_000n
const EPOCH = 60_000n
const str = (s: string) => encodeBcs(bcsTypes.Url, s)

/** AddValidator arguments for a candidate with its own keys (index i picks keys and ports). */
function candidateArgs(i: number, address: string, overrides: Record<string, Uint8Array> = {}) {
  const info = validatorInfo(i, keypair(300 + i))
  const { publicKey, proof } = signProofOfPossession(blsSecret(i), address)
  return {
    pubkeyBytes: publicKey,
    networkPubkeyBytes: info.networkPubkey,
    workerPubkeyBytes: info.workerPubkey,
    proofOfPossession: proof,
    netAddress: str(info.netAddress),
    p2pAddress: str(info.p2pAddress),
    primaryAddress: str(info.primaryAddress),
    proxyAddress: str(info.proxyAddress),
    ...overrides,
  }
}

function gas(chain: ReturnType<typeof newChain>, address: string, index = 0) {
  return refOf(coinsOf(chain, address)[index]!)
}

describe('proof of possession', () => {
  it('signs the 141 bytes of wire.md §3.6: 08 00 01 80 01 ‖ pk ‖ address ‖ epoch 0', () => {
    const msg = proofOfPossessionMessage(new Uint8Array(96).fill(1), VALIDATOR_KEYS[0]!.toSomaAddress())
    expect(msg).toHaveLength(141)
    expect([...msg.slice(0, 5)]).toEqual([8, 0, 1, 0x80, 0x01])
    expect([...msg.slice(133)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0])
  })
})

describe('validator transactions', () => {
  it('test_reconfig_with_committee_change_basic / test_validator_candidate_pool_read: AddValidator + AddStake, then it joins', () => {
    const chain = newChain(10, EPOCH)
    const candidate = USERS[0]!
    const address = candidate.toSomaAddress()
    const add = chain.execute(sign(candidate, { AddValidator: candidateArgs(11, address) }, [gas(chain, address)]))
    expect(add.errorName).toBeUndefined()
    expect(decodeEffects(add.effects).transactionFee).toEqual({ baseFee: 1000n, operationFee: 600n, valueFee: 0n, totalFee: 1600n })
    let state = chain.systemState()
    const pending = state.validators.pendingValidators[0]!
    expect(pending.metadata.somaAddress).toBe(address)
    expect(pending.commissionRate).toBe(10n)
    expect(pending.stakingPool.activationEpoch).toBeNull()
    // 0.20% of the total stake, enough for raw voting power ≥ 12 after the boundary.
    const stake = (state.validators.totalStake * 20n) / 10_000n
    const staked = chain.execute(sign(candidate, { AddStake: { address, coinRef: gas(chain, address, 1), amount: stake } }, [gas(chain, address)]))
    expect(staked.errorName).toBeUndefined()
    state = chain.systemState()
    expect(state.validators.pendingValidators[0]!.stakingPool.somaBalance).toBe(stake) // preactive: processed at once
    chain.advanceEpoch(T0 + EPOCH)
    state = chain.systemState()
    expect(state.validators.validators).toHaveLength(11)
    const joined = state.validators.validators.find((v) => v.metadata.somaAddress === address)!
    expect(joined.stakingPool.activationEpoch).toBe(1n)
    expect(joined.votingPower).toBeGreaterThan(0n)
    // RemoveValidator and a reconfiguration give 10 again; the pool stays readable (test_inactive_validator_pool_read).
    const remove = chain.execute(sign(candidate, { RemoveValidator: { pubkeyBytes: new Uint8Array() } }, [gas(chain, address)]))
    expect(remove.errorName).toBeUndefined()
    expect(chain.execute(sign(candidate, { RemoveValidator: { pubkeyBytes: new Uint8Array() } }, [gas(chain, address)])).errorName).toBe('ValidatorAlreadyRemoved')
    chain.advanceEpoch(T0 + 2n * EPOCH)
    state = chain.systemState()
    expect(state.validators.validators).toHaveLength(10)
    expect(state.validators.inactiveValidators.get(joined.stakingPool.id)!.stakingPool.deactivationEpoch).toBe(2n)
    assertSupplyConserved(chain.store)
  })

  it('AddValidator checks in order: keys, proof of possession, addresses, duplicates', () => {
    const chain = newChain(2, EPOCH)
    const who = USERS[1]!
    const address = who.toSomaAddress()
    const run = (args: ReturnType<typeof candidateArgs>) => chain.execute(sign(who, { AddValidator: args }, [gas(chain, address)])).errorName
    expect(run(candidateArgs(5, address, { pubkeyBytes: new Uint8Array(96).fill(3) }))).toBe('InvalidArguments')
    expect(run(candidateArgs(5, address, { networkPubkeyBytes: new Uint8Array(31) }))).toBe('InvalidArguments')
    // A proof for another address does not verify.
    const other = signProofOfPossession(blsSecret(5), USERS[2]!.toSomaAddress()).proof
    expect(run(candidateArgs(5, address, { proofOfPossession: other }))).toBe('InvalidProofOfPossession')
    expect(run(candidateArgs(5, address, { proofOfPossession: new Uint8Array(10) }))).toBe('InvalidProofOfPossession')
    expect(run(candidateArgs(5, address, { netAddress: str('not a multiaddr') }))).toBe('InvalidArguments')
    expect(run(candidateArgs(5, address, { p2pAddress: new Uint8Array([5, 1]) }))).toBe('InvalidArguments')
    // Same network key as genesis validator 0.
    expect(run(candidateArgs(5, address, { networkPubkeyBytes: validatorInfo(0).networkPubkey }))).toBe('DuplicateValidatorMetadata')
    expect(run(candidateArgs(5, address, { netAddress: str(validatorInfo(1).netAddress) }))).toBe('DuplicateValidatorMetadata')
    expect(run(candidateArgs(5, address))).toBeUndefined()
    expect(run(candidateArgs(6, address))).toBe('DuplicateValidator')
    // A genesis validator cannot add itself again either.
    const v0 = VALIDATOR_KEYS[0]!
    expect(chain.execute(sign(v0, { AddValidator: candidateArgs(7, v0.toSomaAddress()) }, [gas(chain, v0.toSomaAddress())])).errorName).toBe('DuplicateValidator')
  })

  it('reports, commission and metadata: the chain error names', () => {
    const chain = newChain(2, EPOCH)
    const [v0, v1] = [VALIDATOR_KEYS[0]!, VALIDATOR_KEYS[1]!]
    const a0 = v0.toSomaAddress()
    const a1 = v1.toSomaAddress()
    const user = USERS[0]!
    const run = (key: typeof v0, kind: Parameters<typeof sign>[1]) => chain.execute(sign(key, kind, [gas(chain, key.toSomaAddress())])).errorName
    expect(run(user, { ReportValidator: { reportee: a0 } })).toBe('NotAValidator')
    expect(run(v0, { ReportValidator: { reportee: user.toSomaAddress() } })).toBe('NotAValidator')
    expect(run(v0, { ReportValidator: { reportee: a0 } })).toBe('CannotReportOneself')
    expect(run(v0, { UndoReportValidator: { reportee: a1 } })).toBe('ReportRecordNotFound')
    expect(run(v0, { ReportValidator: { reportee: a1 } })).toBeUndefined()
    expect(chain.systemState().validatorReportRecords.get(a1)).toEqual([a0])
    expect(run(v0, { UndoReportValidator: { reportee: a1 } })).toBeUndefined()
    expect(chain.systemState().validatorReportRecords.size).toBe(0)
    expect(run(v0, { SetCommissionRate: { newRate: 10_001n } })).toBe('SomaError')
    expect(run(user, { SetCommissionRate: { newRate: 5n } })).toBe('NotAValidator')
    expect(run(v0, { SetCommissionRate: { newRate: 500n } })).toBeUndefined()
    expect(chain.systemState().validators.validators[0]!.commissionRate).toBe(200n)
    const none = {
      nextEpochNetworkAddress: null,
      nextEpochP2pAddress: null,
      nextEpochPrimaryAddress: null,
      nextEpochProxyAddress: null,
      nextEpochProtocolPubkey: null,
      nextEpochWorkerPubkey: null,
      nextEpochNetworkPubkey: null,
      nextEpochProofOfPossession: null,
    }
    const fresh = signProofOfPossession(blsSecret(9), a0)
    expect(run(v0, { UpdateValidatorMetadata: { ...none, nextEpochProtocolPubkey: fresh.publicKey } })).toBe('MissingProofOfPossession')
    expect(run(v0, { UpdateValidatorMetadata: { ...none, nextEpochP2pAddress: str(validatorInfo(1).p2pAddress) } })).toBe('DuplicateValidatorMetadata')
    expect(
      run(v0, {
        UpdateValidatorMetadata: { ...none, nextEpochProtocolPubkey: fresh.publicKey, nextEpochProofOfPossession: fresh.proof, nextEpochNetworkAddress: str('/dns/node0.example/tcp/9000/http') },
      }),
    ).toBeUndefined()
    expect(run(user, { UpdateValidatorMetadata: none })).toBe('NotAValidator')
    chain.advanceEpoch(T0 + EPOCH)
    const v = chain.systemState().validators.validators.find((x) => x.metadata.somaAddress === a0)!
    expect(v.commissionRate).toBe(500n)
    expect(v.metadata.netAddress).toBe('/dns/node0.example/tcp/9000/http')
    expect(v.metadata.protocolPubkey).toEqual(fresh.publicKey)
    expect(v.metadata.nextEpochProtocolPubkey).toBeNull()
  })

  it('a validator reported by a quorum (3 of 4, 7_500 voting power) loses half its reward to the others', () => {
    const chain = newChain(4, EPOCH)
    const reportee = VALIDATOR_KEYS[3]!.toSomaAddress()
    for (const k of VALIDATOR_KEYS.slice(0, 3)) {
      expect(chain.execute(sign(k, { ReportValidator: { reportee } }, [gas(chain, k.toSomaAddress())])).errorName).toBeUndefined()
    }
    const before = chain.systemState()
    expect(before.validators.validators.map((v) => v.votingPower)).toEqual([2_500n, 2_500n, 2_500n, 2_500n])
    const balanceOf = (s: typeof before, address: string) => s.validators.validators.find((v) => v.metadata.somaAddress === address)!.stakingPool.somaBalance
    const fees = chain.epochFees
    chain.advanceEpoch(T0 + EPOCH) // a full epoch: fees + 1_370 SOMA emission, 70% to validators
    const after = chain.systemState()
    const allocation = ((1_370n * SOMA + fees) * 7_000n) / 10_000n
    const unadjusted = (2_500n * allocation) / 10_000n
    const slashed = unadjusted - (unadjusted * 5_000n) / 10_000n
    const bonus = unadjusted + ((unadjusted * 5_000n) / 10_000n * 2_500n) / 7_500n
    // The staker share is deposited and the 2% commission is staked for the validator; both reach
    // the pool balance in the same boundary (the commission stake activates at the new epoch).
    expect(balanceOf(after, reportee) - balanceOf(before, reportee)).toBe(slashed)
    const a0 = VALIDATOR_KEYS[0]!.toSomaAddress()
    expect(balanceOf(after, a0) - balanceOf(before, a0)).toBe(bonus)
    // Validator report records persist across epochs.
    expect(after.validatorReportRecords.get(reportee)).toHaveLength(3)
    assertSupplyConserved(chain.store)
  })
})
