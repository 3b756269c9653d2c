/**
 * The reference's model JSON shapes (`ModelSummary`, `ModelInfoOutput`, `ModelListOutput`) from the
 * chain's model registry, and their human tables.
 */
import type { bcsTypes } from '@soma-ts/sdk'

import { formatSomaHuman, jsonInt } from '../format.js'
import { table } from './keys-shared.js'

type RegistryModel = bcsTypes.Model

/** `ModelStatus` as the reference serializes it. */
export type ModelStatus = 'Created' | 'Pending' | 'Active' | 'Inactive'

/** The reference's `ModelSummary`: u64 amounts are bigints here, numbers in the JSON. */
export interface ModelSummary {
  model_id: string
  owner: string
  status: ModelStatus
  architecture_version: bigint
  commission_rate: bigint
  stake_balance: bigint
  has_pending_update: boolean
}

export function modelSummary(modelId: string, model: RegistryModel): ModelSummary {
  const v1 = model.V1
  const status = v1.$kind as ModelStatus
  const inner = (v1.Created ?? v1.Pending ?? v1.Active ?? v1.Inactive)!
  return {
    model_id: modelId,
    owner: inner.owner,
    status,
    architecture_version: inner.architectureVersion,
    commission_rate: inner.commissionRate,
    stake_balance: inner.stakingPool.somaBalance,
    has_pending_update: v1.Active ? v1.Active.pendingUpdate !== null : false,
  }
}

/** `ModelSummary` as the reference's serde JSON (u64 as numbers). */
export function modelSummaryJson(s: ModelSummary): Record<string, unknown> {
  return {
    model_id: s.model_id,
    owner: s.owner,
    status: s.status,
    architecture_version: jsonInt(s.architecture_version),
    commission_rate: jsonInt(s.commission_rate),
    stake_balance: jsonInt(s.stake_balance),
    has_pending_update: s.has_pending_update,
  }
}

/** `ModelInfoOutput{model_id, status, summary}`. */
export function modelInfoJson(s: ModelSummary): Record<string, unknown> {
  return { model_id: s.model_id, status: s.status, summary: modelSummaryJson(s) }
}

/** Address text without `0x`, as the reference's Display of `SomaAddress`. */
const bare = (address: string) => (address.startsWith('0x') ? address.slice(2) : address)

export function modelInfoTable(s: ModelSummary): string {
  const rows = [
    ['Model ID', s.model_id],
    ['Owner', bare(s.owner)],
    ['Status', s.status],
    ['Architecture', String(s.architecture_version)],
    ['Commission Rate', `${(Number(s.commission_rate) / 100).toFixed(2)}%`],
    ['Stake Balance', `${s.stake_balance} shannons (${formatSomaHuman(s.stake_balance)})`],
  ]
  if (s.has_pending_update) rows.push(['Pending Update', 'Yes'])
  return table(rows, { title: 'Model Information' })
}

export function modelListText(models: readonly ModelSummary[]): string {
  if (models.length === 0) return 'No models registered.'
  const blocks = models.map((s) =>
    [
      s.model_id,
      `  Owner: ${bare(s.owner)}`,
      `  Status: ${s.status}   Arch: ${s.architecture_version}   Stake: ${formatSomaHuman(s.stake_balance)}   Update: ${s.has_pending_update ? 'Yes' : 'No'}`,
    ].join('\n'),
  )
  return [`Models (${models.length} registered)`, ...blocks].join('\n\n')
}
