import { useState } from 'preact/hooks'
import { AuthError, signedOutReason, signIn } from '../auth'
import { Notice } from '../components/Notice'
import { Page } from '../components/Page'
import { useI18n } from '../i18n'
import { href, navigate } from '../router'
import { useStore } from '../store'
import { authProblem } from './authErrors'

/** Only a fragment route of this portal may be a `next` (never another site). */
const safeNext = (next: string | null) => (next && next.startsWith('#/') ? next : null)

export function SignIn({ next }: { next: string | null }) {
  const i = useI18n()
  const { t } = i
  const reason = useStore(signedOutReason)
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [unconfirmed, setUnconfirmed] = useState(false)

  async function submit(e: Event) {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const me = await signIn(username.trim(), password)
      navigate(safeNext(next) ?? (me.organizer ? href('organizer') : href()))
    } catch (err) {
      setUnconfirmed(err instanceof AuthError && err.code === 'UserNotConfirmedException')
      setError(authProblem(i, err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Page title={t('signin.title')}>
      {reason === 'expired' && <Notice kind="info">{t('signin.expired')}</Notice>}
      <form class="narrow" onSubmit={submit} noValidate>
        <div class="field">
          <label for="username">{t('signin.username')}</label>
          <input id="username" name="username" type="text" autoComplete="username" autoCapitalize="none" spellcheck={false} required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="password">{t('signin.password')}</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </div>
        {error && (
          <Notice kind="error">
            {error}
            {unconfirmed && (
              <>
                {' '}
                <a href={`${href('signup')}?confirm=${encodeURIComponent(username.trim())}`}>{t('signin.confirmNow')}</a>
              </>
            )}
          </Notice>
        )}
        <button type="submit" class="primary" disabled={busy || !username || !password} aria-busy={busy}>
          {busy ? t('signin.busy') : t('signin.submit')}
        </button>
      </form>
      <p>
        {t('signin.noAccount')} <a href={href('signup')}>{t('nav.signUp')}</a>
      </p>
    </Page>
  )
}
