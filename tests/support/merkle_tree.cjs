// Builds trees with @openzeppelin/merkle-tree for the Python cross-checks: reads a JSON list of
// {"leafEncoding", "values"} cases on stdin, writes a list of {"root", "leafHashes", "proofs", "dump"}.
"use strict";

const fs = require("fs");
const { StandardMerkleTree } = require("@openzeppelin/merkle-tree");

function describe({ leafEncoding, values }) {
  const tree = StandardMerkleTree.of(values, leafEncoding);
  return {
    root: tree.root,
    leafHashes: values.map((_, index) => tree.leafHash(values[index])),
    proofs: values.map((_, index) => tree.getProof(index)),
    dump: tree.dump(),
  };
}

const cases = JSON.parse(fs.readFileSync(0, "utf8"));
// process.stdout, not fs.writeFileSync(1): a large write to a pipe fails with EAGAIN; node flushes before exiting.
process.stdout.write(JSON.stringify(cases.map(describe)));
