import { useMemo, useState } from 'preact/hooks'
import { all, type Performance } from '../api'
import { Notice } from '../components/Notice'
import { Page } from '../components/Page'
import { usePoll } from '../hooks'
import { useI18n } from '../i18n'
import { href } from '../router'
import { PerformanceBadges, priceFrom, seatsLeft } from './shared'

// The API lists performances by start time, with no search: the portal reads up to this many and filters them here.
const MAX_READ = 500

/** The viewer's own calendar day of an instant, as the <input type=date> value format (YYYY-MM-DD). */
function localDay(iso: string): string {
  const d = new Date(iso)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

export function Performances() {
  const i = useI18n()
  const { t } = i
  const [items, setItems] = useState<Performance[] | null>(null)
  const [more, setMore] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [query, setQuery] = useState('')
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('')
  const [kind, setKind] = useState<'ALL' | 'CONCERT' | 'MATCH'>('ALL')

  usePoll(
    async (signal) => {
      try {
        const read = await all<Performance>('/performances', false, MAX_READ, signal)
        setItems(read.items)
        setMore(read.more)
        setError(null)
      } catch (err) {
        if ((err as Error).name !== 'AbortError') setError((err as Error).message)
      }
    },
    30_000,
    true,
    [],
  )

  const shown = useMemo(() => {
    const now = Date.now()
    const words = query.trim().toLocaleLowerCase()
    return (items ?? [])
      .filter((p) => Date.parse(p.startsAt) > now)
      .filter((p) => !words || p.title.toLocaleLowerCase().includes(words) || (p.teams ?? []).some((team) => team.toLocaleLowerCase().includes(words)))
      .filter((p) => !from || localDay(p.startsAt) >= from)
      .filter((p) => !to || localDay(p.startsAt) <= to)
      .filter((p) => kind === 'ALL' || (p.kind ?? 'CONCERT') === kind)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt)) // newest on sale first
  }, [items, query, from, to, kind])

  return (
    <Page title={t('list.title')}>
      <form class="filters" role="search" aria-label={t('list.searchLabel')} onSubmit={(e) => e.preventDefault()}>
        <div class="field grow">
          <label for="q">{t('list.search')}</label>
          <input id="q" type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} autoComplete="off" />
        </div>
        <div class="field">
          <label for="from">{t('list.from')}</label>
          <input id="from" type="date" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="to">{t('list.to')}</label>
          <input id="to" type="date" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="kind">{t('list.kind')}</label>
          <select id="kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as typeof kind)}>
            <option value="ALL">{t('list.kindAll')}</option>
            <option value="CONCERT">{t('kind.CONCERT')}</option>
            <option value="MATCH">{t('kind.MATCH')}</option>
          </select>
        </div>
      </form>
      {error && <Notice kind="error">{t('error.load', { message: error })}</Notice>}
      {items === null && !error && <p role="status">{t('common.loading')}</p>}
      {items !== null && (
        <p class="muted" role="status">
          {t('list.count', { n: shown.length })}
          {more && ` ${t('list.truncated', { n: MAX_READ })}`}
        </p>
      )}
      <ul class="cards">
        {shown.map((p) => (
          <li key={p.performanceId} class="card">
            <h2>
              <a href={href('performances', p.performanceId)}>{p.title}</a>
            </h2>
            <PerformanceBadges performance={p} />
            {p.teams && p.teams.length > 0 && <p class="teams">{p.teams.join(' vs ')}</p>}
            <p>
              <time dateTime={p.startsAt}>{i.dateTime(p.startsAt)}</time>
            </p>
            <p class="muted">{p.venue}</p>
            <p>
              {priceFrom(i, p)} · {seatsLeft(i, p)}
            </p>
          </li>
        ))}
      </ul>
    </Page>
  )
}
