/**
 * `soma model …`: the reference's model commands (create, commit, reveal, deactivate,
 * set-commission-rate, info, list, download), the seed's `update-commit` / `update-reveal`, and
 * `publish` (encrypt, upload and commit a plain weights file in one step). Each is a thin shell over
 * one SDK action; the transaction flags come from the shared shell (`tx.ts`). Flags of the seed's
 * guide that the current protocol has no place for are refused, naming the flags to use instead.
 */
import { readFile, stat } from 'node:fs/promises'

import { blake2b256Js, bytesEqual, FileError, fromBase58Text, InvalidArgumentError, normalizeAddress, parseAmount, type bcsTypes } from '@soma-ts/sdk'
import { Option, type Command } from 'commander'

import { withContext, type CliContext } from '../context.js'
import { downloadToFile } from '../download.js'
import { formatDuration, jsonInt } from '../format.js'
import { withExamples } from '../help.js'
import { markFailed, print } from '../output.js'
import { progressBar } from '../progress.js'
import { addTxFlags, printTxOutcome, runTx, type TxFlags, type TxOutcome } from '../tx.js'
import { modelInfoJson, modelInfoTable, modelListText, modelSummary, modelSummaryJson } from './model-output.js'
import { parseBytes32, parseCommissionRate, parseFloats, parseWhole, refuseObsoleteFlags, type ObsoleteFlag } from './model-args.js'

const ZERO_ID = `0x${'0'.repeat(64)}`

const COMMIT_EXAMPLE =
  'soma model commit <MODEL_ID> --weights-file weights.enc --weights-url <url> --decryption-key <key> --embedding <f32,...>; or in one step: soma model publish <MODEL_ID> --weights-file weights.safetensors --embedding <f32,...>'

/** The seed guide's commit flags that no transaction field holds any more. */
const OBSOLETE_COMMIT_FLAGS: readonly ObsoleteFlag[] = [
  {
    attribute: 'weightsUrlCommitment',
    flag: '--weights-url-commitment',
    instead: 'the chain stores the URL itself: give --weights-url <url>',
  },
  {
    attribute: 'stakingPoolId',
    flag: '--staking-pool-id',
    instead: 'a model gets its pool at creation (soma model create --stake-amount --commission-rate); stake later with soma stake --model <MODEL_ID>',
  },
]

/** The model of the registry, or the reference's not-found error. */
async function registryModel(ctx: CliContext, modelId: string): Promise<{ id: string; model: bcsTypes.Model }> {
  const id = normalizeAddress(modelId)
  const state = await ctx.client().getLatestSystemState()
  const model = state.modelRegistry.models.get(id)
  if (model === undefined) throw new InvalidArgumentError(`Model ${id} not found in active, pending, or inactive registries`)
  return { id, model }
}

/** The reference's `format_next_epoch_hint`: `Next epoch in ~Xh Ym` (nothing when it cannot tell). */
async function nextEpochHint(ctx: CliContext): Promise<string | null> {
  try {
    const state = await ctx.client().getLatestSystemState()
    const remaining = state.epochStartTimestampMs + state.parameters.epochDurationMs - BigInt(Date.now())
    return `Next epoch in ${formatDuration(remaining > 0n ? remaining : 0n)}`
  } catch {
    return null
  }
}

/** The reference's JSON of a transaction that a model command wraps (`inner`): the response, digest, simulation or serialized text. */
function innerJson(outcome: TxOutcome): unknown {
  switch (outcome.kind) {
    case 'executed':
      return outcome.response
    case 'digest':
      return outcome.digest
    case 'simulation':
      return outcome.response
    default:
      return { serialized_transaction: outcome.base64 }
  }
}

/** Prints a wrapped outcome: the tx's own text (or JSON `{...fields, inner}`), then the next-step lines. */
function printWrapped(ctx: CliContext, outcome: TxOutcome, fields: Record<string, unknown>, footer: string[]): void {
  if (ctx.json) {
    const { next_epoch_hint, ...rest } = fields
    print({ json: true }, { ...rest, inner: innerJson(outcome), ...(next_epoch_hint === undefined ? {} : { next_epoch_hint }) }, () => '')
    if (outcome.kind === 'executed' && outcome.response.status !== 'Success') markFailed()
    return
  }
  printTxOutcome(ctx, outcome, outcome.kind === 'executed' ? { footer: ['', ...footer] } : {})
}

async function createModelTx(
  ctx: CliContext,
  flags: TxFlags,
  commissionRate: bigint,
  stakeAmount: string | undefined,
  architectureVersion: string | undefined,
): Promise<{ outcome: TxOutcome; modelId: string }> {
  const stake = stakeAmount === undefined ? undefined : parseAmount(stakeAmount, '--stake-amount')
  const arch = architectureVersion === undefined ? undefined : parseWhole(architectureVersion, '--architecture-version')
  if (commissionRate > 5000n) process.stderr.write(`  Warning: Commission rate ${commissionRate} (${(Number(commissionRate) / 100).toFixed(1)}%) is unusually high.\n`)
  const signer = ctx.signer()
  const outcome = await runTx(flags, (extra) =>
    ctx.client().createModel({
      signer,
      commissionRate,
      ...(stake !== undefined ? { stakeAmount: stake } : {}),
      ...(arch !== undefined ? { architectureVersion: arch } : {}),
      ...extra,
    }),
  )
  // model_id = derive_id(tx_digest, 0), as the SDK computes it; the zero id when nothing ran.
  const modelId = outcome.kind === 'executed' ? (outcome.result as { modelId?: string }).modelId ?? ZERO_ID : ZERO_ID
  return { outcome, modelId }
}

interface CommitFlags extends TxFlags {
  weightsFile?: string
  weightsUrl?: string
  weightsCommitment?: string
  weightsSize?: string
  embedding?: string
  decryptionKey?: string
  stakeAmount?: string
  commissionRate?: string
  weightsUrlCommitment?: string
  stakingPoolId?: string
}

/** Checksum and size of the encrypted weights: from the file, or the seed's `--weights-commitment` with `--weights-size`. */
async function weightsChecksum(flags: CommitFlags): Promise<{ checksum: Uint8Array; size: bigint }> {
  if (flags.weightsFile !== undefined) {
    if (flags.weightsCommitment !== undefined || flags.weightsSize !== undefined) {
      throw new InvalidArgumentError('Give --weights-file, or --weights-commitment with --weights-size, not both.')
    }
    let bytes: Uint8Array
    try {
      const info = await stat(flags.weightsFile)
      if (!info.isFile()) throw new Error('not a regular file')
      bytes = new Uint8Array(await readFile(flags.weightsFile))
    } catch (cause) {
      throw new FileError(`Cannot read the weights file ${flags.weightsFile}.`, { cause })
    }
    return { checksum: blake2b256Js(bytes), size: BigInt(bytes.length) }
  }
  if (flags.weightsCommitment !== undefined && flags.weightsSize !== undefined) {
    // The weights commitment is the Blake2b-256 of the encrypted weights: the manifest's checksum too.
    return { checksum: parseBytes32(flags.weightsCommitment, '--weights-commitment'), size: parseWhole(flags.weightsSize, '--weights-size') }
  }
  throw new InvalidArgumentError(
    'The commit needs the encrypted weights: --weights-file <path>, or --weights-commitment <hex> with --weights-size <bytes>.',
    { hint: COMMIT_EXAMPLE },
  )
}

/** Checks a commit's flags before any config or network is touched: the seed's obsolete flags first. */
function checkCommitFlags(modelIdArg: string | undefined, flags: CommitFlags): void {
  refuseObsoleteFlags(flags as unknown as Record<string, unknown>, OBSOLETE_COMMIT_FLAGS, COMMIT_EXAMPLE)
  const missing = (['weightsUrl', 'embedding', 'decryptionKey'] as const).filter((k) => flags[k] === undefined)
  if (missing.length > 0) {
    const names = { weightsUrl: '--weights-url <url>', embedding: '--embedding <f32,...>', decryptionKey: '--decryption-key <key>' }
    throw new InvalidArgumentError(`The commit needs ${missing.map((k) => names[k]).join(', ')}.`, { hint: COMMIT_EXAMPLE })
  }
  if (modelIdArg === undefined && flags.commissionRate === undefined) {
    throw new InvalidArgumentError('Give the MODEL_ID to commit, or --commission-rate (and --stake-amount) to create the model first.', {
      hint: 'soma model create --commission-rate 500 prints a MODEL_ID.',
    })
  }
  if (modelIdArg !== undefined && (flags.stakeAmount !== undefined || flags.commissionRate !== undefined)) {
    throw new InvalidArgumentError('--commission-rate and --stake-amount are set when a model is created, not when an existing one commits weights.', {
      hint: 'Use soma model set-commission-rate <MODEL_ID> --commission-rate <bps>, or soma stake --model <MODEL_ID> --amount <SOMA>.',
    })
  }
  parseFloats(flags.embedding!, '--embedding')
  parseBytes32(flags.decryptionKey!, '--decryption-key')
  if (flags.commissionRate !== undefined) parseCommissionRate(flags.commissionRate)
  if (flags.stakeAmount !== undefined) parseAmount(flags.stakeAmount, '--stake-amount')
}

/** `commit` and `update-commit`: one CommitModel (the chain tells a first commit from an update by the model's state). */
async function commit(ctx: CliContext, modelIdArg: string | undefined, flags: CommitFlags, update: boolean): Promise<void> {
  if (flags.weightsUrl === undefined) {
    throw new InvalidArgumentError('The commit needs --weights-url <url> (where validators fetch the encrypted weights).', { hint: COMMIT_EXAMPLE })
  }
  const creating = modelIdArg === undefined
  const embedding = parseFloats(flags.embedding!, '--embedding')
  const decryptionKey = parseBytes32(flags.decryptionKey!, '--decryption-key')
  try {
    new URL(flags.weightsUrl)
  } catch {
    throw new InvalidArgumentError(`Invalid URL: ${JSON.stringify(flags.weightsUrl.slice(0, 200))}`)
  }
  const commissionRate = flags.commissionRate === undefined ? undefined : parseCommissionRate(flags.commissionRate)
  const { checksum, size } = await weightsChecksum(flags)
  const hint = await nextEpochHint(ctx)
  let modelId = creating ? undefined : normalizeAddress(modelIdArg)
  let created: TxOutcome | undefined
  if (modelId === undefined) {
    // The seed's one-step commit: create the model with its stake and commission, then commit.
    const c = await createModelTx(ctx, flags, commissionRate!, flags.stakeAmount, undefined)
    if (c.outcome.kind !== 'executed') return printWrapped(ctx, c.outcome, { model_id: ZERO_ID }, [])
    modelId = c.modelId
    created = c.outcome
    if (!ctx.json) process.stdout.write(`Created model ${modelId} (transaction ${c.outcome.response.digest}).\n\n`)
  }
  const id = modelId
  const signer = ctx.signer()
  const params = { signer, modelId: id, weightsUrl: flags.weightsUrl, checksum, size, decryptionKey, embedding }
  const outcome = await runTx(flags, (extra) => (update ? ctx.client().commitModelUpdate({ ...params, ...extra }) : ctx.client().commitModel({ ...params, ...extra })))
  const revealCmd = update ? 'update-reveal' : 'reveal'
  printWrapped(ctx, outcome, { ...(created ? { model_id: id, create: innerJson(created) } : {}), next_epoch_hint: hint }, [
    `  Next step: Reveal your model${update ? ' update' : ''} weights.`,
    ...(hint ? [`  >> ${hint}`] : []),
    '',
    '  In the next epoch, run:',
    `  soma model ${revealCmd} ${id} --decryption-key <base58-key> --embedding <f32,f32,...>`,
  ])
}

interface RevealFlags extends TxFlags {
  decryptionKey: string
  embedding: string
  weightsUrl?: string
  weightsChecksum?: string
  weightsSize?: string
}

/**
 * `reveal` and `update-reveal`. The chain takes only the key and the embedding; the seed's
 * `--weights-url`, `--weights-checksum` and `--weights-size` are checked against what the commit put
 * on chain, so a mismatch is reported before anything is sent.
 */
async function reveal(ctx: CliContext, modelIdArg: string, flags: RevealFlags, update: boolean): Promise<void> {
  const embedding = parseFloats(flags.embedding, '--embedding')
  const decryptionKey = parseBytes32(flags.decryptionKey, '--decryption-key')
  const { id, model } = await registryModel(ctx, modelIdArg)
  const v1 = model.V1
  // As the reference's reveal, a plain reveal also reveals an active model's pending update.
  const pending = update ? v1.Active?.pendingUpdate : (v1.Pending ?? v1.Active?.pendingUpdate)
  if (pending === undefined || pending === null) {
    throw new InvalidArgumentError(
      update ? `Model ${id} has no pending update to reveal (it is ${v1.$kind}).` : `Model ${id} is ${v1.$kind} with nothing committed to reveal.`,
      { hint: update ? `Commit an update first: soma model update-commit ${id} ...` : `Commit first: soma model commit ${id} ...` },
    )
  }
  const manifest = pending.manifest.V1
  const mismatch: string[] = []
  if (flags.weightsUrl !== undefined && flags.weightsUrl !== manifest.url) mismatch.push(`--weights-url (committed: ${manifest.url})`)
  if (flags.weightsChecksum !== undefined && !bytesEqual(parseBytes32(flags.weightsChecksum, '--weights-checksum'), fromBase58Text(manifest.metadata.V1.checksum))) {
    mismatch.push(`--weights-checksum (committed: ${manifest.metadata.V1.checksum})`)
  }
  if (flags.weightsSize !== undefined && parseWhole(flags.weightsSize, '--weights-size') !== manifest.metadata.V1.size) {
    mismatch.push(`--weights-size (committed: ${manifest.metadata.V1.size})`)
  }
  if (mismatch.length > 0) {
    throw new InvalidArgumentError(`The reveal does not match the commit: ${mismatch.join('; ')}.`, {
      hint: 'A reveal publishes the key and embedding of the weights committed in the previous epoch; to change the weights, commit again.',
    })
  }
  const signer = ctx.signer()
  const params = { signer, modelId: id, decryptionKey, embedding }
  const outcome = await runTx(flags, (extra) => (update ? ctx.client().revealModelUpdate({ ...params, ...extra }) : ctx.client().revealModel({ ...params, ...extra })))
  printWrapped(ctx, outcome, { model_id: id }, [
    update ? '  Your model update is revealed: the new weights compete from now on.' : '  Your model is now active and accepting stakes.',
    `  View it: soma model info ${id}`,
  ])
}

interface PublishFlags {
  weightsFile: string
  embedding: string
  commissionRate?: string
  stakeAmount?: string
  blobStoreUrl?: string
}

/** `publish`: encrypt and hash in one pass, upload (S3 when configured, else the blob store), commit; the key stays here. */
async function publish(ctx: CliContext, modelIdArg: string | undefined, flags: PublishFlags): Promise<void> {
  const embedding = parseFloats(flags.embedding, '--embedding')
  const modelId = modelIdArg === undefined ? undefined : normalizeAddress(modelIdArg)
  if (modelId === undefined && flags.commissionRate === undefined) {
    throw new InvalidArgumentError('Give the MODEL_ID to publish to, or --commission-rate (and --stake-amount) to create the model first.', {
      hint: 'soma model create --commission-rate 500 prints a MODEL_ID.',
    })
  }
  if (modelId !== undefined && (flags.commissionRate !== undefined || flags.stakeAmount !== undefined)) {
    throw new InvalidArgumentError('--commission-rate and --stake-amount are set when a model is created.', {
      hint: 'Use soma model set-commission-rate or soma stake --model for an existing model.',
    })
  }
  const commissionRate = flags.commissionRate === undefined ? undefined : parseCommissionRate(flags.commissionRate)
  const stakeAmount = flags.stakeAmount === undefined ? undefined : parseAmount(flags.stakeAmount, '--stake-amount')
  let plainSize = 0
  try {
    const info = await stat(flags.weightsFile)
    if (!info.isFile()) throw new Error('not a regular file')
    plainSize = info.size
  } catch (cause) {
    throw new FileError(`Cannot read the weights file ${flags.weightsFile}.`, { cause })
  }
  const blobStoreUrl = ctx.blobStoreUrl(flags.blobStoreUrl)
  const client = ctx.client(blobStoreUrl ? { blobStoreUrl } : {})
  const signer = ctx.signer()
  const hint = await nextEpochHint(ctx)
  let bar: ReturnType<typeof progressBar> | undefined
  let phase: string | undefined
  const published = await client.publishModel({
    signer,
    weightsFile: flags.weightsFile,
    embedding,
    ...(modelId !== undefined ? { modelId } : {}),
    ...(commissionRate !== undefined ? { commissionRate } : {}),
    ...(stakeAmount !== undefined ? { stakeAmount } : {}),
    onProgress: (p) => {
      if (phase !== p.phase) {
        bar?.finish()
        phase = p.phase
        bar = progressBar(p.phase === 'encrypt' ? 'encrypting' : 'uploading', p.total ?? plainSize, { json: ctx.json })
      }
      bar?.update(p.transferred)
    },
  })
  bar?.finish()
  const out = {
    model_id: published.modelId,
    weights_url: published.url,
    weights_checksum: published.checksum,
    weights_size: jsonInt(published.size),
    decryption_key: published.decryptionKey,
    digest: published.commit.digest,
    ...(published.commit.createTransaction ? { create_digest: published.commit.createTransaction.digest } : {}),
    next_epoch_hint: hint,
  }
  print({ json: ctx.json }, out, () =>
    [
      `Published model ${out.model_id}`,
      `  weights URL      : ${out.weights_url}`,
      `  weights checksum : ${out.weights_checksum}`,
      `  weights size     : ${published.size} bytes`,
      `  decryption key   : ${out.decryption_key}`,
      `  commit           : ${out.digest}`,
      '',
      'Keep the decryption key secret until the reveal; it has not left this machine.',
      ...(hint ? [`  >> ${hint}`] : []),
      'In the next epoch, run:',
      `  soma model reveal ${out.model_id} --decryption-key <the key above> --embedding ${flags.embedding}`,
    ].join('\n'),
  )
}

/** Declares the seed guide's obsolete commit flags (hidden), so that they get the clear error and not "unknown option". */
function seedCommitOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--weights-url-commitment <hex>', 'not in the current protocol (use --weights-url)').hideHelp())
    .addOption(new Option('--staking-pool-id <id>', 'not in the current protocol (set at soma model create)').hideHelp())
}

function commitOptions(cmd: Command, update: boolean): Command {
  cmd
    .option('--weights-file <path>', 'the encrypted weights (their Blake2b-256 and size are computed)')
    .option('--weights-url <url>', 'where validators fetch the encrypted weights')
    .option('--weights-commitment <hex|base58>', 'instead of --weights-file: Blake2b-256 of the encrypted weights (with --weights-size)')
    .option('--weights-size <bytes>', 'with --weights-commitment: size of the encrypted weights')
    // Required, but checked in the action so that the seed's obsolete flags get their own error first.
    .option('--embedding <f32,...>', "the model's embedding, comma-separated (committed now, revealed next epoch)")
    .option('--decryption-key <key>', 'the AES-256 key, Base58 or 64 hex (only its Blake2b-256 goes on chain now)')
  if (update) {
    // Refused with a pointer to set-commission-rate / stake --model.
    cmd.addOption(new Option('--stake-amount <SOMA>').hideHelp()).addOption(new Option('--commission-rate <bps>').hideHelp())
  } else {
    cmd
      .option('--stake-amount <SOMA>', 'without MODEL_ID: create the model first with this stake (default the network minimum)')
      .option('--commission-rate <bps>', 'without MODEL_ID: create the model first with this commission (basis points)')
  }
  return addTxFlags(seedCommitOptions(cmd))
}

function revealOptions(cmd: Command): Command {
  return addTxFlags(
    cmd
      .requiredOption('--decryption-key <key>', 'the AES-256 key committed, Base58 or 64 hex')
      .requiredOption('--embedding <f32,...>', 'the embedding committed, comma-separated')
      .option('--weights-url <url>', 'checked against the commit before the reveal is sent')
      .option('--weights-checksum <hex|base58>', 'checked against the commit')
      .option('--weights-size <bytes>', 'checked against the commit'),
  )
}

export function registerModel(program: Command): Command {
  const model = withExamples(
    program.command('model').description('Register and manage models: create, commit, reveal, update, publish, list'),
    'soma model publish --commission-rate 500 --weights-file ./weights.safetensors --embedding 0.1,0.2,0.3',
    'soma model info 0xMODEL_ID',
  )

  withExamples(
    addTxFlags(
      model
        .command('create')
        .description('Create a model with its stake and commission (step 1 of create, commit, reveal)')
        .option('--architecture-version <n>', "the architecture version (default: the network's)")
        .option('--stake-amount <SOMA>', 'the initial stake in SOMA (default: the network minimum)')
        .option('--commission-rate <bps>', 'commission in basis points (100 = 1%, at most 10000)', '0'),
    ),
    'soma model create --commission-rate 500',
    'soma model create --stake-amount 100 --commission-rate 500',
  ).action((flags: TxFlags & { architectureVersion?: string; stakeAmount?: string; commissionRate: string }, cmd: Command) =>
    withContext(cmd, async (ctx) => {
      const rate = parseCommissionRate(flags.commissionRate)
      const hint = await nextEpochHint(ctx)
      const { outcome, modelId } = await createModelTx(ctx, flags, rate, flags.stakeAmount, flags.architectureVersion)
      printWrapped(ctx, outcome, { model_id: modelId, next_epoch_hint: hint }, [
        `  Model ID: ${modelId}`,
        '',
        '  Next step: Commit your model weights.',
        ...(hint ? [`  >> ${hint}`] : []),
        '',
        '  Run:',
        `  soma model commit ${modelId} --weights-file <path> --weights-url <url> --decryption-key <base58-key> --embedding <f32,f32,...>`,
        `  or in one step: soma model publish ${modelId} --weights-file weights.safetensors --embedding <f32,f32,...>`,
      ])
    }),
  )

  withExamples(
    commitOptions(
      model
        .command('commit')
        .description('Commit weights (step 2): URL, checksum and size, and commitments to the key and embedding; reveal next epoch')
        .argument('[MODEL_ID]', 'the model (Created, or Active for an update); without it the model is created first'),
      false,
    ),
    'soma model commit 0xMODEL_ID --weights-file ./weights.enc --weights-url https://storage.example.com/weights.enc --decryption-key <base58-key> --embedding 0.1,0.2,0.3',
    'soma model commit --commission-rate 500 --stake-amount 1 --weights-file ./weights.enc --weights-url <url> --decryption-key <key> --embedding 0.1,0.2,0.3',
  ).action((modelId: string | undefined, flags: CommitFlags, cmd: Command) => {
    checkCommitFlags(modelId, flags)
    return withContext(cmd, (ctx) => commit(ctx, modelId, flags, false))
  })

  withExamples(
    commitOptions(
      model
        .command('update-commit')
        .description('Commit new weights for an active model (phase 1 of an update); reveal them next epoch with update-reveal')
        .argument('<MODEL_ID>', 'the active model'),
      true,
    ),
    'soma model update-commit 0xMODEL_ID --weights-file ./weights-v2.enc --weights-url https://storage.example.com/v2.enc --decryption-key <base58-key> --embedding 0.1,0.2,0.3',
  ).action((modelId: string, flags: CommitFlags, cmd: Command) => {
    checkCommitFlags(modelId, flags)
    return withContext(cmd, (ctx) => commit(ctx, modelId, flags, true))
  })

  withExamples(
    revealOptions(model.command('reveal').description('Reveal a committed model (step 3) in the epoch after the commit').argument('<MODEL_ID>', 'the pending model')),
    'soma model reveal 0xMODEL_ID --decryption-key <base58-key> --embedding 0.1,0.2,0.3,0.4',
  ).action((modelId: string, flags: RevealFlags, cmd: Command) => withContext(cmd, (ctx) => reveal(ctx, modelId, flags, false)))

  withExamples(
    revealOptions(
      model.command('update-reveal').description("Reveal an active model's committed update (phase 2) in the epoch after it").argument('<MODEL_ID>', 'the active model'),
    ),
    'soma model update-reveal 0xMODEL_ID --decryption-key <base58-key> --embedding 0.1,0.2,0.3,0.4',
  ).action((modelId: string, flags: RevealFlags, cmd: Command) => withContext(cmd, (ctx) => reveal(ctx, modelId, flags, true)))

  withExamples(
    model
      .command('publish')
      .description('Encrypt a plain weights file, upload it (S3 when configured, else the local blob store) and commit, in one step')
      .argument('[MODEL_ID]', 'the model to commit (Created, or Active for an update); without it the model is created first')
      .requiredOption('--weights-file <path>', 'the plain (unencrypted) safetensors weights')
      .requiredOption('--embedding <f32,...>', "the model's embedding, comma-separated")
      .option('--commission-rate <bps>', 'without MODEL_ID: create the model first with this commission (basis points)')
      .option('--stake-amount <SOMA>', 'without MODEL_ID: create the model first with this stake')
      .option('--blob-store-url <url>', 'the local network blob store (default $SOMA_BLOB_STORE_URL, or port 9126 for a local env)'),
    'soma model publish 0xMODEL_ID --weights-file ./weights.safetensors --embedding 0.1,0.2,0.3 --json',
    'soma model publish --commission-rate 500 --weights-file ./weights.safetensors --embedding 0.1,0.2,0.3',
  ).action((modelId: string | undefined, flags: PublishFlags, cmd: Command) => withContext(cmd, (ctx) => publish(ctx, modelId, flags)))

  withExamples(
    addTxFlags(
      model
        .command('set-commission-rate')
        .description('Set the commission for the next epoch (owner only)')
        .argument('<MODEL_ID>', 'the model')
        .requiredOption('--commission-rate <bps>', 'basis points (100 = 1%, at most 10000)'),
    ),
    'soma model set-commission-rate 0xMODEL_ID --commission-rate 500',
  ).action((modelId: string, flags: TxFlags & { commissionRate: string }, cmd: Command) =>
    withContext(cmd, async (ctx) => {
      const newRate = parseCommissionRate(flags.commissionRate)
      const id = normalizeAddress(modelId)
      const signer = ctx.signer()
      printTxOutcome(ctx, await runTx(flags, (extra) => ctx.client().setModelCommissionRate({ signer, modelId: id, newRate, ...extra })))
    }),
  )

  withExamples(
    addTxFlags(model.command('deactivate').description('Deactivate a model (owner only): it stops competing, no slash').argument('<MODEL_ID>', 'the model')),
    'soma model deactivate 0xMODEL_ID',
  ).action((modelId: string, flags: TxFlags, cmd: Command) =>
    withContext(cmd, async (ctx) => {
      const id = normalizeAddress(modelId)
      const signer = ctx.signer()
      printTxOutcome(ctx, await runTx(flags, (extra) => ctx.client().deactivateModel({ signer, modelId: id, ...extra })))
    }),
  )

  withExamples(model.command('info').description('Show a model of the registry').argument('<MODEL_ID>', 'the model'), 'soma model info 0xMODEL_ID').action(
    (modelId: string, _flags: unknown, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const { id, model: m } = await registryModel(ctx, modelId)
        const summary = modelSummary(id, m)
        print({ json: ctx.json }, modelInfoJson(summary), () => modelInfoTable(summary))
      }),
  )

  withExamples(model.command('list').description('List every registered model'), 'soma model list', 'soma model list --json').action((_flags: unknown, cmd: Command) =>
    withContext(cmd, async (ctx) => {
      const state = await ctx.client().getLatestSystemState()
      const models = [...state.modelRegistry.models].map(([id, m]) => modelSummary(id, m))
      print({ json: ctx.json }, { models: models.map(modelSummaryJson) }, () => modelListText(models))
    }),
  )

  withExamples(
    model
      .command('download')
      .description("Download a model's encrypted weights (the manifest URL first, then the node's /model route)")
      .argument('<MODEL_ID>', 'the model')
      .option('-o, --output <path>', 'the output file (default ./<MODEL_ID>.weights)'),
    'soma model download 0xMODEL_ID',
    'soma model download 0xMODEL_ID --output ./weights.bin',
  ).action((modelId: string, flags: { output?: string }, cmd: Command) =>
    withContext(cmd, async (ctx) => {
      const id = normalizeAddress(modelId)
      const output = flags.output ?? `./${id}.weights`
      await downloadToFile(ctx, { kind: 'model', id, output }, (onProgress) => ctx.client().fetchModel({ modelId: id, onProgress }))
    }),
  )
  return model
}
