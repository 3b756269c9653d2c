/**
 * The side services' gRPC methods: paths (tonic `manual` builders: package.Service/Route) and
 * their BCS message types. The framing is standard gRPC; only the message codec is BCS.
 */
import type { BcsType } from '@mysten/bcs'

import {
  AdvanceEpochRequest,
  AdvanceEpochResponse,
  GasRequest,
  GasResponse,
  HealthRequest,
  HealthResponse,
  ScoreRequest,
  ScoreResponse,
} from './types.js'

export interface BcsMethod<Req, ReqIn, Res, ResIn> {
  path: string
  request: BcsType<Req, ReqIn>
  response: BcsType<Res, ResIn>
}

function method<Req, ReqIn, Res, ResIn>(path: string, request: BcsType<Req, ReqIn>, response: BcsType<Res, ResIn>): BcsMethod<Req, ReqIn, Res, ResIn> {
  return { path, request, response }
}

export const FaucetMethods = {
  requestGas: method('/faucet.Faucet/RequestGas', GasRequest, GasResponse),
} as const

export const ScoringMethods = {
  score: method('/scoring.Scoring/Score', ScoreRequest, ScoreResponse),
  health: method('/scoring.Scoring/Health', HealthRequest, HealthResponse),
} as const

export const AdminMethods = {
  advanceEpoch: method('/admin.Admin/AdvanceEpoch', AdvanceEpochRequest, AdvanceEpochResponse),
} as const

/** Default local ports (sdk-cli.md §3.1). */
export const SIDE_SERVICE_PORTS = { faucet: 9123, scoring: 9124, admin: 9125 } as const
