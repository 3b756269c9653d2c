/**
 * The base error, for modules that import it from here. It is defined once, in
 * `@soma-ts/core/errors`; this module only re-exports it.
 */
export { BaseError, truncate, type BaseErrorParameters } from '@soma-ts/core/errors'
