import { render } from 'preact'
import { App } from './app'
import { loadConfig } from './config'
import { lang } from './i18n'
import './styles.css'

document.documentElement.lang = lang.get()
const root = document.getElementById('app')!

loadConfig().then(
  () => render(<App />, root),
  (err: Error) => {
    // Nothing works without the stack's addresses; say so plainly (no translation catalog is needed for this).
    const p = document.createElement('p')
    p.setAttribute('role', 'alert')
    p.textContent = `Boxoffice could not start: ${err.message}`
    root.replaceChildren(p)
  },
)
