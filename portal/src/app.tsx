import type { ComponentChildren } from 'preact'
import { session, signOut } from './auth'
import { Page } from './components/Page'
import { setLang, useI18n } from './i18n'
import { BookingPage } from './pages/BookingPage'
import { Dashboard } from './pages/Dashboard'
import { MyBookings } from './pages/MyBookings'
import { OrganizerHome } from './pages/OrganizerHome'
import { PerformancePage } from './pages/PerformancePage'
import { Performances } from './pages/Performances'
import { RegisterPerformance } from './pages/RegisterPerformance'
import { SignIn } from './pages/SignIn'
import { SignUp } from './pages/SignUp'
import { href, navigate, useRoute, type Route } from './router'
import { useStore } from './store'

function Header({ route }: { route: Route }) {
  const { t, lang } = useI18n()
  const me = useStore(session)
  const here = route.path[0] ?? ''
  const current = (name: string) => (here === name ? 'page' : undefined)
  return (
    <header class="top">
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus() }}>
        {t('nav.skip')}
      </a>
      <div class="bar">
        <a class="brand" href={href()}>
          <img src="/favicon.svg" alt="" width="24" height="24" /> Boxoffice
        </a>
        <button
          type="button"
          class="lang"
          lang={lang === 'ko' ? 'en' : 'ko'}
          onClick={() => setLang(lang === 'ko' ? 'en' : 'ko')}
        >
          {t('nav.otherLanguage')}
        </button>
      </div>
      <nav aria-label={t('nav.label')}>
        <ul>
          <li>
            <a href={href()} aria-current={current('')}>{t('nav.performances')}</a>
          </li>
          {me && (
            <li>
              <a href={href('bookings')} aria-current={current('bookings')}>{t('nav.myBookings')}</a>
            </li>
          )}
          {me?.organizer && (
            <li>
              <a href={href('organizer')} aria-current={current('organizer')}>{t('nav.organizer')}</a>
            </li>
          )}
          {me ? (
            <li class="who">
              <span class="user" title={me.username}>{me.email ?? me.username}</span>
              <button
                type="button"
                class="link"
                onClick={() => {
                  // Leave the page first: a signed-in page must not flash its "sign in" state while Cognito answers.
                  navigate(href())
                  void signOut()
                }}
              >
                {t('nav.signOut')}
              </button>
            </li>
          ) : (
            <>
              <li>
                <a href={href('signin')} aria-current={current('signin')}>{t('nav.signIn')}</a>
              </li>
              <li>
                <a href={href('signup')} aria-current={current('signup')}>{t('nav.signUp')}</a>
              </li>
            </>
          )}
        </ul>
      </nav>
    </header>
  )
}

/** Pages that need a signed-in user (or an organizer) say so and link to the sign-in page, which returns here. */
function Guard({ organizer, children }: { organizer?: boolean; children: ComponentChildren }) {
  const { t } = useI18n()
  const me = useStore(session)
  if (!me) {
    const back = window.location.hash || href()
    return (
      <Page title={t('guard.signInTitle')}>
        <p>{t('guard.signInText')}</p>
        <p>
          <a class="button" href={`${href('signin')}?next=${encodeURIComponent(back)}`}>{t('nav.signIn')}</a>
        </p>
      </Page>
    )
  }
  if (organizer && !me.organizer) {
    return (
      <Page title={t('guard.organizerTitle')}>
        <p>{t('guard.organizerText')}</p>
      </Page>
    )
  }
  return <>{children}</>
}

function Routes({ route }: { route: Route }) {
  const { t } = useI18n()
  const [first, second, third] = route.path
  // A key per route (with its query): each page starts fresh (and its heading takes the focus) when the route changes.
  const key = `${route.path.join('/')}?${route.query}`
  switch (first) {
    case undefined:
      return <Performances key={key} />
    case 'performances':
      if (second) return <PerformancePage key={key} performanceId={second} />
      break
    case 'signin':
      return <SignIn key={key} next={route.query.get('next')} />
    case 'signup':
      return <SignUp key={key} />
    case 'bookings':
      if (!second) return <Guard><MyBookings key={key} /></Guard>
      return <Guard><BookingPage key={key} bookingId={second} /></Guard>
    case 'organizer':
      if (!second) return <Guard organizer><OrganizerHome key={key} /></Guard>
      if (second === 'new') return <Guard organizer><RegisterPerformance key={key} /></Guard>
      if (second === 'performances' && third) return <Guard organizer><Dashboard key={key} performanceId={third} /></Guard>
      break
  }
  return (
    <Page title={t('notFound.title')}>
      <p>
        <a href={href()}>{t('notFound.back')}</a>
      </p>
    </Page>
  )
}

export function App() {
  const route = useRoute()
  const { t } = useI18n()
  return (
    <>
      <Header route={route} />
      <main id="main" tabIndex={-1}>
        <Routes route={route} />
      </main>
      <footer class="bottom">
        <p>{t('footer.text')}</p>
      </footer>
    </>
  )
}
