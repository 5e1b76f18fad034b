// A browser-wallet-shaped client of the Polyphony API: ethers 6 and the npm `siwe` package, nothing of ours.
//
//   JS_CLIENT_PRIVATE_KEY=0x... node js_client.mjs <step> <api url> <rpc url> [args...]
//
// The key comes from the environment, so it shows in no process list or test failure.
// Steps (each prints one JSON object on stdout; a refused request prints the API's error and exits 1):
//   contribute FILE     sign in (EIP-4361, built by `siwe`), upload FILE, sign the claim's typed data and hand it in
//   delegate DELEGATEE  sign the Delegation the API offers and hand it in; wait until the relayer mined it
//   vote ID SUPPORT     sign the Ballot the API offers and hand it in; wait until the relayer mined it
//
// Typed data is signed as the API serves it, less `EIP712Domain` (ethers derives the domain type itself), so
// any field the API serves in a form a wallet reads differently (a uint256 as a JSON number past 2^53, say)
// makes the signature fail the API's check.
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { JsonRpcProvider, Wallet } from "ethers";
import { SiweMessage } from "siwe";

const [step, apiUrl, rpcUrl, ...args] = process.argv.slice(2);
const privateKey = process.env.JS_CLIENT_PRIVATE_KEY;
const WAIT_MS = 60_000;

class Refused extends Error {
  constructor(status, body) {
    super(`${status}: ${JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

async function call(method, path, { token, json, form, query } = {}) {
  const url = new URL(path, apiUrl);
  for (const [name, value] of Object.entries(query ?? {})) url.searchParams.set(name, value);
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form;
  }
  const response = await fetch(url, { method, headers, body });
  const answer = response.status === 204 ? null : await response.json();
  if (!response.ok) throw new Refused(response.status, answer);
  return answer;
}

async function signTypedDataAsServed(wallet, typed) {
  const { EIP712Domain, ...types } = typed.types;
  return wallet.signTypedData(typed.domain, types, typed.message);
}

async function signIn(wallet, chainId) {
  const { nonce } = await call("GET", "/auth/nonce");
  const origin = new URL(apiUrl);
  const issuedAt = new Date();
  const message = new SiweMessage({
    scheme: origin.protocol.replace(":", ""),
    domain: origin.host,
    address: wallet.address,
    statement: "Sign in to Polyphony to contribute data and follow what it earns.",
    uri: origin.origin,
    version: "1",
    chainId,
    nonce,
    issuedAt: issuedAt.toISOString(),
    expirationTime: new Date(issuedAt.getTime() + 600_000).toISOString(),
  }).prepareMessage();
  const signature = await wallet.signMessage(message);
  const { access_token: token } = await call("POST", "/auth/login", { json: { message, signature } });
  return token;
}

async function until(read, done) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`still not there after ${WAIT_MS} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function contribute(wallet, chainId, [file]) {
  const token = await signIn(wallet, chainId);
  const me = await call("GET", "/auth/me", { token });
  const form = new FormData();
  form.set("file", new Blob([await readFile(file)], { type: "application/jsonl" }), basename(file));
  for (const [name, value] of Object.entries({
    title: "From a JavaScript wallet", description: "Uploaded by ethers 6 and siwe", license: "CC-BY-4.0",
    modality: "text", language: "en", consent: "I agree that this text may train the community model.",
  })) form.set(name, value);
  const uploaded = await call("POST", "/contributions", { token, form });
  const typed = await call("GET", `/contributions/${uploaded.id}/claim`, { token });
  const signature = await signTypedDataAsServed(wallet, typed);
  const claimed = await call("POST", `/contributions/${uploaded.id}/claim`, { token, json: { signature } });
  return { signed_in_as: me.address, uploaded, primary_type: typed.primaryType, claimed };
}

async function delegate(wallet, _chainId, [delegatee]) {
  const query = { delegator: wallet.address, delegatee };
  const typed = await call("GET", "/delegations/typed-data", { query });
  const signature = await signTypedDataAsServed(wallet, typed);
  const { nonce, expiry } = typed.message;
  const body = { delegator: wallet.address, delegatee, nonce: Number(nonce), expiry: Number(expiry), signature };
  const accepted = await call("POST", "/delegations", { json: body });
  return until(() => call("GET", `/delegations/${accepted.id}`), (d) => d.status !== "accepted");
}

async function vote(wallet, _chainId, [proposalId, support]) {
  const typed = await call("GET", `/proposals/${proposalId}/ballot`, { query: { voter: wallet.address, support } });
  const signature = await signTypedDataAsServed(wallet, typed);
  const body = { voter: wallet.address, support, signature };
  const accepted = await call("POST", `/proposals/${proposalId}/votes`, { json: body });
  const ballot = () => call("GET", `/proposals/${proposalId}/votes`).then((page) =>
    page.items.find((item) => item.id === accepted.id));
  const relayed = await until(ballot, (b) => b.status !== "accepted");
  return { offered_proposal_id: typed.message.proposalId, ...relayed };
}

const STEPS = { contribute, delegate, vote };

try {
  const provider = new JsonRpcProvider(rpcUrl);
  const wallet = new Wallet(privateKey, provider);
  const { chainId } = await provider.getNetwork();
  console.log(JSON.stringify(await STEPS[step](wallet, Number(chainId), args)));
  provider.destroy();
} catch (error) {
  console.log(JSON.stringify(error instanceof Refused ? { refused: error.status, ...error.body } : { error: String(error) }));
  process.exit(1);
}
