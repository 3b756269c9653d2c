/**
 * The codes a native call fails with, generated from the Rust `ErrorCode` enum (the one
 * list): `Record<NativeErrorCode, …>` makes a table that must name every one of them.
 * Type-only: importing this file never loads the binding.
 */
export type NativeErrorCode = `${import('../binding.cjs').ErrorCode}`
