import { useState } from 'preact/hooks'
import { confirmSignUp, resendCode, signIn, signUp } from '../auth'
import { Notice } from '../components/Notice'
import { Page } from '../components/Page'
import { useI18n } from '../i18n'
import { href, navigate } from '../router'
import { authProblem } from './authErrors'

/** Sign up with an email address and a password, then the code Cognito sends to that address. */
export function SignUp() {
  const i = useI18n()
  const { t } = i
  const pending = new URLSearchParams(window.location.hash.split('?')[1] ?? '').get('confirm')
  const [step, setStep] = useState<'form' | 'confirm'>(pending ? 'confirm' : 'form')
  const [email, setEmail] = useState(pending ?? '')
  const [password, setPassword] = useState('')
  const [code, setCode] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [info, setInfo] = useState<string | null>(null)

  async function register(e: Event) {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const { confirmed } = await signUp(email.trim(), password)
      if (confirmed) {
        await signIn(email.trim(), password)
        navigate(href())
      } else {
        setStep('confirm')
      }
    } catch (err) {
      setError(authProblem(i, err))
    } finally {
      setBusy(false)
    }
  }

  async function confirm(e: Event) {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await confirmSignUp(email.trim(), code.trim())
      if (password) {
        await signIn(email.trim(), password)
        navigate(href())
      } else {
        navigate(href('signin'))
      }
    } catch (err) {
      setError(authProblem(i, err))
    } finally {
      setBusy(false)
    }
  }

  async function resend() {
    setError(null)
    try {
      await resendCode(email.trim())
      setInfo(t('signup.resent'))
    } catch (err) {
      setError(authProblem(i, err))
    }
  }

  if (step === 'confirm') {
    return (
      <Page title={t('signup.confirmTitle')}>
        <p>{t('signup.confirmText', { email })}</p>
        <form class="narrow" onSubmit={confirm} noValidate>
          <div class="field">
            <label for="code">{t('signup.code')}</label>
            <input id="code" name="code" type="text" inputMode="numeric" autoComplete="one-time-code" required value={code} onInput={(e) => setCode(e.currentTarget.value)} />
          </div>
          {info && <Notice kind="info">{info}</Notice>}
          {error && <Notice kind="error">{error}</Notice>}
          <button type="submit" class="primary" disabled={busy || !code} aria-busy={busy}>
            {t('signup.confirm')}
          </button>
          <button type="button" class="link" onClick={resend}>
            {t('signup.resend')}
          </button>
        </form>
      </Page>
    )
  }
  return (
    <Page title={t('signup.title')}>
      <form class="narrow" onSubmit={register} noValidate>
        <div class="field">
          <label for="email">{t('signup.email')}</label>
          <input id="email" name="email" type="email" autoComplete="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="new-password">{t('signup.password')}</label>
          <input id="new-password" name="password" type="password" autoComplete="new-password" required minLength={12} aria-describedby="password-help" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
          <p id="password-help" class="help">{t('signup.passwordHelp')}</p>
        </div>
        {error && <Notice kind="error">{error}</Notice>}
        <button type="submit" class="primary" disabled={busy || !email || !password} aria-busy={busy}>
          {busy ? t('signup.busy') : t('signup.submit')}
        </button>
      </form>
      <p>
        {t('signup.haveAccount')} <a href={href('signin')}>{t('nav.signIn')}</a>
      </p>
    </Page>
  )
}
