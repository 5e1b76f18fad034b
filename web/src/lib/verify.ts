// Re-checking a contribution's provenance in the browser, trusting neither the API nor this app's server:
// the Merkle proof must lead from the leaf to the root, and the provenance registry on the chain itself
// (through the wallet, or the deployment's public RPC) must hold that root as anchored in the stated block.
import { type Hex, concat, createPublicClient, custom, http, keccak256, parseAbi } from "viem";
import type { Eip1193Provider } from "./discover";

export interface Provenance {
  leaf: Hex;
  proof: Hex[];
  root: Hex;
  batch_cid: string;
  tx_hash: Hex;
  block_number: number;
  chain_id: number;
  registry: Hex;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

const REGISTRY_ABI = parseAbi(["function batchBlock(bytes32 root) view returns (uint256)"]);

/** The root a proof leads to: each step hashes the sorted pair, as OpenZeppelin's MerkleProof does. */
export function rootOf(leaf: Hex, proof: Hex[]): Hex {
  return proof.reduce<Hex>((node, sibling) => {
    const [low, high] = BigInt(node) <= BigInt(sibling) ? [node, sibling] : [sibling, node];
    return keccak256(concat([low, high]));
  }, leaf);
}

export async function verifyProvenance(
  provenance: Provenance,
  source: { provider: Eip1193Provider } | { rpcUrl: string },
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const computed = rootOf(provenance.leaf, provenance.proof);
  const proofHolds = computed.toLowerCase() === provenance.root.toLowerCase();
  results.push({
    name: "The Merkle proof leads from the leaf to the root",
    ok: proofHolds,
    detail: proofHolds
      ? `${provenance.proof.length} proof steps give ${computed}`
      : `the proof gives ${computed}, not ${provenance.root}`,
  });
  if (!proofHolds) return results;
  const transport = "provider" in source ? custom(source.provider) : http(source.rpcUrl);
  const client = createPublicClient({ transport });
  const chainId = await client.getChainId();
  const rightChain = chainId === provenance.chain_id;
  results.push({
    name: "The chain is the one the contribution was anchored on",
    ok: rightChain,
    detail: rightChain ? `chain ${chainId}` : `this chain is ${chainId}, the anchor is on chain ${provenance.chain_id}`,
  });
  if (!rightChain) return results;
  const block = await client.readContract({
    address: provenance.registry,
    abi: REGISTRY_ABI,
    functionName: "batchBlock",
    args: [provenance.root],
  });
  const anchored = block !== 0n && block === BigInt(provenance.block_number);
  results.push({
    name: "The provenance registry holds the root, anchored in the stated block",
    ok: anchored,
    detail:
      block === 0n
        ? `the registry at ${provenance.registry} has no batch with root ${provenance.root}`
        : `the registry says block ${block}; the API says block ${provenance.block_number}`,
  });
  return results;
}
