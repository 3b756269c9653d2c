/**
 * `type.transform(...)` with the input conversion run once per write. The library's transform
 * runs `input` in `validate` and again in `write` (and a third time in `serializedSize`), so a
 * conversion that normalises every address of a set or sorts a map's keys ran two or three times
 * over the whole collection on every encode and every re-encode check. Here `validate` only
 * checks what the conversion cannot (nothing by default) and a bad value throws from `write`,
 * with the same typed error.
 */
import { BcsType } from '@mysten/bcs'

export interface ConvertOptions<T, Input, T2, Input2, Name extends string> {
  name: Name
  /** The friendly value to the wire value; throws the typed error for a bad one. */
  input: (value: Input2) => Input
  /** The wire value to the friendly value. */
  output: (value: T) => T2
  /** The encoded size of every value, for fixed-size types. */
  fixedSize?: number
}

export function convert<T, Input, T2, Input2, const Name extends string>(
  type: BcsType<T, Input>,
  { name, input, output, fixedSize }: ConvertOptions<T, Input, T2, Input2, Name>,
): BcsType<T2, Input2, Name> {
  return new BcsType<T2, Input2, Name>({
    name,
    read: (reader) => output(type.read(reader)),
    write: (value, writer) => type.write(input(value), writer),
    ...(fixedSize === undefined ? {} : { serializedSize: () => fixedSize }),
  })
}
