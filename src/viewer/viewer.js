// The run viewer: a page of the service that reads and acts through its REST API with the signed-in person's
// token, so it can do exactly what that person may do. Everything shown is set as text (never as HTML).
/* global document, sessionStorage, fetch, location, history, CSS */

const $ = id => document.getElementById(id)
const state = { token: sessionStorage.getItem('webex-token') ?? '', flow: undefined, run: undefined }

/** An element with text and classes: the one way this page puts data on screen. */
function el (tag, text, className) {
  const e = document.createElement(tag)
  if (text !== undefined) e.textContent = String(text)
  if (className) e.className = className
  return e
}

async function api (method, path, body) {
  const res = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${state.token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  const data = res.status === 204 ? null : await res.json()
  if (!res.ok) throw new Error(data?.message ?? `${method} ${path} answered ${res.status}`)
  return data
}

const notice = text => {
  $('notice').textContent = text
}
const failed = err => notice(err.message)
const ms = run => (run.started && run.finished ? `${Date.parse(run.finished) - Date.parse(run.started)} ms` : '')
const enc = encodeURIComponent

async function signIn (token) {
  state.token = token
  if (!token) {
    $('signin').hidden = false
    return
  }
  try {
    const me = await api('GET', '/v1/people/me')
    sessionStorage.setItem('webex-token', token)
    $('who').textContent = `Signed in as ${me.displayName}`
    $('signin').hidden = true
    $('signout').hidden = false
    $('app').hidden = false
    await showFlows()
    const [, flowId, runId] = location.hash.split('/')
    if (flowId) await showRuns(decodeURIComponent(flowId))
    if (flowId && runId) await showRun(runId)
  } catch (err) {
    sessionStorage.removeItem('webex-token')
    $('signin').hidden = false
    $('app').hidden = true
    $('signin-error').textContent = err.message
  }
}

async function showFlows () {
  const { items } = await api('GET', '/v1/flows')
  const body = $('flows').tBodies[0]
  body.replaceChildren()
  for (const f of items) {
    const tr = el('tr', undefined, 'link')
    const name = el('td')
    name.append(el('strong', f.id), el('div', f.description, 'meta'))
    const toggle = el('input')
    toggle.type = 'checkbox'
    toggle.checked = f.enabled
    toggle.setAttribute('aria-label', `${f.id} enabled`)
    toggle.addEventListener('click', e => e.stopPropagation())
    toggle.addEventListener('change', () =>
      api('PUT', `/v1/flows/${enc(f.id)}`, { enabled: toggle.checked }).then(showFlows, err => {
        toggle.checked = !toggle.checked
        failed(err)
      })
    )
    const enabled = el('td')
    enabled.append(toggle)
    const run = el('button', 'Run now')
    run.addEventListener('click', e => {
      e.stopPropagation()
      api('POST', `/v1/flows/${enc(f.id)}/runs`, { triggerBody: {} }).then(r => {
        notice(`Run ${r.id} queued.`)
        return showRuns(f.id)
      }, failed)
    })
    const actions = el('td')
    actions.append(run)
    tr.append(name, el('td', f.trigger.type), el('td', f.trigger.nextRun ?? ''), enabled, actions)
    tr.addEventListener('click', () => showRuns(f.id).catch(failed))
    body.append(tr)
  }
}

async function showRuns (flowId) {
  state.flow = await api('GET', `/v1/flows/${enc(flowId)}`)
  $('runs-flow').textContent = flowId
  $('runs-section').hidden = false
  const q = new URLSearchParams({ max: '100' })
  if ($('status').value) q.set('status', $('status').value)
  if ($('after').value) q.set('createdAfter', new Date($('after').value).toISOString())
  if ($('before').value) q.set('createdBefore', new Date($('before').value).toISOString())
  const { items } = await api('GET', `/v1/flows/${enc(flowId)}/runs?${q}`)
  const body = $('runs').tBodies[0]
  body.replaceChildren()
  for (const r of items) {
    const tr = el('tr', undefined, 'link')
    const origin = r.resubmittedFrom ? ` (resubmitted from ${r.resubmittedFrom.slice(0, 8)})` : ''
    tr.append(el('td', r.id + origin), el('td', r.status, `status ${r.status}`), el('td', r.source))
    tr.append(el('td', r.created), el('td', ms(r)))
    tr.addEventListener('click', () => showRun(r.id).catch(failed))
    body.append(tr)
  }
  if (items.length === 0) body.append(el('tr')).append(el('td', 'No runs.'))
  history.replaceState(null, '', `#/${enc(flowId)}`)
}

async function showRun (runId) {
  const flowId = state.flow.id
  const run = await api('GET', `/v1/flows/${enc(flowId)}/runs/${enc(runId)}`)
  state.run = run
  $('run-section').hidden = false
  $('run-id').textContent = run.id
  $('run-status').textContent = run.status
  $('run-status').className = `status ${run.status}`
  const origin = run.resubmittedFrom
    ? `; resubmitted from ${run.resubmittedFrom}` +
      (run.actionsToResubmit ? ` at ${run.actionsToResubmit.map(a => a.name).join(', ')}` : '')
    : ''
  $('run-meta').textContent = `Started by ${run.source} at ${run.created}; ${ms(run)}${origin}`
  $('run-error').textContent = run.error ? `${run.error.code}: ${run.error.message}` : ''
  $('cancel').hidden = !['Queued', 'Running'].includes(run.status)
  $('resubmit').hidden = ['Queued', 'Running'].includes(run.status)
  $('action').hidden = true
  drawGraph(state.flow.graph ?? [], run.actions ?? [])
  history.replaceState(null, '', `#/${enc(flowId)}/${enc(run.id)}`)
}

/** The action graph: each container's actions in layers by runAfter depth, edges drawn between them. */
function drawGraph (graph, records) {
  const byName = new Map()
  for (const r of records) {
    const list = byName.get(r.name) ?? []
    list.push(r)
    byName.set(r.name, list)
  }
  const root = $('graph')
  root.replaceChildren()
  const nodes = new Map()
  const edges = []
  const container = (parent, into) => {
    const actions = graph.filter(a => (a.parent ?? '') === parent)
    const depth = new Map()
    const depthOf = a => {
      if (!depth.has(a.name)) {
        depth.set(a.name, 0)
        const after = Object.keys(a.runAfter).map(n => actions.find(x => x.name === n)).filter(Boolean)
        depth.set(a.name, after.length ? 1 + Math.max(...after.map(depthOf)) : 0)
      }
      return depth.get(a.name)
    }
    const layers = []
    for (const a of actions) (layers[depthOf(a)] ??= []).push(a)
    for (const layer of layers.filter(Boolean)) {
      const row = el('div', undefined, 'layer')
      for (const a of layer) row.append(node(a))
      into.append(row)
    }
    for (const a of actions) {
      for (const [from, statuses] of Object.entries(a.runAfter)) edges.push({ from, to: a.name, statuses })
    }
  }
  const node = a => {
    const recs = byName.get(a.name) ?? []
    const last = recs[recs.length - 1]
    const box = el('div', undefined, `node ${last ? last.status : 'NotRun'}`)
    box.dataset.action = a.name
    box.append(el('div', a.name, 'name'))
    const time = last ? `${last.durationMs} ms` : 'not run'
    box.append(el('div', `${a.type} · ${last ? last.status : 'not run'} · ${time}`, 'meta'))
    const iterations = recs.filter(r => r.iteration)
    if (iterations.length > 0) {
      const list = el('div', `${iterations.length} iteration(s): `, 'iterations')
      for (const r of iterations) list.append(el('span', r.iteration, r.status))
      box.append(list)
    }
    if (graph.some(x => x.parent === a.name)) {
      const inner = el('div', undefined, 'inner')
      container(a.name, inner)
      box.append(inner)
    }
    box.addEventListener('click', e => {
      e.stopPropagation()
      showAction(a, recs)
    })
    nodes.set(a.name, box)
    return box
  }
  container('', root)
  // Edges once laid out: a line from each action to those that run after it, labelled by the statuses awaited.
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg')
  const base = root.getBoundingClientRect()
  for (const { from, to, statuses } of edges) {
    const a = nodes.get(from)?.getBoundingClientRect()
    const b = nodes.get(to)?.getBoundingClientRect()
    if (!a || !b) continue
    const line = document.createElementNS('http://www.w3.org/2000/svg', 'line')
    line.setAttribute('x1', String(a.left + a.width / 2 - base.left))
    line.setAttribute('y1', String(a.bottom - base.top))
    line.setAttribute('x2', String(b.left + b.width / 2 - base.left))
    line.setAttribute('y2', String(b.top - base.top))
    line.setAttribute('stroke', statuses.includes('Failed') ? '#c62828' : '#607d8b')
    line.setAttribute('stroke-width', '2')
    const title = document.createElementNS('http://www.w3.org/2000/svg', 'title')
    title.textContent = `${to} runs after ${from}: ${statuses.join(', ')}`
    line.append(title)
    svg.append(line)
  }
  root.prepend(svg)
}

function showAction (a, recs) {
  const last = recs[recs.length - 1]
  for (const n of document.querySelectorAll('.node.selected')) n.classList.remove('selected')
  document.querySelector(`.node[data-action="${CSS.escape(a.name)}"]`)?.classList.add('selected')
  $('action').hidden = false
  $('action-name').textContent = a.name
  $('action-meta').textContent = last
    ? `${a.type} · ${last.status} · ${last.attempts} attempt(s) · ${last.durationMs} ms` +
      (last.reusedFrom ? ` · reused from run ${last.reusedFrom}` : '')
    : `${a.type} · did not run`
  $('action-error').textContent = last?.error ? `${last.error.code}: ${last.error.message}` : ''
  $('action-inputs').textContent = last?.inputs === undefined ? '' : JSON.stringify(last.inputs, null, 2)
  $('action-outputs').textContent = last?.outputs === undefined ? '' : JSON.stringify(last.outputs, null, 2)
  const resubmittable = !a.parent && !['Queued', 'Running'].includes(state.run.status)
  $('resubmit-from').hidden = !resubmittable
  $('resubmit-from').onclick = () => resubmit([{ name: a.name }])
}

function resubmit (actionsToResubmit) {
  const body = actionsToResubmit ? { actionsToResubmit } : {}
  api('POST', `/v1/flows/${enc(state.flow.id)}/runs/${enc(state.run.id)}/resubmit`, body).then(async r => {
    notice(`Resubmitted as run ${r.id}.`)
    await showRuns(state.flow.id)
    await showRun(r.id)
  }, failed)
}

$('signin').addEventListener('submit', e => {
  e.preventDefault()
  signIn($('token').value.trim())
})
$('signout').addEventListener('click', () => {
  sessionStorage.removeItem('webex-token')
  location.hash = ''
  location.reload()
})
$('filter').addEventListener('submit', e => {
  e.preventDefault()
  showRuns(state.flow.id).catch(failed)
})
$('cancel-queued').addEventListener('click', () =>
  api('POST', `/v1/flows/${enc(state.flow.id)}/runs/cancel`, {}).then(r => {
    notice(`${r.cancelled} queued run(s) cancelled.`)
    return showRuns(state.flow.id)
  }, failed)
)
$('resubmit').addEventListener('click', () => resubmit())
$('cancel').addEventListener('click', () =>
  api('POST', `/v1/flows/${enc(state.flow.id)}/runs/${enc(state.run.id)}/cancel`, {}).then(
    r => showRun(r.id),
    failed
  )
)
signIn(state.token)
