// Finding the browser's wallets (EIP-6963, falling back to window.ethereum). No chain library here: the
// shell loads this on every page, and viem only once a wallet is used (lib/wallet.ts).

export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] | object }): Promise<unknown>;
  on?(event: string, listener: (...args: unknown[]) => void): void;
}

interface ProviderInfo {
  uuid: string;
  name: string;
  icon: string;
  rdns: string;
}

export interface Wallet {
  provider: Eip1193Provider;
  name: string;
  address: string;
}

declare global {
  interface Window {
    ethereum?: Eip1193Provider;
  }
}

const DISCOVERY_MS = 150;

/** Wallets that announce themselves (EIP-6963), or the injected window.ethereum when none does. */
export function discoverWallets(): Promise<{ info: ProviderInfo; provider: Eip1193Provider }[]> {
  return new Promise((resolve) => {
    const found = new Map<string, { info: ProviderInfo; provider: Eip1193Provider }>();
    const onAnnounce = (event: Event) => {
      const detail = (event as CustomEvent<{ info: ProviderInfo; provider: Eip1193Provider }>).detail;
      if (detail?.info?.uuid && detail.provider) found.set(detail.info.uuid, detail);
    };
    window.addEventListener("eip6963:announceProvider", onAnnounce);
    window.dispatchEvent(new Event("eip6963:requestProvider"));
    setTimeout(() => {
      window.removeEventListener("eip6963:announceProvider", onAnnounce);
      const wallets = [...found.values()];
      if (wallets.length === 0 && window.ethereum) {
        const info = { uuid: "injected", name: "Browser wallet", icon: "", rdns: "" };
        wallets.push({ info, provider: window.ethereum });
      }
      resolve(wallets);
    }, DISCOVERY_MS);
  });
}

