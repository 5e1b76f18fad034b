// The browser wallet: found by EIP-6963 (falling back to window.ethereum), moved to the deployment's chain,
// and used to sign in (EIP-4361 through the API), sign typed data and read the chain. viem does the encoding.
import { decodeFunctionResult, encodeFunctionData, erc20Abi, getAddress, toHex } from "viem";
import { createSiweMessage } from "viem/siwe";
import { get, keepSignIn, post } from "./api";
import { loadConfig } from "./config";
import type { Eip1193Provider, Wallet } from "./discover";

export type { Eip1193Provider, Wallet } from "./discover";

/** The statement of the sign-in message (EIP-4361): the same words the API and the CLI use. */
const STATEMENT = "Sign in to Polyphony to contribute data and follow what it earns.";
const SIGN_IN_LIFETIME_S = 300;

interface RpcError {
  code?: number;
  message?: string;
}

const UNKNOWN_CHAIN = 4902;

/** Ask the wallet onto `chainId`: switch, and if the wallet does not know the chain, add it first. */
export async function ensureChain(provider: Eip1193Provider, chainId: number, rpcUrl: string | null) {
  const current = Number(await provider.request({ method: "eth_chainId" }));
  if (current === chainId) return;
  const hexId = toHex(chainId);
  try {
    await provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId: hexId }] });
  } catch (error) {
    if ((error as RpcError).code !== UNKNOWN_CHAIN || !rpcUrl) throw walletError(error);
    await provider.request({
      method: "wallet_addEthereumChain",
      params: [{ chainId: hexId, chainName: `Polyphony (${chainId})`, rpcUrls: [rpcUrl],
                 nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 } }],
    });
    await provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId: hexId }] });
  }
}

/** A wallet's refusal or failure as an Error a person can read. */
export function walletError(error: unknown): Error {
  const { code, message } = (error ?? {}) as RpcError;
  if (code === 4001) return new Error("The wallet request was declined.");
  return new Error(`The wallet answered: ${message ?? String(error)}`);
}

async function request<T>(provider: Eip1193Provider, method: string, params?: unknown[]): Promise<T> {
  try {
    return (await provider.request({ method, params })) as T;
  } catch (error) {
    throw walletError(error);
  }
}

/** Connect to `provider`, move it to the deployment's chain, and sign in to the API with it. */
export async function connectAndSignIn(provider: Eip1193Provider, name: string): Promise<Wallet> {
  const [account] = await request<string[]>(provider, "eth_requestAccounts");
  if (!account) throw new Error("The wallet shared no account.");
  const address = getAddress(account);
  const config = await loadConfig();
  if (config.chainId !== null) await ensureChain(provider, config.chainId, config.publicRpcUrl);
  const chainId = config.chainId ?? Number(await request<string>(provider, "eth_chainId"));
  const { nonce } = await get<{ nonce: string }>("/auth/nonce");
  const issuedAt = new Date();
  const message = createSiweMessage({
    scheme: location.protocol.replace(":", ""),
    domain: location.host,
    address,
    statement: STATEMENT,
    uri: location.origin,
    version: "1",
    chainId,
    nonce,
    issuedAt,
    expirationTime: new Date(issuedAt.getTime() + SIGN_IN_LIFETIME_S * 1000),
  });
  const signature = await request<string>(provider, "personal_sign", [toHex(message), address]);
  const signedIn = await post<{ access_token: string; address: string }>("/auth/login", { message, signature });
  keepSignIn({ token: signedIn.access_token, address: signedIn.address });
  return { provider, name, address: signedIn.address };
}

/** Sign EIP-712 typed data, as the API offers it, with the wallet. */
export function signTypedData(wallet: Wallet, typed: unknown): Promise<string> {
  return request<string>(wallet.provider, "eth_signTypedData_v4", [wallet.address, JSON.stringify(typed)]);
}

/** The account's PLY balance in base units, read through the wallet (null while the token address is unknown). */
export async function tokenBalance(wallet: Wallet): Promise<string | null> {
  const token = (await loadConfig()).contracts.token;
  if (!token) return null;
  const data = encodeFunctionData({ abi: erc20Abi, functionName: "balanceOf", args: [wallet.address as `0x${string}`] });
  const answer = await request<`0x${string}`>(wallet.provider, "eth_call", [{ to: token, data }, "latest"]);
  return decodeFunctionResult({ abi: erc20Abi, functionName: "balanceOf", data: answer }).toString();
}
