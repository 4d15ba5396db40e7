/** Bearer-token authentication (`--token`): constant-time comparison of `Authorization: Bearer <token>`. */
import { timingSafeEqual, createHash } from "node:crypto";

export function checkBearer(header: string | undefined, token: string): boolean {
  if (!header) return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) return false;
  // Hash both sides so the comparison is constant-time regardless of length.
  const a = createHash("sha256").update(m[1]!).digest();
  const b = createHash("sha256").update(token).digest();
  return timingSafeEqual(a, b);
}

/** Addresses that only the local machine can reach (no token needed there). */
export function isLoopback(address: string): boolean {
  return address === "127.0.0.1" || address === "::1" || address === "localhost" || /^127\./.test(address);
}
