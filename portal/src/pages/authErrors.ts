import { AuthError } from '../auth'
import type { I18n, MessageKey } from '../i18n'

// Cognito's error codes the portal explains in the viewer's language; anything else is shown as Cognito said it.
const KNOWN: Record<string, MessageKey> = {
  NotAuthorizedException: 'auth.wrongPassword',
  UserNotFoundException: 'auth.wrongPassword', // never say which of the two was wrong
  UsernameExistsException: 'auth.exists',
  InvalidPasswordException: 'auth.weakPassword',
  CodeMismatchException: 'auth.badCode',
  ExpiredCodeException: 'auth.expiredCode',
  LimitExceededException: 'auth.tooMany',
  TooManyRequestsException: 'auth.tooMany',
  InvalidParameterException: 'auth.invalid',
  UserNotConfirmedException: 'auth.notConfirmed',
}

export function authProblem(i: I18n, err: unknown): string {
  if (err instanceof AuthError) {
    const key = KNOWN[err.code]
    return key ? i.t(key, { message: err.message }) : i.t('auth.failed', { message: err.message })
  }
  return i.t('auth.failed', { message: (err as Error)?.message ?? String(err) })
}
