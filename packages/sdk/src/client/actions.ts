/**
 * Every action as a method bound to a client (viem's `client.extend(publicActions)` shape): each
 * method is the free function of `src/actions/` with the client filled in.
 */
import { addStake } from '../actions/add-stake.js'
import { addStakeToModel } from '../actions/add-stake-to-model.js'
import { advanceEpoch } from '../actions/advance-epoch.js'
import { claimRewards } from '../actions/claim-rewards.js'
import { commitModel } from '../actions/commit-model.js'
import { commitModelUpdate } from '../actions/commit-model-update.js'
import { createModel } from '../actions/create-model.js'
import { deactivateModel } from '../actions/deactivate-model.js'
import { getBalance } from '../actions/get-balance.js'
import { getEpoch } from '../actions/get-epoch.js'
import { getLatestSystemState } from '../actions/get-latest-system-state.js'
import { getObject } from '../actions/get-object.js'
import { listOwnedObjects } from '../actions/list-owned-objects.js'
import { mergeCoins } from '../actions/merge-coins.js'
import { payCoins } from '../actions/pay-coins.js'
import { removeValidator } from '../actions/remove-validator.js'
import { reportModel } from '../actions/report-model.js'
import { reportSubmission } from '../actions/report-submission.js'
import { reportValidator } from '../actions/report-validator.js'
import { requestFaucet } from '../actions/request-faucet.js'
import { revealModel } from '../actions/reveal-model.js'
import { revealModelUpdate } from '../actions/reveal-model-update.js'
import { setModelCommissionRate } from '../actions/set-model-commission-rate.js'
import { setValidatorCommissionRate } from '../actions/set-validator-commission-rate.js'
import { submit } from '../actions/submit.js'
import { submitData } from '../actions/submit-data.js'
import { transferCoin } from '../actions/transfer-coin.js'
import { transferObjects } from '../actions/transfer-objects.js'
import { undoReportModel } from '../actions/undo-report-model.js'
import { undoReportSubmission } from '../actions/undo-report-submission.js'
import { undoReportValidator } from '../actions/undo-report-validator.js'
import { waitForNextEpoch } from '../actions/wait-for-next-epoch.js'
import { withdrawStake } from '../actions/withdraw-stake.js'
import { getTargets, listTargets, getTarget } from '../actions/get-targets.js'
import { getModelManifests } from '../actions/get-model-manifests.js'
import { getActiveModels } from '../actions/get-active-models.js'
import { getModel } from '../actions/get-model.js'
import { getChainInfo, getNetworkParameters } from '../actions/get-chain-info.js'
import { getCheckpoint } from '../actions/get-checkpoint.js'
import { getTransaction } from '../actions/get-transaction.js'
import { executeTransaction, simulateTransaction } from '../actions/execute-transaction.js'
import { scoringHealth } from '../actions/scoring-health.js'
import { score } from '../actions/score.js'
import { fetchModel } from '../actions/fetch-model.js'
import { fetchSubmissionData } from '../actions/fetch-submission-data.js'
import { addValidator } from '../actions/add-validator.js'
import { updateValidatorMetadata } from '../actions/update-validator-metadata.js'
import { signAndExecute } from './execute.js'
import type { SomaClientCore } from './types.js'

/** The actions, by method name. */
export const somaActionTable = {
  addValidator,
  executeTransaction,
  fetchModel,
  fetchSubmissionData,
  getActiveModels,
  getChainInfo,
  getCheckpoint,
  getModel,
  getModelManifests,
  getNetworkParameters,
  getTarget,
  getTargets,
  getTransaction,
  listTargets,
  score,
  scoringHealth,
  simulateTransaction,
  updateValidatorMetadata,
  addStake,
  addStakeToModel,
  advanceEpoch,
  claimRewards,
  commitModel,
  commitModelUpdate,
  createModel,
  deactivateModel,
  getBalance,
  getEpoch,
  getLatestSystemState,
  getObject,
  listOwnedObjects,
  mergeCoins,
  payCoins,
  removeValidator,
  reportModel,
  reportSubmission,
  reportValidator,
  requestFaucet,
  revealModel,
  revealModelUpdate,
  setModelCommissionRate,
  setValidatorCommissionRate,
  signAndExecute,
  submit,
  submitData,
  transferCoin,
  transferObjects,
  undoReportModel,
  undoReportSubmission,
  undoReportValidator,
  waitForNextEpoch,
  withdrawStake,
} as const

type Bound<F> = F extends (client: SomaClientCore, ...rest: infer A) => infer R ? (...rest: A) => R : never

/** Every action of `somaActionTable` as a method without its first (client) argument. */
export type SomaActions = { [K in keyof typeof somaActionTable]: Bound<(typeof somaActionTable)[K]> }

/** A client: its core (rpc, urls, services) plus every action as a method. */
export type SomaClient = SomaClientCore & SomaActions

/** Binds every action to `core`. */
export function withActions(core: SomaClientCore): SomaClient {
  const methods = {} as Record<string, unknown>
  for (const [name, fn] of Object.entries(somaActionTable)) {
    methods[name] = (...args: unknown[]) => (fn as (c: SomaClientCore, ...a: unknown[]) => unknown)(client, ...args)
  }
  const client = Object.assign(core, methods) as unknown as SomaClient
  return client
}
