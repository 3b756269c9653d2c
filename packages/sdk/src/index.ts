export { version } from './version.js'
export * from './crypto.js'
