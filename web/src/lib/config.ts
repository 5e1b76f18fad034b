// What the app needs to know of the deployment: the chain id, the contract addresses and the public RPC URL,
// from the API's public configuration. One place reads it, so the rest of the app never guesses.
import { ApiError, get } from "./api";

export interface PublicConfig {
  chainId: number | null;
  contracts: Record<string, string>;
  publicRpcUrl: string | null;
  explorerUrl: string | null; // where a transaction link points, when the deployment has an explorer
}

interface ConfigAnswer {
  chain_id?: number;
  contracts?: Record<string, string | { address: string }>;
  rpc_url?: string | null; // POLYPHONY_PUBLIC_RPC_URL, or null: read the chain through the wallet
  explorer_url?: string | null;
}

export const CONFIG_PATH = "/config";

let loading: Promise<PublicConfig> | null = null;

/** The deployment's public configuration (`GET /config`); where the API has no such route (404), an empty
 * one: sign-in then names the wallet's chain, and the server says if that is the wrong one. */
export function loadConfig(): Promise<PublicConfig> {
  loading ??= get<ConfigAnswer>(CONFIG_PATH).then(
    (answer) => ({
      chainId: answer.chain_id ?? null,
      contracts: Object.fromEntries(
        Object.entries(answer.contracts ?? {}).map(([name, value]) => [
          name,
          typeof value === "string" ? value : value.address,
        ]),
      ),
      publicRpcUrl: answer.rpc_url ?? null,
      explorerUrl: answer.explorer_url ?? null,
    }),
    (error: unknown) => {
      if (error instanceof ApiError && error.status === 404) return { chainId: null, contracts: {}, publicRpcUrl: null, explorerUrl: null };
      loading = null; // a passing failure: ask again next time
      throw error;
    },
  );
  return loading;
}
