/**
 * @soma-ts/localnet: a single-process SOMA local network. The chain, the fullnode API
 * and the side services arrive with the local-network issue; this package is wired
 * into the workspace so the CLI and tests can depend on it today.
 */
export const version = '0.1.0'
