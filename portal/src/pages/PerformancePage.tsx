import { useState } from 'preact/hooks'
import { ApiError, get, type Performance } from '../api'
import { session } from '../auth'
import { Notice } from '../components/Notice'
import { Page } from '../components/Page'
import { usePoll } from '../hooks'
import { useI18n } from '../i18n'
import { href } from '../router'
import { useStore } from '../store'
import { BookingForm } from './BookingForm'
import { PerformanceBadges } from './shared'
import { TallyView } from './TallyView'

export function PerformancePage({ performanceId }: { performanceId: string }) {
  const i = useI18n()
  const { t } = i
  const me = useStore(session)
  const [performance, setPerformance] = useState<Performance | null>(null)
  const [error, setError] = useState<ApiError | Error | null>(null)

  // Remaining seats move while people book: read them again every 10 s.
  usePoll(
    async (signal) => {
      try {
        setPerformance(await get<Performance>(`/performances/${encodeURIComponent(performanceId)}`, false, signal))
        setError(null)
      } catch (err) {
        if ((err as Error).name !== 'AbortError') setError(err as Error)
      }
    },
    10_000,
    true,
    [performanceId],
  )

  if (!performance) {
    const missing = error instanceof ApiError && (error.status === 404 || error.status === 400)
    return (
      <Page title={missing ? t('perf.notFound') : t('common.loading')}>
        {error && !missing && <Notice kind="error">{t('error.load', { message: error.message })}</Notice>}
        {missing && <p><a href={href()}>{t('notFound.back')}</a></p>}
      </Page>
    )
  }
  const p = performance
  const match = p.kind === 'MATCH'
  return (
    <Page title={p.title}>
      <PerformanceBadges performance={p} />
      {match && p.teams && <p class="teams">{p.teams.join(' vs ')}</p>}
      <dl class="facts">
        <dt>{t('perf.startsAt')}</dt>
        <dd>
          <time dateTime={p.startsAt}>{i.dateTime(p.startsAt)}</time>
        </dd>
        <dt>{t('perf.venue')}</dt>
        <dd>{p.venue}</dd>
        <dt>{t('perf.limit')}</dt>
        <dd>{t('perf.limitValue', { n: p.maxPerCustomer })}</dd>
      </dl>
      {p.status === 'CANCELLED' && <Notice kind="warning">{t('perf.cancelledText')}</Notice>}

      <h2>{t('perf.grades')}</h2>
      <table class="grades">
        <caption class="sr-only">{t('perf.gradesCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('perf.grade')}</th>
            <th scope="col" class="num">{t('perf.price')}</th>
            <th scope="col" class="num">{t('perf.remaining')}</th>
          </tr>
        </thead>
        <tbody>
          {p.grades.map((g) => (
            <tr key={g.grade}>
              <th scope="row">{g.grade}</th>
              <td class="num">{g.price === 0 ? t('perf.free') : i.won(g.price)}</td>
              <td class="num">
                {g.remaining > 0 ? t('perf.seatsOf', { n: i.number(g.remaining), total: i.number(g.seats) }) : <strong class="soldout-text">{t('perf.soldOut')}</strong>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      {match && <TallyView performanceId={p.performanceId} />}

      {p.status === 'OPEN' &&
        (me ? (
          <BookingForm performance={p} />
        ) : (
          <p>
            <a class="button" href={`${href('signin')}?next=${encodeURIComponent(href('performances', p.performanceId))}`}>
              {t('book.signInToBook')}
            </a>
          </p>
        ))}
    </Page>
  )
}
