"""A test wallet for the browser: an EIP-1193 provider injected before the page's scripts, which announces
itself by EIP-6963, forwards chain reads to the real anvil, and signs with a real key here in Python."""

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from playwright.sync_api import BrowserContext

BINDING = "__polyphonyTestWallet"
WALLET_NAME = "Polyphony test wallet"
UNKNOWN_CHAIN = 4902

# Runs in the page before any of its scripts: the provider, and its EIP-6963 announcement (now and on request).
PROVIDER_SCRIPT = """
(() => {
  const provider = {
    async request({ method, params }) {
      const answer = JSON.parse(await window.%(binding)s(method, JSON.stringify(params ?? [])));
      if (answer.error) {
        const error = new Error(answer.error.message);
        error.code = answer.error.code;
        throw error;
      }
      return answer.result;
    },
    on() {},
    removeListener() {},
  };
  const info = Object.freeze({
    uuid: "6f1d3a52-2b7e-4c1a-9a0f-polyphony-test", name: %(name)s, rdns: "org.polyphony.testwallet",
    icon: "data:image/svg+xml,%%3Csvg xmlns='http://www.w3.org/2000/svg'/%%3E",
  });
  const announce = () =>
    window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();
"""


class WalletRefusal(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class TestWallet:
    """Signs as `account`; every other request goes to the chain at `rpc_url`."""

    account: LocalAccount
    rpc_url: str
    requests: list[str] = field(default_factory=list)

    __test__ = False  # not a test class, whatever its name

    @property
    def address(self) -> str:
        return str(self.account.address)

    def install(self, context: BrowserContext) -> None:
        """Inject this wallet into every page `context` opens."""
        context.expose_binding(BINDING, lambda _source, method, params: self.handle(method, params))
        context.add_init_script(PROVIDER_SCRIPT % {"binding": BINDING, "name": json.dumps(WALLET_NAME)})

    def handle(self, method: str, params_json: str) -> str:
        self.requests.append(method)
        try:
            return json.dumps({"result": self.answer(method, json.loads(params_json))})
        except WalletRefusal as refusal:
            return json.dumps({"error": {"code": refusal.code, "message": str(refusal)}})

    def answer(self, method: str, params: list[Any]) -> Any:
        if method in ("eth_accounts", "eth_requestAccounts"):
            return [self.address]
        if method == "personal_sign":
            message = bytes.fromhex(params[0].removeprefix("0x"))
            self._check_signer(params[1])
            return "0x" + bytes(self.account.sign_message(encode_defunct(primitive=message)).signature).hex()
        if method == "eth_signTypedData_v4":
            self._check_signer(params[0])
            typed = json.loads(params[1])
            return "0x" + bytes(self.account.sign_typed_data(full_message=typed).signature).hex()
        if method == "wallet_switchEthereumChain":
            if int(params[0]["chainId"], 16) != int(self.rpc("eth_chainId", []), 16):
                raise WalletRefusal(UNKNOWN_CHAIN, "this wallet knows only the test chain")
            return None
        return self.rpc(method, params)

    def _check_signer(self, address: str) -> None:
        if address.lower() != self.address.lower():
            raise WalletRefusal(4100, f"this wallet holds {self.address}, not {address}")

    def rpc(self, method: str, params: list[Any]) -> Any:
        answer = httpx.post(self.rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).json()
        if "error" in answer:
            raise WalletRefusal(answer["error"].get("code", -32000), answer["error"].get("message", "RPC error"))
        return answer["result"]
