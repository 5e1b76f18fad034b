// js-ipfs 0.66.1 resolves mortice 3.3 (the lock its repo and libp2p's peer store take), which calls
// Promise.withResolvers: node 22 has it, node 20 does not, and the daemon dies at start without it.
// Loaded into the test node with NODE_OPTIONS=--require (see ipfs_node.py).
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((onResolve, onReject) => {
      resolve = onResolve;
      reject = onReject;
    });
    return { promise, resolve, reject };
  };
}
