import { useRef, useState } from 'preact/hooks'
import { all, ApiError, call, get, type Booking, type BookingStatus, type BookingSummary, type Performance } from '../api'
import { Notice } from '../components/Notice'
import { Page } from '../components/Page'
import { SalesChart } from '../components/SalesChart'
import { Scroll } from '../components/Scroll'
import { BookingStatus as StatusBadge, RefundStatus } from '../components/Status'
import { usePoll } from '../hooks'
import { useI18n, type MessageKey } from '../i18n'
import { href } from '../router'
import { PerformanceBadges } from './shared'

// The chart is drawn from the bookings list (the API has no time series): at most this many, the newest.
const CHART_MAX = 1000
const LIST_PAGE = 50
// The statuses the API filters by (a booking is HELD only for the moment its payment is being taken).
const STATUSES: BookingStatus[] = ['CONFIRMED', 'PAYMENT_PENDING', 'PAYMENT_FAILED', 'EXPIRED', 'CANCELLED']

export function Dashboard({ performanceId }: { performanceId: string }) {
  const i = useI18n()
  const { t } = i
  const base = `/performances/${encodeURIComponent(performanceId)}`
  const [performance, setPerformance] = useState<Performance | null>(null)
  const [summary, setSummary] = useState<BookingSummary | null>(null)
  const [history, setHistory] = useState<{ items: Booking[]; more: boolean } | null>(null)
  const [list, setList] = useState<{ items: Booking[]; next: string | null } | null>(null)
  const [status, setStatus] = useState('')
  const [team, setTeam] = useState('')
  const [error, setError] = useState<ApiError | Error | null>(null)
  const [readAt, setReadAt] = useState(Date.now())
  const chartCounts = useRef<string | null>(null)

  const filters = () => {
    const query = new URLSearchParams({ limit: String(LIST_PAGE) })
    if (status) query.set('status', status)
    if (team) query.set('team', team)
    return query
  }

  // Everything is read again every 5 seconds, so a sale shows up without a reload.
  usePoll(
    async (signal) => {
      try {
        const perf = await get<Performance>(base, true, signal)
        setPerformance(perf)
        let page: { items: Booking[]; nextToken?: string | null; summary: BookingSummary }
        try {
          page = await get(`${base}/bookings?${filters()}`, true, signal)
        } catch (err) {
          // The status view learns of a new performance through events, a moment after it is registered.
          if (err instanceof ApiError && err.code === 'PERFORMANCE_NOT_FOUND') {
            setError(null)
            return
          }
          throw err
        }
        // The chart's bookings (up to CHART_MAX pages' worth) are read again only when the counts have moved.
        const counts = [page.summary.confirmedTickets, page.summary.cancelledTickets, page.summary.pendingTickets].join()
        if (counts !== chartCounts.current) {
          const sales = await all<Booking>(`${base}/bookings`, true, CHART_MAX, signal)
          setHistory({ items: sales.items, more: sales.more })
          chartCounts.current = counts
        }
        setSummary(page.summary)
        setList({ items: page.items, next: page.nextToken ?? null })
        setReadAt(Date.now())
        setError(null)
      } catch (err) {
        if ((err as Error).name !== 'AbortError') setError(err as Error)
      }
    },
    summary ? 5_000 : 1_000,
    true,
    [performanceId, status, team],
  )

  async function more() {
    if (!list?.next) return
    const query = filters()
    query.set('nextToken', list.next)
    try {
      const page = await get<{ items: Booking[]; nextToken?: string | null }>(`${base}/bookings?${query}`, true)
      setList({ items: [...list.items, ...page.items], next: page.nextToken ?? null })
    } catch (err) {
      setError(err as Error)
    }
  }

  if (!performance || !summary) {
    const denied = error instanceof ApiError && [403, 404, 400].includes(error.status)
    const title = denied ? t('dash.notYours') : performance ? t('dash.title', { title: performance.title }) : t('common.loading')
    return (
      <Page title={title}>
        {error && <Notice kind="error">{t('error.load', { message: error.message })}</Notice>}
        {performance && !error && <p role="status">{t('dash.preparing')}</p>}
        <p>
          <a href={href('organizer')}>{t('org.title')}</a>
        </p>
      </Page>
    )
  }
  const p = performance
  const match = p.kind === 'MATCH'
  const stakes = (summary.teams ?? []).reduce((sum, tm) => sum + tm.stake, 0)
  return (
    <Page title={t('dash.title', { title: p.title })} wide>
      <PerformanceBadges performance={p} />
      <p>
        <time dateTime={p.startsAt}>{i.dateTime(p.startsAt)}</time> · {p.venue}
      </p>
      {error && <Notice kind="error">{t('error.load', { message: error.message })}</Notice>}

      <ul class="tiles" aria-label={t('dash.figures')}>
        <li>
          <span class="tile-label">{t('dash.headcount')}</span>
          <span class="tile-value" data-figure="headcount">{i.number(p.bookedCount)}</span>
          <span class="muted">/ {i.number(p.capacity)}</span>
        </li>
        <li>
          <span class="tile-label">{t('dash.sold')}</span>
          <span class="tile-value" data-figure="sold">{i.number(summary.confirmedTickets)}</span>
        </li>
        <li>
          <span class="tile-label">{t(match ? 'dash.revenueWithStakes' : 'dash.revenue')}</span>
          <span class="tile-value" data-figure="revenue">{i.won(summary.revenue)}</span>
        </li>
        {match && (
          <li>
            <span class="tile-label">{t('dash.stakes')}</span>
            <span class="tile-value" data-figure="stakes">{i.won(stakes)}</span>
          </li>
        )}
        <li>
          <span class="tile-label">{t('dash.pending')}</span>
          <span class="tile-value" data-figure="pending">{i.number(summary.pendingTickets)}</span>
        </li>
        <li>
          <span class="tile-label">{t('dash.cancelled')}</span>
          <span class="tile-value" data-figure="cancelled">{i.number(summary.cancelledTickets)}</span>
        </li>
      </ul>

      <h2>{t('dash.byGrade')}</h2>
      <Scroll label={t('dash.byGrade')}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('perf.grade')}</th>
              <th scope="col" class="num">{t('perf.price')}</th>
              <th scope="col" class="num">{t('dash.sold')}</th>
              <th scope="col" class="num">{t('dash.held')}</th>
              <th scope="col" class="num">{t('perf.remaining')}</th>
              <th scope="col" class="num">{t('dash.revenue')}</th>
            </tr>
          </thead>
          <tbody>
            {summary.grades.map((g) => (
              <tr key={g.grade} data-grade={g.grade}>
                <th scope="row">{g.grade}</th>
                <td class="num">{i.won(g.price)}</td>
                <td class="num">{i.number(g.sold)}</td>
                <td class="num">{i.number(g.held)}</td>
                <td class="num">{i.number(g.remaining)}</td>
                <td class="num">{i.won(g.revenue)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Scroll>

      {match && summary.teams && (
        <>
          <h2>{t('dash.byTeam')}</h2>
          <Scroll label={t('dash.byTeam')}>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('book.team')}</th>
                  <th scope="col" class="num">{t('dash.sold')}</th>
                  <th scope="col" class="num">{t('dash.bookingCount')}</th>
                  <th scope="col" class="num">{t('dash.stakes')}</th>
                </tr>
              </thead>
              <tbody>
                {summary.teams.map((tm) => (
                  <tr key={tm.team} data-team={tm.team}>
                    <th scope="row">{tm.team}</th>
                    <td class="num">{i.number(tm.tickets)}</td>
                    <td class="num">{i.number(tm.bookings)}</td>
                    <td class="num">{i.won(tm.stake)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Scroll>
        </>
      )}

      <h2>{t('dash.overTime')}</h2>
      {history && <SalesChart bookings={history.items} now={readAt} />}
      {history?.more && <p class="muted">{t('dash.chartTruncated', { n: CHART_MAX })}</p>}

      <h2 id="bookings-title">{t('dash.bookings')}</h2>
      <form class="filters" aria-labelledby="bookings-title" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="status-filter">{t('dash.statusFilter')}</label>
          <select id="status-filter" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">{t('dash.all')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}` as MessageKey)}
              </option>
            ))}
          </select>
        </div>
        {match && p.teams && (
          <div class="field">
            <label for="team-filter">{t('dash.teamFilter')}</label>
            <select id="team-filter" value={team} onChange={(e) => setTeam(e.currentTarget.value)}>
              <option value="">{t('dash.all')}</option>
              {p.teams.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </div>
        )}
      </form>
      <Scroll label={t('dash.bookings')}>
        <table class="booking-list">
          <thead>
            <tr>
              <th scope="col">{t('dash.bookedAt')}</th>
              <th scope="col">{t('perf.grade')}</th>
              <th scope="col" class="num">{t('booking.tickets')}</th>
              {match && <th scope="col">{t('book.team')}</th>}
              <th scope="col" class="num">{t('booking.amount')}</th>
              <th scope="col">{t('dash.status')}</th>
            </tr>
          </thead>
          <tbody>
            {(list?.items ?? []).map((b) => (
              <tr key={b.bookingId} data-booking={b.bookingId}>
                <td>
                  <time dateTime={b.createdAt}>{i.dateTime(b.createdAt)}</time>
                </td>
                <td>{b.grade}</td>
                <td class="num">{b.quantity}</td>
                {match && <td>{b.team ?? ''}</td>}
                <td class="num">{i.won(b.amount)}</td>
                <td>
                  <StatusBadge booking={b} /> <RefundStatus booking={b} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Scroll>
      {list?.items.length === 0 && <p class="muted">{t('dash.noBookings')}</p>}
      {list?.next && (
        <button type="button" class="secondary" onClick={more}>
          {t('common.more')}
        </button>
      )}

      {p.status === 'OPEN' && <CancelPerformance performance={p} onCancelled={setPerformance} />}
    </Page>
  )
}

/** Cancelling a whole performance refunds everyone: the organizer types its title to confirm. */
function CancelPerformance({ performance: p, onCancelled }: { performance: Performance; onCancelled: (p: Performance) => void }) {
  const { t } = useI18n()
  const [typed, setTyped] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const matches = typed.trim() === p.title.trim()

  async function cancel(e: Event) {
    e.preventDefault()
    if (!matches) return
    setBusy(true)
    setError(null)
    try {
      const answer = await call<Performance>('POST', `/performances/${encodeURIComponent(p.performanceId)}/cancel`, { auth: true })
      onCancelled(answer.body)
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section class="danger-zone" aria-labelledby="cancel-title">
      <h2 id="cancel-title">{t('dash.cancelTitle')}</h2>
      <p>{t('dash.cancelText')}</p>
      <form onSubmit={cancel} noValidate>
        <div class="field">
          <label for="confirm-title-input">{t('dash.cancelType', { title: p.title })}</label>
          <input id="confirm-title-input" type="text" autoComplete="off" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} />
        </div>
        {error && <Notice kind="error">{error}</Notice>}
        <button type="submit" class="danger" disabled={!matches || busy} aria-busy={busy}>
          {t('dash.cancelButton')}
        </button>
      </form>
    </section>
  )
}
