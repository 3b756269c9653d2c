/**
 * On-chain objects as the chain stores them (reference: `types/src/object.rs`): id, version, owner,
 * type, BCS payload and previous transaction. The digest is the reference's
 * Blake2b256("Object::" ‖ BCS(ObjectInner)), where the inner contents are id ‖ payload.
 */
import { bcsTypes, decodeBcs, encodeBcs, fromHex } from '@soma-ts/sdk'

import { objectDigestOf } from './digests.js'

import { ExecutionFailure } from './errors.js'

export type ObjectTypeName = 'SystemState' | 'Coin' | 'StakedSoma' | 'Target'

export type ObjectOwner =
  | { readonly kind: 'Address'; readonly address: string }
  | { readonly kind: 'Shared'; readonly initialSharedVersion: bigint }
  | { readonly kind: 'Immutable' }

export interface ChainObject {
  readonly id: string
  readonly type: ObjectTypeName
  readonly version: bigint
  readonly owner: ObjectOwner
  /** BCS of the payload, without the 32-byte id prefix (what gRPC serves as `contents`). */
  readonly contents: Uint8Array
  readonly previousTransaction: string
}

export function addressOwner(address: string): ObjectOwner {
  return { kind: 'Address', address }
}

export function sharedOwner(initialSharedVersion: bigint): ObjectOwner {
  return { kind: 'Shared', initialSharedVersion }
}

/** The owner in the SDK's BCS input form. */
export function ownerBcsInput(owner: ObjectOwner): typeof bcsTypes.Owner.$inferInput {
  switch (owner.kind) {
    case 'Address':
      return { AddressOwner: owner.address }
    case 'Shared':
      return { Shared: { initialSharedVersion: owner.initialSharedVersion } }
    case 'Immutable':
      return { Immutable: null }
  }
}

export function ownerFromBcs(owner: typeof bcsTypes.Owner.$inferType): ObjectOwner {
  if (owner.AddressOwner !== undefined) return addressOwner(owner.AddressOwner)
  if (owner.Shared !== undefined) return sharedOwner(owner.Shared.initialSharedVersion)
  return { kind: 'Immutable' }
}

export function ownersEqual(a: ObjectOwner, b: ObjectOwner): boolean {
  if (a.kind === 'Address' && b.kind === 'Address') return a.address === b.address
  if (a.kind === 'Shared' && b.kind === 'Shared') return a.initialSharedVersion === b.initialSharedVersion
  return a.kind === b.kind
}

/** `ObjectInner` in the SDK's BCS input form (the shape Genesis carries and digests hash). */
export function objectBcsInput(object: ChainObject): typeof bcsTypes.SomaObject.$inferInput {
  const idBytes = idToBytes(object.id)
  const inner = new Uint8Array(idBytes.length + object.contents.length)
  inner.set(idBytes, 0)
  inner.set(object.contents, idBytes.length)
  return {
    data: { objectType: { [object.type]: null } as typeof bcsTypes.ObjectType.$inferInput, version: object.version, contents: inner },
    owner: ownerBcsInput(object.owner),
    previousTransaction: object.previousTransaction,
  }
}

export function objectBytes(object: ChainObject): Uint8Array {
  return encodeBcs(bcsTypes.SomaObject, objectBcsInput(object))
}

/** The object digest (Base58). */
export function digestOf(object: ChainObject): string {
  // Objects are immutable values (a change is a new object), so the digest is computed once.
  let digest = digests.get(object)
  if (digest === undefined) {
    digest = objectDigestOf(objectBytes(object))
    digests.set(object, digest)
  }
  return digest
}

const digests = new WeakMap<ChainObject, string>()

/** The 32 bytes of a `0x` + 64-hex address or object id. */
export function idToBytes(id: string): Uint8Array {
  return fromHex(id.slice(2))
}

// ---- payloads --------------------------------------------------------------------------------

export function coinContents(balance: bigint): Uint8Array {
  return encodeBcs(bcsTypes.Coin, { balance })
}

export function coinBalance(object: ChainObject): bigint | undefined {
  if (object.type !== 'Coin') return undefined
  return decodeBcs(bcsTypes.Coin, object.contents).balance
}

export interface StakedSomaValue {
  poolId: string
  stakeActivationEpoch: bigint
  principal: bigint
}

export function stakedSomaContents(value: StakedSomaValue): Uint8Array {
  return encodeBcs(bcsTypes.StakedSoma, value)
}

export function stakedSomaOf(object: ChainObject): StakedSomaValue | undefined {
  if (object.type !== 'StakedSoma') return undefined
  return decodeBcs(bcsTypes.StakedSoma, object.contents)
}

export type TargetValue = typeof bcsTypes.Target.$inferType

export function targetOf(object: ChainObject): TargetValue {
  if (object.type !== 'Target') throw new ExecutionFailure({ TargetNotFound: null })
  return decodeBcs(bcsTypes.Target, object.contents)
}

export function targetContents(target: TargetValue): Uint8Array {
  return encodeBcs(bcsTypes.Target, target)
}

/** A new object before it is written: version 0 until the transaction's Lamport version is applied. */
export function newObject(id: string, type: ObjectTypeName, owner: ObjectOwner, contents: Uint8Array, txDigest: string): ChainObject {
  return { id, type, version: 0n, owner, contents, previousTransaction: txDigest }
}

export function withContents(object: ChainObject, contents: Uint8Array): ChainObject {
  return { ...object, contents }
}

export function withOwner(object: ChainObject, owner: ObjectOwner): ChainObject {
  return { ...object, owner }
}
