// The one way the app talks to the API: same origin, JSON, the bearer token when signed in, and every failure
// turned into an ApiError whose message is the API's own `error.message`, ready to show to a person.

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = "polyphony.token";
const ADDRESS_KEY = "polyphony.address";

export interface StoredSignIn {
  token: string;
  address: string;
}

export function storedSignIn(): StoredSignIn | null {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const address = sessionStorage.getItem(ADDRESS_KEY);
  return token && address ? { token, address } : null;
}

export function keepSignIn(signIn: StoredSignIn | null): void {
  if (signIn) {
    sessionStorage.setItem(TOKEN_KEY, signIn.token);
    sessionStorage.setItem(ADDRESS_KEY, signIn.address);
  } else {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(ADDRESS_KEY);
  }
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const signIn = storedSignIn();
  return { Accept: "application/json", ...(signIn ? { Authorization: `Bearer ${signIn.token}` } : {}), ...extra };
}

/** The ApiError for a response that is not ok: the API's `{"error": {"code", "message"}}`, or a plain sentence. */
export function errorOf(status: number, body: string): ApiError {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: string; message?: string } };
    if (parsed.error?.message) return new ApiError(parsed.error.message, status, parsed.error.code ?? "error");
  } catch {
    // not JSON: fall through to a sentence of our own
  }
  return new ApiError(`The server answered ${status} without saying why.`, status, "http_" + status);
}

const UNREACHABLE = "Cannot reach the Polyphony API: check your connection, or that the server is running.";

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: headers(body === undefined ? {} : { "Content-Type": "application/json" }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(UNREACHABLE, 0, "unreachable");
  }
  const text = await response.text();
  if (!response.ok) throw errorOf(response.status, text);
  return (text ? JSON.parse(text) : null) as T;
}

export const get = <T>(path: string) => api<T>("GET", path);
export const post = <T>(path: string, body?: unknown) => api<T>("POST", path, body);

/** A multipart POST through XMLHttpRequest, whose upload events report progress (fetch has none). */
export function postForm<T>(path: string, form: FormData, onProgress?: (sent: number, total: number) => void) {
  return new Promise<T>((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", path);
    for (const [name, value] of Object.entries(headers())) request.setRequestHeader(name, value);
    if (onProgress) request.upload.onprogress = (event) => onProgress(event.loaded, event.total);
    request.onerror = () => reject(new ApiError(UNREACHABLE, 0, "unreachable"));
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) resolve(JSON.parse(request.responseText) as T);
      else reject(errorOf(request.status, request.responseText));
    };
    request.send(form);
  });
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** A page of a list, as every list route answers. */
export interface Page<T> {
  items: T[];
  total: number;
  offset: number;
  limit: number;
}
