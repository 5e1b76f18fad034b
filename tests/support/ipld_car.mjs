// Reads a CAR file with the npm package @ipld/car (not Polyphony's reader) and reassembles the UnixFS file under
// each root with @ipld/dag-pb and ipfs-unixfs. Prints JSON: the roots, each block's CID and whether its bytes hash
// to it, and per root the sha256 and size of the file's bytes. Usage: node ipld_car.mjs FILE.car
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { CarBlockIterator } from '@ipld/car'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'

const RAW = 0x55
const DAG_PB = 0x70
const SHA2_256 = 0x12

const blocks = await CarBlockIterator.fromIterable(createReadStream(process.argv[2]))
const byCid = new Map()
const listed = []
for await (const { cid, bytes } of blocks) {
  const digest = createHash('sha256').update(bytes).digest()
  const verified = cid.multihash.code === SHA2_256 && Buffer.from(cid.multihash.digest).equals(digest)
  listed.push({ cid: cid.toString(), codec: cid.code, verified })
  byCid.set(cid.toString(), { cid, bytes })
}

function * fileBytes (cidText) {
  const block = byCid.get(cidText)
  if (block === undefined) throw new Error(`block ${cidText} is missing from the CAR`)
  if (block.cid.code === RAW) {
    yield block.bytes
    return
  }
  if (block.cid.code !== DAG_PB) throw new Error(`block ${cidText} is neither raw nor dag-pb`)
  const node = dagPb.decode(block.bytes)
  const unixfs = UnixFS.unmarshal(node.Data)
  if (unixfs.data !== undefined) yield unixfs.data
  for (const link of node.Links) yield * fileBytes(link.Hash.toString())
}

const roots = (await blocks.getRoots()).map((root) => root.toString())
const files = {}
for (const root of roots) {
  const hash = createHash('sha256')
  let size = 0
  for (const piece of fileBytes(root)) {
    hash.update(piece)
    size += piece.length
  }
  files[root] = { sha256: hash.digest('hex'), size }
}
process.stdout.write(JSON.stringify({ roots, blocks: listed, files }))
