// Sign-up, sign-in (SRP: the password never leaves the browser), refresh and sign-out against the stack's Cognito
// user pool, through Cognito's own API. Tokens live in this module's memory only: never in localStorage, sessionStorage
// or cookies, so a script injected into another tab or a shared machine's disk never finds them. The price is that a
// reload signs the user out.
import {
  AuthenticationDetails,
  CognitoRefreshToken,
  CognitoUser,
  CognitoUserAttribute,
  CognitoUserPool,
  type CognitoUserSession,
  type ICognitoStorage,
} from 'amazon-cognito-identity-js'
import { config } from './config'
import { createStore } from './store'

/** amazon-cognito-identity-js falls back to window.localStorage without a Storage of its own: give it memory. */
class MemoryStorage implements ICognitoStorage {
  private items = new Map<string, string>()
  setItem(key: string, value: string) {
    this.items.set(key, value)
  }
  getItem(key: string) {
    return this.items.get(key) ?? null
  }
  removeItem(key: string) {
    this.items.delete(key)
  }
  clear() {
    this.items.clear()
  }
}

export interface Session {
  username: string
  sub: string
  email: string | null
  organizer: boolean
  idToken: string
  /** when the ID token expires, in this device's clock (milliseconds since the epoch) */
  expiresAt: number
}

export const session = createStore<Session | null>(null)

/** Why the user was signed out without asking (a refresh that failed); shown once on the sign-in page. */
export const signedOutReason = createStore<string | null>(null)

// Refresh this long before the ID token expires (Cognito's shortest is 5 minutes); a request made closer than
// MIN_LEFT_MS to expiry refreshes first.
const REFRESH_AHEAD_MS = 2 * 60_000
const MIN_LEFT_MS = 30_000

let storage = new MemoryStorage()
let user: CognitoUser | null = null
let refreshToken: CognitoRefreshToken | null = null
let refreshTimer: number | undefined
let refreshing: Promise<void> | null = null

function pool(): CognitoUserPool {
  const cfg = config()
  return new CognitoUserPool({
    UserPoolId: cfg.userPoolId,
    ClientId: cfg.userPoolClientId,
    endpoint: cfg.cognitoEndpoint,
    Storage: storage,
  })
}

function cognitoUser(username: string): CognitoUser {
  return new CognitoUser({ Username: username, Pool: pool(), Storage: storage })
}

/** A Cognito error as the portal shows it: its code (for a translated message) and Cognito's own text. */
export class AuthError extends Error {
  code: string
  constructor(code: string, message: string) {
    super(message)
    this.code = code
  }
}

function asAuthError(err: unknown): AuthError {
  const e = err as { code?: string; name?: string; message?: string }
  return new AuthError(e?.code ?? e?.name ?? 'Unknown', e?.message ?? String(err))
}

function promised<T>(call: (cb: (err?: unknown, result?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) =>
    call((err, result) => (err ? reject(asAuthError(err)) : resolve(result as T))),
  )
}

/** Sign up with an email address as the user name; Cognito sends a code to it (see confirm). */
export async function signUp(email: string, password: string): Promise<{ confirmed: boolean }> {
  const attributes = [new CognitoUserAttribute({ Name: 'email', Value: email })]
  const result = await promised<{ userConfirmed: boolean }>((cb) =>
    pool().signUp(email, password, attributes, [], (err, r) => cb(err, r)),
  )
  return { confirmed: result.userConfirmed }
}

export function confirmSignUp(email: string, code: string): Promise<void> {
  return promised<void>((cb) => cognitoUser(email).confirmRegistration(code, true, (err) => cb(err)))
}

export function resendCode(email: string): Promise<void> {
  return promised<void>((cb) => cognitoUser(email).resendConfirmationCode((err) => cb(err)))
}

export async function signIn(username: string, password: string): Promise<Session> {
  const candidate = cognitoUser(username)
  candidate.setAuthenticationFlowType('USER_SRP_AUTH')
  const signed = await new Promise<CognitoUserSession>((resolve, reject) =>
    candidate.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), {
      onSuccess: resolve,
      onFailure: (err) => reject(asAuthError(err)),
      newPasswordRequired: () => reject(new AuthError('NewPasswordRequired', 'a new password is required')),
    }),
  )
  user = candidate
  signedOutReason.set(null)
  return adopt(signed)
}

function adopt(signed: CognitoUserSession): Session {
  const id = signed.getIdToken()
  const claims = id.decodePayload() as Record<string, unknown>
  const groups = (claims['cognito:groups'] as string[] | undefined) ?? []
  refreshToken = signed.getRefreshToken()
  const current: Session = {
    username: String(claims['cognito:username'] ?? ''),
    sub: String(claims.sub ?? ''),
    email: (claims.email as string | undefined) ?? null,
    organizer: groups.includes('organizers'),
    idToken: id.getJwtToken(),
    // Measured from now with the token's own lifetime, not from its exp: a device clock that is off (ahead, behind)
    // must neither refresh in a loop nor let the token lapse.
    expiresAt: Date.now() + (id.getExpiration() - id.getIssuedAt()) * 1000,
  }
  session.set(current)
  scheduleRefresh(current.expiresAt)
  return current
}

function scheduleRefresh(expiresAt: number) {
  window.clearTimeout(refreshTimer)
  const wait = Math.max(expiresAt - Date.now() - REFRESH_AHEAD_MS, 1_000)
  refreshTimer = window.setTimeout(() => {
    refresh().catch(() => undefined)
  }, wait)
}

/** New ID and access tokens from the refresh token (Cognito's REFRESH_TOKEN_AUTH); one at a time. */
export function refresh(): Promise<void> {
  if (!refreshing) {
    refreshing = (async () => {
      const current = user
      const token = refreshToken
      if (!current || !token) throw new AuthError('NotSignedIn', 'not signed in')
      try {
        const fresh = await promised<CognitoUserSession>((cb) => current.refreshSession(token, cb))
        if (user === current) adopt(fresh)
      } catch (err) {
        if (user === current) forget('expired')
        throw err
      }
    })().finally(() => {
      refreshing = null
    })
  }
  return refreshing
}

/** The ID token for an API call, refreshed first if it is about to expire; null when signed out. */
export async function idToken(): Promise<string | null> {
  const current = session.get()
  if (!current) return null
  if (current.expiresAt - Date.now() < MIN_LEFT_MS) await refresh()
  return session.get()?.idToken ?? null
}

/** Sign out everywhere (Cognito revokes the refresh token), then forget everything held in memory. */
export async function signOut(): Promise<void> {
  const current = user
  try {
    if (current && session.get()) {
      await new Promise<void>((resolve) => current.globalSignOut({ onSuccess: () => resolve(), onFailure: () => resolve() }))
    }
  } finally {
    forget(null)
  }
}

function forget(reason: string | null) {
  window.clearTimeout(refreshTimer)
  user = null
  refreshToken = null
  storage = new MemoryStorage()
  session.set(null)
  signedOutReason.set(reason)
}
