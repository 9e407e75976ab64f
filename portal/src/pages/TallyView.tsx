import { useState } from 'preact/hooks'
import { get, type Tally } from '../api'
import { usePoll } from '../hooks'
import { useI18n } from '../i18n'

/** A match's live per-team tally (tickets, bookings, stakes), read again every 5 seconds. */
export function TallyView({ performanceId }: { performanceId: string }) {
  const i = useI18n()
  const { t } = i
  const [tally, setTally] = useState<Tally | null>(null)
  const [failed, setFailed] = useState(false)
  usePoll(
    async (signal) => {
      try {
        setTally(await get<Tally>(`/performances/${encodeURIComponent(performanceId)}/tally`, false, signal))
        setFailed(false)
      } catch (err) {
        if ((err as Error).name !== 'AbortError') setFailed(true)
      }
    },
    5_000,
    true,
    [performanceId],
  )
  const most = Math.max(1, ...(tally?.teams ?? []).map((team) => team.tickets))
  return (
    <section class="tally" aria-labelledby="tally-title">
      <h2 id="tally-title">{t('tally.title')}</h2>
      {!tally && !failed && <p class="muted">{t('common.loading')}</p>}
      {failed && !tally && <p class="muted">{t('tally.unavailable')}</p>}
      {tally && (
        <>
          <ul class="tally-list">
            {tally.teams.map((team) => (
              <li key={team.team} data-team={team.team}>
                <span class="team-name">{team.team}</span>
                <meter min={0} max={most} value={team.tickets} aria-label={t('tally.meter', { team: team.team })} />
                <span class="team-numbers">
                  {t('tally.tickets', { n: i.number(team.tickets) })} · {t('tally.bookings', { n: i.number(team.bookings) })} · {t('tally.stake', { amount: i.won(team.stake) })}
                </span>
              </li>
            ))}
          </ul>
          {tally.updatedAt && (
            <p class="muted">
              {t('tally.updated', { time: i.time(tally.updatedAt) })}
            </p>
          )}
        </>
      )}
    </section>
  )
}
