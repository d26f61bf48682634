import t from 'tap'
import { flowFile, loadProblems, startFlows } from './helpers.js'

// What Logic Apps flows carry that this runtime refuses rather than ignore, each named with what it is.
t.test('an Http path input and a runAfter on the trigger are refused, saying what they are', async t => {
  const s = await startFlows(t, {})
  const problems = (actions: Record<string, unknown>) => loadProblems(s.flows!.catalog, flowFile(actions))
  t.same(problems({ Call: { type: 'Http', inputs: { method: 'GET', uri: 'https://example.com/a', path: '/a' } } }), [
    {
      path: '/definition/actions/Call/inputs/path',
      message: 'is not an input of the Http action (the request goes to uri; path belongs to ApiConnection): remove it',
    },
  ])
  t.same(problems({ First: { type: 'Compose', inputs: 1, runAfter: { when_a_message_is_created: ['Succeeded'] } } }), [
    {
      path: '/definition/actions/First/runAfter/when_a_message_is_created',
      message:
        "'when_a_message_is_created' is the trigger: an action runs after the trigger by having no runAfter " +
        '(only the Agent of a conversational agent workflow, whose Request trigger of kind Agent is refused here, ' +
        'names it there)',
    },
  ])
})
