import t from 'tap'
import { webexGov } from './governance/target.js'
import { governanceOn } from './governance/suites.js'

// The governance suite through the Webex backend, against a second instance playing Webex (every governance call
// made with the officer's token), as the action contract suite runs there too.
governanceOn(t, 'Webex backend', webexGov)
