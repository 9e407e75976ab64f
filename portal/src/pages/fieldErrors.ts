import type { ApiError } from '../api'

/** Field id -> the API's message about it. */
export type FieldErrors = Record<string, string>

// The API's 400s about a registration: VALIDATION_ERROR lists "where: what" pairs ("grades.0.price: Input should be
// ...; startsAt: Value error, ..."); the domain's own codes are about the grades or the teams as a whole.
const WHOLE: Record<string, string> = {
  MISSING_CAPACITY: 'grades',
  DUPLICATE_GRADE: 'grades',
  CAPACITY_MISMATCH: 'grades',
  TOO_MANY_SEATS: 'grades',
  NOT_A_MATCH: 'teams',
}

/** A path of the request body, as the API names it, -> the id of the form field that holds it. */
export function fieldId(where: string): string | null {
  const parts = where.split('.')
  switch (parts[0]) {
    case 'title':
    case 'venue':
    case 'startsAt':
    case 'maxPerCustomer':
      return parts[0]
    case 'grades':
      if (parts.length >= 3 && /^\d+$/.test(parts[1]) && ['grade', 'price', 'seats'].includes(parts[2])) return `grade-${parts[1]}-${parts[2]}`
      return 'grades'
    case 'teams':
      return parts.length >= 2 && /^\d+$/.test(parts[1]) ? `team-${parts[1]}` : 'teams'
    case 'kind':
      return 'teams'
    default:
      return null
  }
}

export function fieldErrors(err: ApiError): { byField: FieldErrors; rest: string | null } {
  const byField: FieldErrors = {}
  if (WHOLE[err.code]) return { byField: { [WHOLE[err.code]]: err.message }, rest: null }
  if (err.code.includes('TEAM')) return { byField: { teams: err.message }, rest: null }
  const rest: string[] = []
  for (const part of err.message.split('; ')) {
    const colon = part.indexOf(': ')
    const id = colon > 0 ? fieldId(part.slice(0, colon)) : null
    if (id) byField[id] = byField[id] ? `${byField[id]}; ${part.slice(colon + 2)}` : part.slice(colon + 2)
    else rest.push(part)
  }
  return { byField, rest: rest.length ? rest.join('; ') : null }
}
