/**
 * `soma keytool`: the reference CLI's key tool over the same keystore files
 * (`--keystore-path`, default `<config dir>/soma.keystore`). JSON shapes are the reference's
 * (camelCase `Key`, `ExportedKey`, `SignData`, …). One deliberate difference: the reference
 * prints JSON *without* `--json` and a table *with* it (an inversion bug); here `--json` means JSON.
 */
import { readFileSync, writeFileSync } from 'node:fs'

import {
  Ed25519Keypair,
  Ed25519PublicKey,
  InvalidArgumentError,
  InvalidKeyError,
  TRANSACTION_INTENT,
  BaseError,
  bcsTypes,
  combineMultiSig,
  decodeBcs,
  fromBase64,
  fromHex,
  generateMnemonic,
  multiSigAddress,
  parseMultiSig,
  parseSerializedSignature,
  signingDigest,
  toBase64,
  toSerializedSignature,
  verifyMultiSig,
  verifyTransactionSignature,
  type MnemonicWordCount,
  type MultiSigCommittee,
} from '@soma-ts/sdk'
import { FileKeystore, configDir, defaultKeystorePath } from '@soma-ts/sdk/node'
import type { Command } from 'commander'

import { print } from '../output.js'
import { keyOutput, keysTable, keyTable, table, toReferenceJson, type KeyOutput } from './keys-shared.js'

interface KeytoolOpts {
  json?: boolean
  keystorePath?: string
}

function optsOf(cmd: Command): KeytoolOpts {
  return cmd.optsWithGlobals() as KeytoolOpts
}

function keystoreOf(opts: KeytoolOpts): FileKeystore {
  return FileKeystore.load(opts.keystorePath ?? defaultKeystorePath(configDir()))
}

function checkScheme(scheme: string): void {
  if (scheme === 'ed25519') return
  if (scheme === 'bls12381' || scheme === 'multisig') {
    throw new InvalidArgumentError(`Key scheme ${scheme} is not supported here.`, {
      hint: 'User keys are ed25519. Validator BLS keys are made by the node tools.',
    })
  }
  throw new InvalidArgumentError(`Unknown key scheme "${scheme.slice(0, 40)}".`, { hint: 'Use ed25519.' })
}

export function parseWordLength(value: string | undefined): MnemonicWordCount {
  if (value === undefined) return 12
  const m = /^word(12|15|18|21|24)$/.exec(value)
  if (!m) throw new InvalidArgumentError('Invalid word length.', { hint: 'Use word12, word15, word18, word21 or word24.' })
  return Number(m[1]) as MnemonicWordCount
}

/** A key file: Base64 `flag ‖ seed` or Bech32 `somaprivkey1…` (what `read_keypair_from_file` accepts). */
function readKeyFile(path: string): Ed25519Keypair {
  let text: string
  try {
    text = readFileSync(path, 'utf8').trim()
  } catch {
    throw new InvalidArgumentError(`Cannot read the key file ${path}.`)
  }
  try {
    return Ed25519Keypair.fromKeystoreString(text)
  } catch {
    try {
      return Ed25519Keypair.fromBech32(text)
    } catch {
      throw new InvalidKeyError(`Error decoding keypair from file ${path}.`, {
        hint: 'A key file holds Base64 of flag ‖ private key, or a somaprivkey1… string.',
      })
    }
  }
}

function parseIntent(hex: string | undefined): [number, number, number] {
  if (hex === undefined) return [...TRANSACTION_INTENT] as [number, number, number]
  const raw = fromHex(hex)
  if (raw.length !== 3) throw new InvalidArgumentError('An intent is 3 bytes of hex: scope, version, app id (e.g. 000001).')
  return [raw[0]!, raw[1]!, raw[2]!]
}

function parseCommittee(pks: string[], weights: string[], threshold: string): MultiSigCommittee {
  if (pks.length !== weights.length) {
    throw new InvalidArgumentError(`Got ${pks.length} public keys but ${weights.length} weights.`)
  }
  const num = (s: string, what: string) => {
    if (!/^\d+$/.test(s)) throw new InvalidArgumentError(`The ${what} must be a whole number, got "${s.slice(0, 20)}".`)
    return Number(s)
  }
  return {
    members: pks.map((pk, i) => ({ publicKey: parsePublicKey(pk), weight: num(weights[i]!, 'weight') })),
    threshold: num(threshold, 'threshold'),
  }
}

/** Base64 of `flag ‖ pk` (what `keytool list` prints). */
function parsePublicKey(text: string): Ed25519PublicKey {
  return Ed25519PublicKey.fromSomaBase64(text)
}

export function registerKeytool(program: Command): void {
  const keytool = program
    .command('keytool')
    .description('Manage keys: generate, import, export, list, sign, multisig')
    .option('--keystore-path <path>', 'keystore file (default: <config dir>/soma.keystore)')
    .option('--json', 'print JSON')

  keytool
    .command('generate')
    .description('Generate a new key from a fresh mnemonic and write it to <address>.key in the current directory')
    .argument('<key-scheme>', 'ed25519')
    .argument('[derivation-path]', "derivation path (default m/44'/784'/0'/0'/0')")
    .argument('[word-length]', 'word12 | word15 | word18 | word21 | word24 (default word12)')
    .option('--json', 'print JSON')
    .action((scheme: string, path: string | undefined, wordLength: string | undefined, _o: unknown, cmd: Command) => {
      checkScheme(scheme)
      const mnemonic = generateMnemonic(parseWordLength(wordLength))
      const kp = Ed25519Keypair.fromMnemonic(mnemonic, path)
      const file = `${kp.toSomaAddress().slice(2)}.key`
      writeFileSync(file, kp.toKeystoreString(), { mode: 0o600 })
      const key = keyOutput(kp, null, mnemonic)
      print(optsOf(cmd), key, () => `${keyTable(key)}\nKey written to ${file}`)
    })

  keytool
    .command('import')
    .description('Add a key to the keystore from a mnemonic or a somaprivkey1… string')
    .argument('<input-string>', 'mnemonic phrase (quoted) or Bech32 somaprivkey1…')
    .argument('<key-scheme>', 'ed25519')
    .argument('[derivation-path]', "derivation path for a mnemonic (default m/44'/784'/0'/0'/0')")
    .option('--alias <alias>', 'alias for the key (default: a random name)')
    .option('--json', 'print JSON')
    .action((input: string, scheme: string, path: string | undefined, o: { alias?: string }, cmd: Command) => {
      checkScheme(scheme)
      const trimmed = input.trim()
      const kp = trimmed.toLowerCase().startsWith('somaprivkey')
        ? Ed25519Keypair.fromBech32(trimmed)
        : Ed25519Keypair.fromMnemonic(trimmed, path)
      const ks = keystoreOf(optsOf(cmd))
      const alias = ks.import(kp, o.alias)
      const key = keyOutput(kp, alias)
      print(optsOf(cmd), key, () => keyTable(key))
    })

  keytool
    .command('export')
    .description('Print the private key of a keystore entry as Bech32 somaprivkey1…')
    .requiredOption('--key-identity <address-or-alias>', 'address or alias')
    .option('--json', 'print JSON')
    .action((o: { keyIdentity: string }, cmd: Command) => {
      const ks = keystoreOf(optsOf(cmd))
      const kp = ks.get(o.keyIdentity)
      const out = { exportedPrivateKey: kp.toBech32(), key: keyOutput(kp, ks.aliasOf(kp.toSomaAddress()) ?? null) }
      print(optsOf(cmd), out, () => `${keyTable(out.key)}\nexportedPrivateKey: ${out.exportedPrivateKey}`)
    })

  keytool
    .command('list')
    .description('List the keys in the keystore')
    .option('-s, --sort-by-alias', 'sort by alias')
    .option('--json', 'print JSON')
    .action((o: { sortByAlias?: boolean }, cmd: Command) => {
      const ks = keystoreOf(optsOf(cmd))
      const keys: KeyOutput[] = ks.entries().map((e) => keyOutput(e.keypair, e.alias || null))
      if (o.sortByAlias) keys.sort((a, b) => ((a.alias ?? '') < (b.alias ?? '') ? -1 : (a.alias ?? '') > (b.alias ?? '') ? 1 : 0))
      print(optsOf(cmd), keys, () => keysTable(keys))
    })

  keytool
    .command('show')
    .description('Show the public key, address and scheme of a key file')
    .argument('<file>', 'key file (Base64 flag ‖ private key, or somaprivkey1…)')
    .option('--json', 'print JSON')
    .action((file: string, _o: unknown, cmd: Command) => {
      const key = keyOutput(readKeyFile(file), null)
      print(optsOf(cmd), key, () => keyTable(key))
    })

  keytool
    .command('update-alias')
    .description('Rename an alias (a random new one when none is given)')
    .argument('<old-alias>')
    .argument('[new-alias]')
    .option('--json', 'print JSON')
    .action((oldAlias: string, newAlias: string | undefined, _o: unknown, cmd: Command) => {
      const ks = keystoreOf(optsOf(cmd))
      const out = { oldAlias, newAlias: ks.updateAlias(oldAlias, newAlias) }
      print(optsOf(cmd), out, () => `Old alias ${out.oldAlias} was updated to ${out.newAlias}`)
    })

  keytool
    .command('sign')
    .description('Sign Base64 BCS TransactionData with a keystore key')
    .requiredOption('--address <address-or-alias>', 'signer address or alias')
    .requiredOption('--data <base64>', 'Base64 of BCS TransactionData')
    .option('--intent <hex>', 'intent as 3 bytes of hex (default 000001)')
    .option('--json', 'print JSON')
    .action(async (o: { address: string; data: string; intent?: string }, cmd: Command) => {
      const ks = keystoreOf(optsOf(cmd))
      const address = ks.resolve(o.address)
      const kp = ks.get(address)
      const txBytes = fromBase64(o.data)
      decodeBcs(bcsTypes.TransactionData, txBytes) // must be TransactionData, as in the reference
      const intent = parseIntent(o.intent)
      const rawIntentMsg = new Uint8Array([...intent, ...txBytes])
      const digest = signingDigest(txBytes, intent)
      const signature = toSerializedSignature(await kp.sign(digest), kp.getPublicKey())
      const out = {
        somaAddress: address,
        rawTxData: o.data,
        intent: { scope: intent[0], version: intent[1], app_id: intent[2] },
        rawIntentMsg: toBase64(rawIntentMsg),
        digest: toBase64(digest),
        somaSignature: toBase64(signature),
      }
      print(optsOf(cmd), out, () =>
        table([
          ['somaSignature', out.somaSignature],
          ['digest', out.digest],
          ['intent', `scope ${intent[0]}, version ${intent[1]}, app_id ${intent[2]}`],
          ['somaAddress', out.somaAddress],
        ]),
      )
    })

  keytool
    .command('decode-or-verify-tx')
    .description('Decode Base64 BCS TransactionData and, with --sig, verify a signature against its sender')
    .requiredOption('--tx-bytes <base64>', 'Base64 of BCS TransactionData')
    .option('--sig <base64>', 'serialized signature (flag ‖ sig ‖ pk, or a multisig)')
    .option('--cur-epoch <n>', 'current epoch (accepted for compatibility)', '0')
    .option('--json', 'print JSON')
    .action((o: { txBytes: string; sig?: string }, cmd: Command) => {
      const bytes = fromBase64(o.txBytes)
      const tx = decodeBcs(bcsTypes.TransactionData, bytes)
      let result: unknown = null
      if (o.sig !== undefined) {
        try {
          verifyTransactionSignature(bytes, o.sig, { expectedSigner: tx.V1!.sender })
          result = { Ok: null }
        } catch (err) {
          result = { Err: err instanceof BaseError ? err.shortMessage : String(err) }
        }
      }
      const out = { tx: toReferenceJson(tx), result }
      print(optsOf(cmd), out, () => {
        const lines = [`kind: ${tx.V1!.kind.$kind}`, `sender: ${tx.V1!.sender}`, `gas: ${tx.V1!.gasPayment.length} coin(s)`]
        if (o.sig !== undefined) lines.push(`signature: ${'Ok' in (result as object) ? 'OK' : `FAILED (${(result as { Err: string }).Err})`}`)
        return lines.join('\n')
      })
    })

  keytool
    .command('multi-sig-address')
    .description('The multisig address of Base64 flag ‖ pk public keys with weights and a threshold')
    .requiredOption('--threshold <n>', 'threshold (1..65535)')
    .requiredOption('--pks <pk...>', 'Base64 flag ‖ pk of each member, in committee order')
    .requiredOption('--weights <w...>', 'weight of each member (1..255)')
    .option('--json', 'print JSON')
    .action((o: { threshold: string; pks: string[]; weights: string[] }, cmd: Command) => {
      const committee = parseCommittee(o.pks, o.weights, o.threshold)
      const address = multiSigAddress(committee)
      const out = {
        // Display form in the reference: 64 hex without 0x.
        multisigAddress: address.slice(2),
        multisig: committee.members.map((m) => ({
          address: m.publicKey.toSomaAddress(),
          publicBase64Key: m.publicKey.toSomaBase64(),
          weight: m.weight,
        })),
      }
      print(optsOf(cmd), out, () =>
        [
          `MultiSig address: ${address}`,
          table([['address', 'publicBase64Key', 'weight'], ...out.multisig.map((m) => [m.address, m.publicBase64Key, String(m.weight)])], {
            header: true,
          }),
        ].join('\n'),
      )
    })

  keytool
    .command('multi-sig-combine-partial-sig')
    .description('Combine members\' signatures (Base64 flag ‖ sig ‖ pk) into a multisig')
    .requiredOption('--sigs <sig...>', 'member signatures')
    .requiredOption('--pks <pk...>', 'Base64 flag ‖ pk of each member, in committee order')
    .requiredOption('--weights <w...>', 'weight of each member')
    .requiredOption('--threshold <n>', 'threshold')
    .option('--json', 'print JSON')
    .action((o: { sigs: string[]; pks: string[]; weights: string[]; threshold: string }, cmd: Command) => {
      const committee = parseCommittee(o.pks, o.weights, o.threshold)
      const parts = o.sigs.map((s) => {
        const p = parseSerializedSignature(s)
        if (p.scheme !== 'ED25519') throw new InvalidArgumentError('Each partial signature must be an Ed25519 signature.')
        return { publicKey: p.publicKey, signature: p.signature }
      })
      const ms = combineMultiSig(committee, parts)
      const out = { multisigAddress: multiSigAddress(committee), multisigSerialized: toBase64(ms) }
      print(optsOf(cmd), out, () => `MultiSig address: ${out.multisigAddress}\nMultiSig: ${out.multisigSerialized}`)
    })

  keytool
    .command('decode-multi-sig')
    .description('Decode a Base64 multisig; with --tx-bytes, verify it')
    .requiredOption('--multisig <base64>', 'serialized multisig (flag 0x02 ‖ BCS)')
    .option('--tx-bytes <base64>', 'Base64 of BCS TransactionData to verify against')
    .option('--cur-epoch <n>', 'current epoch (accepted for compatibility)', '0')
    .option('--json', 'print JSON')
    .action((o: { multisig: string; txBytes?: string }, cmd: Command) => {
      const bytes = fromBase64(o.multisig)
      const ms = parseMultiSig(bytes)
      const setBits: number[] = []
      for (let i = 0; i < ms.committee.members.length; i++) if (ms.bitmap & (1 << i)) setBits.push(i)
      let sigVerifyResult = ''
      if (o.txBytes !== undefined) {
        const tx = fromBase64(o.txBytes)
        decodeBcs(bcsTypes.TransactionData, tx)
        try {
          verifyMultiSig(signingDigest(tx), bytes)
          sigVerifyResult = 'OK'
        } catch (err) {
          sigVerifyResult = err instanceof BaseError ? err.shortMessage : String(err)
        }
      }
      const out = {
        multisigAddress: ms.address,
        participatingKeysSignatures: ms.signatures.map((s, k) => {
          const m = ms.committee.members[setBits[k] ?? -1]
          return { publicBase64Key: m?.publicKey.toSomaBase64() ?? '', sigBase64: toBase64(s), weight: String(m?.weight ?? '') }
        }),
        pubKeys: ms.committee.members.map((m) => ({
          address: m.publicKey.toSomaAddress(),
          publicBase64Key: m.publicKey.toSomaBase64(),
          weight: m.weight,
        })),
        threshold: ms.committee.threshold,
        sigVerifyResult,
      }
      print(optsOf(cmd), out, () => JSON.stringify(out, null, 2))
    })
}



