// What the portal needs to know about the stack it runs on, read at start from /config.json (same origin).
// Locally the pass-through answers it from the running stack; on AWS the deploy writes it next to the build.

export interface PortalConfig {
  region: string
  userPoolId: string
  userPoolClientId: string
  /** Cognito's endpoint: "/_cognito/" locally (forwarded to the emulator), Cognito's regional URL on AWS. */
  cognitoEndpoint: string
  stripePublishableKey: string
  /** Where Stripe.js is loaded from: https://js.stripe.com/v3/ on AWS, localstripe's stand-in locally. */
  stripeJsUrl: string
  /** Stripe's API base, for the one call the browser makes itself (a PaymentMethod from a card token). */
  stripeApiBase: string
}

let loaded: PortalConfig | null = null

export async function loadConfig(): Promise<PortalConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' })
  if (!response.ok) throw new Error(`/config.json answered ${response.status}`)
  loaded = (await response.json()) as PortalConfig
  return loaded
}

export function config(): PortalConfig {
  if (!loaded) throw new Error('config not loaded')
  return loaded
}
