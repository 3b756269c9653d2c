#!/usr/bin/env node
// Checks our proto/ against the reference node's protos, field by field, without copying them:
// both are compiled to descriptor sets and every message, enum and service of soma.rpc (and the
// google.rpc messages we declare) is compared: field numbers, names, types, labels, message
// types, proto3 `optional`, oneof membership; enum values; method signatures and streaming.
//
// Usage, with a checkout of soma-org/soma at REF:
//   (cd REF && printf 'version: v2\nmodules:\n  - path: rpc/proto\n' > /tmp/buf.yaml && \
//     buf build --config /tmp/buf.yaml -o /tmp/reference.binpb)   # drop rpc/proto/google/protobuf first if buf complains
//   node scripts/compare-proto-descriptors.mjs /tmp/reference.binpb
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { fromBinary, isFieldSet } from '@bufbuild/protobuf'
import { FieldDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt'

const referencePath = process.argv[2]
if (!referencePath) {
  console.error('usage: compare-proto-descriptors.mjs <reference descriptor set (.binpb)>')
  process.exit(2)
}
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..')
const scratch = mkdtempSync(join(tmpdir(), 'soma-proto-'))
const oursPath = join(scratch, 'ours.binpb')
execFileSync(join(packageRoot, 'node_modules', '.bin', 'buf'), ['build', '-o', oursPath], { cwd: packageRoot, stdio: 'inherit' })

function describe(path) {
  const set = fromBinary(FileDescriptorSetSchema, readFileSync(path))
  const out = new Map()
  const walk = (prefix, messages) => {
    for (const m of messages) {
      const name = `${prefix}.${m.name}`
      out.set(
        name,
        m.field
          .map((f) => {
            const oneof = isFieldSet(f, FieldDescriptorProtoSchema.field.oneofIndex) && !f.proto3Optional ? m.oneofDecl[f.oneofIndex].name : ''
            return `${f.number} ${f.name} type=${f.type} label=${f.label} ${f.typeName} ${f.proto3Optional ? 'optional' : ''} ${oneof}`
          })
          .sort(),
      )
      walk(name, m.nestedType)
      for (const e of m.enumType) out.set(`${name}.${e.name}`, e.value.map((v) => `${v.number} ${v.name}`))
    }
  }
  for (const file of set.file) {
    if (!file.package.startsWith('soma.') && file.package !== 'google.rpc') continue
    walk(`.${file.package}`, file.messageType)
    for (const e of file.enumType) out.set(`.${file.package}.${e.name}`, e.value.map((v) => `${v.number} ${v.name}`))
    for (const s of file.service) {
      out.set(`service ${file.package}.${s.name}`, s.method.map((m) => `${m.name}(${m.inputType}) -> ${m.serverStreaming ? 'stream ' : ''}${m.outputType}`).sort())
    }
  }
  return out
}

const reference = describe(referencePath)
const ours = describe(oursPath)
rmSync(scratch, { recursive: true, force: true })

let compared = 0
let problems = 0
for (const [name, want] of reference) {
  const have = ours.get(name)
  if (!have) {
    // We declare only the google.rpc messages a SOMA node sends.
    if (!name.startsWith('.google.rpc')) {
      console.log(`missing: ${name}`)
      problems++
    }
    continue
  }
  compared++
  const lost = want.filter((x) => !have.includes(x))
  const extra = have.filter((x) => !want.includes(x))
  if (lost.length || extra.length) {
    problems++
    console.log(`differs: ${name}\n  reference only: ${JSON.stringify(lost)}\n  ours only:      ${JSON.stringify(extra)}`)
  }
}
for (const name of ours.keys()) if (!reference.has(name)) console.log(`extra (ours only): ${name}`)
console.log(`compared ${compared} messages/enums/services, ${problems} problem(s)`)
process.exit(problems === 0 ? 0 : 1)
