import { useState } from 'preact/hooks'
import { all, type Performance } from '../api'
import { session } from '../auth'
import { Notice } from '../components/Notice'
import { Page } from '../components/Page'
import { usePoll } from '../hooks'
import { useI18n } from '../i18n'
import { href } from '../router'
import { useStore } from '../store'
import { PerformanceBadges } from './shared'

/** The organizer's own performances and matches (the API has no "mine" list: the public list, filtered). */
export function OrganizerHome() {
  const i = useI18n()
  const { t } = i
  const me = useStore(session)
  const [items, setItems] = useState<Performance[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  usePoll(
    async (signal) => {
      try {
        const read = await all<Performance>('/performances', false, 1000, signal)
        setItems(read.items.filter((p) => p.organizerId === me?.sub).sort((a, b) => b.createdAt.localeCompare(a.createdAt)))
        setError(null)
      } catch (err) {
        if ((err as Error).name !== 'AbortError') setError((err as Error).message)
      }
    },
    15_000,
    true,
    [me?.sub],
  )
  return (
    <Page title={t('org.title')}>
      <p>
        <a class="button primary" href={href('organizer', 'new')}>
          {t('org.register')}
        </a>
      </p>
      {error && <Notice kind="error">{t('error.load', { message: error })}</Notice>}
      {items === null && !error && <p role="status">{t('common.loading')}</p>}
      {items?.length === 0 && <p>{t('org.none')}</p>}
      <ul class="cards">
        {(items ?? []).map((p) => (
          <li key={p.performanceId} class="card">
            <h2>
              <a href={href('organizer', 'performances', p.performanceId)}>{p.title}</a>
            </h2>
            <PerformanceBadges performance={p} />
            <p>
              <time dateTime={p.startsAt}>{i.dateTime(p.startsAt)}</time>
            </p>
            <p class="muted">{t('org.headcount', { n: i.number(p.bookedCount), capacity: i.number(p.capacity) })}</p>
          </li>
        ))}
      </ul>
    </Page>
  )
}
