/**
 * The SDK's native-backed entry, loaded on first use: commands that need no native code (keytool,
 * wallet) keep working on a platform where the binding cannot load, and the ones that do report a
 * typed `NativeBindingError` instead of failing at start-up.
 */
type NativeEntry = typeof import('@soma-ts/sdk/native')

let loading: Promise<NativeEntry> | undefined

export function native(): Promise<NativeEntry> {
  loading ??= import('@soma-ts/sdk/native')
  return loading
}
