/**
 * `soma target …`: list, info, score, submit, claim, download. `score` runs a local data file
 * against the target's models (on the scoring service, or on this machine with `--local`);
 * `submit` scores first when no scores are given, and uploads the data when no `--data-url` is.
 */
import { randomUUID } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'

import { bcsTypes, decodeBcs, FileError, InvalidArgumentError, InvalidDataError, normalizeAddress, type ScoreResult } from '@soma-ts/sdk'
import type { Target } from '@soma-ts/sdk/actions'
import { defaultStorage, type NodeSomaClient } from '@soma-ts/sdk/node'
import type { Command } from 'commander'

import { withContext, type CliContext } from '../context.js'
import { downloadToFile } from '../download.js'
import { formatDuration, formatSomaHuman, jsonInt } from '../format.js'
import { withExamples } from '../help.js'
import { print } from '../output.js'
import { progressBar } from '../progress.js'
import { addTxFlags, printTxOutcome, runTx, type TxFlags } from '../tx.js'
import { table, toReferenceJson } from './keys-shared.js'
import { parseFloat32, parseFloats, parseWhole } from './model-args.js'

/** The scoring service's data limit (and the protocol's `max_submission_data_size` on the local network). */
const MAX_DATA_BYTES = 1 << 20

/** Reads a data file, refusing a huge one before reading it. */
export async function readDataFile(path: string): Promise<Uint8Array> {
  let size: number
  try {
    const info = await stat(path)
    if (!info.isFile()) throw new Error('not a regular file')
    size = info.size
  } catch (cause) {
    throw new FileError(`Cannot read the data file ${path}.`, { cause })
  }
  if (size === 0) throw new InvalidDataError('SOMA_EMPTY_DATA', `The data file ${path} is empty.`)
  if (size > MAX_DATA_BYTES) throw new InvalidDataError('SOMA_DATA_TOO_LARGE', `data too large: ${size} bytes, the limit is ${MAX_DATA_BYTES} bytes`)
  try {
    return new Uint8Array(await readFile(path))
  } catch (cause) {
    throw new FileError(`Cannot read the data file ${path}.`, { cause })
  }
}

/** Uploads a data file to S3 (when `S3_BUCKET` is configured) or the local network's blob store; returns its URL. */
export async function uploadData(client: NodeSomaClient, path: string, json: boolean): Promise<string> {
  const storage = defaultStorage(client)
  const size = (await stat(path)).size
  const bar = progressBar('uploading', size, { json })
  const uploaded = await storage.upload(path, { key: `data/${randomUUID()}/data.bin`, onProgress: (p) => bar.update(p.transferred) })
  bar.finish()
  return uploaded.url
}

/** What scoring a data file against a target gives: the reference's `ScoreResult`, with the winner's model id. */
export interface TargetScore {
  target_id: string
  data_url: string
  /** The models scored, in the order `winner` indexes. */
  model_ids: string[]
  winner: number
  winning_model_id: string
  loss_score: number[]
  embedding: number[]
  distance: number[]
  /** `distance[winner]`: the value to submit, at most the target's threshold. */
  distance_score: number
  distance_threshold: number
}

/** Scores data against a target's models (those with a manifest, in the target's order). */
export async function scoreAgainstTarget(
  client: NodeSomaClient,
  target: Target,
  data: Uint8Array,
  dataUrl: string,
  options: { local?: boolean; seed?: bigint; json?: boolean | undefined },
): Promise<TargetScore> {
  const manifests = await client.getModelManifests({ models: target })
  if (manifests.length === 0) {
    throw new InvalidArgumentError(`Target ${target.id} has no model with published weights to score against.`, {
      hint: 'Targets are assigned active models at each epoch boundary; run `soma model list`.',
    })
  }
  let bar: ReturnType<typeof progressBar> | undefined
  let phase: string | undefined
  const result: ScoreResult = await client.score({
    dataUrl,
    data,
    models: manifests,
    targetEmbedding: target.embedding,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.local ? { local: true } : {}),
    onProgress: (p) => {
      if (phase !== p.phase) {
        bar?.finish()
        phase = p.phase
        bar = progressBar(p.phase === 'download' ? 'downloading models' : 'scoring', p.total, { json: options.json, unit: 'items' })
      }
      bar?.update(p.done)
    },
  })
  bar?.finish()
  const winner = manifests[result.winner]
  if (winner === undefined) throw new InvalidArgumentError(`The scorer named model ${result.winner} of ${manifests.length}.`)
  return {
    target_id: target.id,
    data_url: dataUrl,
    model_ids: manifests.map((m) => m.modelId),
    winner: result.winner,
    winning_model_id: winner.modelId,
    loss_score: result.lossScore,
    embedding: result.embedding,
    distance: result.distance,
    distance_score: result.distance[result.winner] ?? result.distance[0]!,
    distance_threshold: target.distanceThreshold,
  }
}

export function scoreText(s: TargetScore): string {
  const within = s.distance_score <= s.distance_threshold
  return [
    `Scored against target ${s.target_id}`,
    `  winner         : model ${s.winner} ${s.winning_model_id}`,
    `  loss_score     : ${s.loss_score.join(', ')}`,
    `  distance       : ${s.distance_score} (threshold ${s.distance_threshold}: ${within ? 'within, can submit' : 'too far, cannot submit'})`,
    `  embedding      : [${s.embedding.join(', ')}]`,
  ].join('\n')
}

const TARGET_STATUSES = ['open', 'filled', 'claimed', 'expired'] as const

function targetStatusText(status: bcsTypes.Target['status']): string {
  if (status.Filled) return `Filled (epoch ${status.Filled.fillEpoch})`
  return status.$kind
}

/** The client with the services a target command may use (scoring, the blob store). */
function targetClient(ctx: CliContext, flags: { scoringUrl?: string; blobStoreUrl?: string }): NodeSomaClient {
  const scoringUrl = ctx.scoringUrl(flags.scoringUrl)
  const blobStoreUrl = ctx.blobStoreUrl(flags.blobStoreUrl)
  return ctx.client({ ...(scoringUrl ? { scoringUrl } : {}), ...(blobStoreUrl ? { blobStoreUrl } : {}) })
}

function serviceOptions(cmd: Command): Command {
  return cmd
    .option('--scoring-url <url>', 'the scoring service (default $SOMA_SCORING_URL, or port 9124 for a local env)')
    .option('--blob-store-url <url>', 'where data is uploaded when no S3 is configured (default $SOMA_BLOB_STORE_URL, or port 9126 for a local env)')
}

interface ScoreFlags {
  dataFile: string
  dataUrl?: string
  local?: boolean
  seed: string
  scoringUrl?: string
  blobStoreUrl?: string
}

interface SubmitFlags extends TxFlags, ScoreFlags {
  targetId: string
  modelId?: string
  embedding?: string
  distanceScore?: string
  lossScore?: string
}

const SCORE_FLAGS = ['modelId', 'embedding', 'distanceScore', 'lossScore'] as const
const FLAG_NAMES: Record<(typeof SCORE_FLAGS)[number], string> = {
  modelId: '--model-id',
  embedding: '--embedding',
  distanceScore: '--distance-score',
  lossScore: '--loss-score',
}

/** `target submit`: the given scores, or a fresh score of the data file; the data uploaded when no URL is given. */
async function submit(ctx: CliContext, flags: SubmitFlags): Promise<void> {
  const given = SCORE_FLAGS.filter((f) => flags[f] !== undefined)
  if (given.length > 0 && given.length < SCORE_FLAGS.length) {
    const missing = SCORE_FLAGS.filter((f) => flags[f] === undefined).map((f) => FLAG_NAMES[f])
    throw new InvalidArgumentError(`Give all of the scores or none: missing ${missing.join(', ')}.`, {
      hint: 'Without --model-id, --embedding, --distance-score and --loss-score the data is scored first (add --local to score on this machine).',
    })
  }
  const seed = parseWhole(flags.seed, '--seed')
  const given4 =
    given.length === SCORE_FLAGS.length
      ? {
          modelId: normalizeAddress(flags.modelId!),
          embedding: parseFloats(flags.embedding!, '--embedding'),
          distanceScore: parseFloat32(flags.distanceScore!, '--distance-score'),
          lossScore: parseFloats(flags.lossScore!, '--loss-score'),
        }
      : undefined
  const data = await readDataFile(flags.dataFile)
  const client = targetClient(ctx, flags)
  const target = await client.getTarget({ targetId: flags.targetId })
  const dataUrl = flags.dataUrl ?? (await uploadData(client, flags.dataFile, ctx.json))
  let scored: TargetScore | undefined
  let scores = given4
  if (scores === undefined) {
    scored = await scoreAgainstTarget(client, target, data, dataUrl, { local: flags.local === true, seed, json: ctx.json })
    if (scored.distance_score > scored.distance_threshold) {
      throw new InvalidArgumentError(
        `The data is too far from target ${target.id}: distance ${scored.distance_score} is above the threshold ${scored.distance_threshold}.`,
        { hint: 'Try another target (soma target list), or other data.' },
      )
    }
    scores = { modelId: scored.winning_model_id, embedding: scored.embedding, distanceScore: scored.distance_score, lossScore: scored.loss_score }
    if (!ctx.json) process.stdout.write(`${scoreText(scored)}\n\n`)
  }
  const state = await client.getLatestSystemState()
  const remaining = state.epochStartTimestampMs + state.parameters.epochDurationMs - BigInt(Date.now())
  const left = remaining > 0n ? remaining : 0n
  const nextEpochHint = `Next epoch in ${formatDuration(left)}`
  const claimEpochHint = `Claiming available in ${formatDuration(left + state.parameters.epochDurationMs)}`
  const signer = ctx.signer()
  const outcome = await runTx(flags, (extra) =>
    client.submitData({ signer, targetId: target.id, data, dataUrl, ...scores!, ...extra }),
  )
  printTxOutcome(ctx, outcome, {
    extra: { next_epoch_hint: nextEpochHint, claim_epoch_hint: claimEpochHint, ...(flags.dataUrl === undefined ? { data_url: dataUrl } : {}), ...(scored ? { score: scored } : {}) },
    footer: ['', '  Submission accepted.', `  >> Audit window closes at epoch boundary (${nextEpochHint})`, `  >> ${claimEpochHint}`],
  })
}

export function registerTarget(program: Command): Command {
  const target = withExamples(
    program.command('target').description('Targets: list, inspect, score data against, submit, claim, download'),
    'soma target list',
    'soma target submit --target-id 0xTARGET_ID --data-file ./data.bin',
  )

  withExamples(
    target
      .command('list')
      .description('List targets (open ones by default)')
      .option('-s, --status <status>', 'open, filled, claimed or expired')
      .option('--claimable', 'targets ready to claim (expired open ones, and filled ones past the audit window)')
      .option('-e, --epoch <n>', 'only targets generated in this epoch')
      .option('--submitter <address>', 'only targets filled by this address')
      .option('--limit <n>', 'at most this many (1 to 1000)', '100'),
    'soma target list',
    'soma target list --status filled --json',
    'soma target list --claimable',
  ).action((opts: { status?: string; claimable?: boolean; epoch?: string; submitter?: string; limit: string }, cmd: Command) =>
    withContext(cmd, async (ctx) => {
      if (opts.claimable && opts.status !== undefined) throw new InvalidArgumentError('--claimable cannot be used with --status.')
      const status = opts.claimable ? 'claimable' : (opts.status ?? 'open').toLowerCase()
      if (!opts.claimable && !(TARGET_STATUSES as readonly string[]).includes(status)) {
        throw new InvalidArgumentError(`Unknown target status ${JSON.stringify(opts.status?.slice(0, 40))}.`, { hint: 'Use open, filled, claimed or expired (or --claimable).' })
      }
      const limit = Number(parseWhole(opts.limit, '--limit', 1000n))
      if (limit < 1) throw new InvalidArgumentError('--limit must be at least 1.')
      const { targets } = await ctx.client().listTargets({
        status: status as 'open',
        limit,
        ...(opts.epoch !== undefined ? { epoch: parseWhole(opts.epoch, '--epoch') } : {}),
        ...(opts.submitter !== undefined ? { submitter: ctx.address(opts.submitter) } : {}),
      })
      const summaries = targets.map((t) => ({
        target_id: t.id,
        status: t.status,
        generation_epoch: jsonInt(t.generationEpoch),
        model_count: t.modelIds.length,
        reward_pool: jsonInt(t.rewardPool),
        distance_threshold: t.distanceThreshold,
      }))
      print({ json: ctx.json }, { targets: summaries }, () =>
        summaries.length === 0
          ? 'No targets found.'
          : [
              `Targets (${summaries.length} found)`,
              ...targets.map(
                (t) => `${t.id}\n  Status: ${t.status}   Models: ${t.modelIds.length}   Reward: ${formatSomaHuman(t.rewardPool)}   Threshold: ${t.distanceThreshold}`,
              ),
            ].join('\n'),
      )
    }),
  )

  withExamples(target.command('info').description('Show a target, decoded from its object').argument('<TARGET_ID>', 'the target'), 'soma target info 0xTARGET_ID').action(
    (targetId: string, _opts: unknown, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const id = normalizeAddress(targetId)
        const object = await ctx.client().rpc.getObject(id)
        if (object.objectType !== 'Target') throw new InvalidArgumentError(`Object ${id} is not a target.`, { hint: 'Run `soma target list` to see the targets.' })
        const t = decodeBcs(bcsTypes.Target, object.contents ?? new Uint8Array())
        print({ json: ctx.json }, { target_id: id, target: toReferenceJson(t) }, () => {
          const rows = [
            ['Target ID', id],
            ['Status', targetStatusText(t.status)],
            ['Generation Epoch', String(t.generationEpoch)],
            ['Embedding Dimension', String(t.embedding.values.length)],
            ['Model Count', String(t.modelIds.length)],
            ['Distance Threshold', String(t.distanceThreshold.values[0])],
            ['Reward Pool', `${t.rewardPool} shannons (${formatSomaHuman(t.rewardPool)})`],
          ]
          if (t.submitter) rows.push(['Submitter', t.submitter.slice(2)])
          if (t.winningModelId) rows.push(['Winning Model', t.winningModelId])
          if (t.winningModelOwner) rows.push(['Model Owner', t.winningModelOwner.slice(2)])
          if (t.bondAmount > 0n) rows.push(['Bond Amount', `${t.bondAmount} shannons (${formatSomaHuman(t.bondAmount)})`])
          if (t.winningDataManifest) {
            rows.push(['Data URL', t.winningDataManifest.manifest.V1.url], ['Data Size', `${t.winningDataManifest.manifest.V1.metadata.V1.size} bytes`])
          }
          const models = t.modelIds.length === 0 ? [] : ['', 'Assigned Models:', ...t.modelIds.map((m, i) => `  ${i + 1}. ${m}`)]
          return [table(rows, { title: 'Target Information' }), ...models].join('\n')
        })
      }),
  )

  withExamples(
    serviceOptions(
      target
        .command('score')
        .description("Score a local data file against the target's models (on the scoring service, or this machine with --local)")
        .argument('<TARGET_ID>', 'the target')
        .requiredOption('--data-file <path>', 'the data to score (1 byte to 1 MiB)')
        .option('--data-url <url>', 'where the scoring service fetches the data (default: upload it to S3 or the blob store)')
        .option('--local', "score on this machine's engine instead of the scoring service")
        .option('--seed <n>', 'the SIGReg noise seed', '0'),
    ),
    'soma target score 0xTARGET_ID --data-file ./data.bin --local',
    'soma target score 0xTARGET_ID --data-file ./data.bin --json',
  ).action((targetId: string, opts: ScoreFlags, cmd: Command) =>
    withContext(cmd, async (ctx) => {
      const seed = parseWhole(opts.seed, '--seed')
      const data = await readDataFile(opts.dataFile)
      const client = targetClient(ctx, opts)
      const t = await client.getTarget({ targetId })
      // Local scoring reads the bytes here; only the service needs a URL to fetch them from.
      const dataUrl = opts.dataUrl ?? (opts.local ? pathToFileURL(opts.dataFile).href : await uploadData(client, opts.dataFile, ctx.json))
      const s = await scoreAgainstTarget(client, t, data, dataUrl, { local: opts.local === true, seed, json: ctx.json })
      print({ json: ctx.json }, s, () => scoreText(s))
    }),
  )

  withExamples(
    addTxFlags(
      serviceOptions(
        target
          .command('submit')
          .description('Submit data to fill a target; without scores the data is scored first, without --data-url it is uploaded')
          .requiredOption('--target-id <id>', 'the target')
          .requiredOption('--data-file <path>', 'the data (its Blake2b-256 and size are computed)')
          .option('--data-url <url>', 'where validators fetch the data (default: upload it to S3 or the blob store)')
          .option('--model-id <id>', "the model the data was scored with (one of the target's)")
          .option('--embedding <f32,...>', "the data's embedding (the score's)")
          .option('--distance-score <f32>', 'the distance to the target (at most its threshold)')
          .option('--loss-score <f32,...>', "the score's loss")
          .option('--local', 'when scoring first: on this machine instead of the scoring service')
          .option('--seed <n>', 'when scoring first: the SIGReg noise seed', '0'),
      ),
    ),
    'soma target submit --target-id 0xTARGET_ID --data-file ./data.bin',
    'soma target submit --target-id 0xTARGET_ID --data-file ./data.bin --data-url https://storage.example.com/data.bin --model-id 0xMODEL_ID --embedding 0.1,0.2,0.3 --distance-score 0.5 --loss-score 1.2',
  ).action((flags: SubmitFlags, cmd: Command) => withContext(cmd, (ctx) => submit(ctx, flags)))

  withExamples(
    addTxFlags(target.command('claim').description("Claim a target's rewards once its challenge window has closed").argument('<TARGET_ID>', 'the target')),
    'soma target claim 0xTARGET_ID',
  ).action((targetId: string, flags: TxFlags, cmd: Command) =>
    withContext(cmd, async (ctx) => {
      const id = normalizeAddress(targetId)
      const signer = ctx.signer()
      printTxOutcome(ctx, await runTx(flags, (extra) => ctx.client().claimRewards({ signer, targetId: id, ...extra })))
    }),
  )

  withExamples(
    target
      .command('download')
      .description("Download a filled target's winning data (the manifest URL first, then the node's /data route)")
      .argument('<TARGET_ID>', 'the target')
      .option('-o, --output <path>', 'the output file (default ./<TARGET_ID>.data)'),
    'soma target download 0xTARGET_ID',
    'soma target download 0xTARGET_ID --output ./data.bin',
  ).action((targetId: string, opts: { output?: string }, cmd: Command) =>
    withContext(cmd, async (ctx) => {
      const id = normalizeAddress(targetId)
      const client = ctx.client()
      const t = await client.getTarget({ targetId: id })
      if (t.dataUrl === undefined) throw new InvalidArgumentError(`Target ${id} is not filled: it has no submitted data.`, { hint: 'Run `soma target list --status filled`.' })
      const output = opts.output ?? `./${id}.data`
      await downloadToFile(ctx, { kind: 'target', id, output }, (onProgress) => client.fetchSubmissionData({ targetId: id, onProgress }))
    }),
  )
  return target
}
