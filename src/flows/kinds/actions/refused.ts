import type { RefusedKind } from '../types.js'

const CODE =
  'runs C# or PowerShell code it carries; the inline code sandbox runs JavaScript only (JavaScriptCode), and no ' +
  "flow code runs in the service's process"
const INTEGRATION = 'needs an Azure integration account (maps, schemas, partners), which this service does not have'
const AZURE_AI = 'needs an Azure AI service, which this service does not have'

/** Types Logic Apps has that this runtime recognises and refuses at load, saying why (never accepted and ignored). */
export const REFUSED: RefusedKind[] = [
  ...['CSharpScriptCode', 'PowerShellCode'].map(type => ({ type, reason: CODE })),
  {
    type: 'InvokeFunction',
    reason: 'calls a .NET function compiled into a Logic Apps Standard project, which this service cannot host',
  },
  { type: 'Liquid', reason: 'transforms with a Liquid map of an integration account, which this service lacks' },
  { type: 'ApiManagement', reason: 'calls an Azure API Management instance, which this service does not have' },
  {
    type: 'AgentHandOff',
    reason:
      "hands an Agent's conversation to another Agent (multi-agent handoff), which this runtime does not implement",
  },
  ...['ChunkText', 'ParseDocument'].map(type => ({ type, reason: AZURE_AI })),
  ...[
    'XmlValidation',
    'XmlParse',
    'XmlCompose',
    'FlatFileDecoding',
    'FlatFileEncoding',
    'IntegrationAccountArtifactLookup',
    'RosettaNetEncode',
    'RosettaNetDecode',
    'RosettaNetWaitForResponse',
    'X12Encode',
    'X12Decode',
    'X12BatchEncode',
    'EdifactEncode',
    'EdifactDecode',
    'EdifactBatchEncode',
    'AS2Encode',
    'AS2Decode',
    'SwiftMTEncode',
    'SwiftMTDecode',
    'HL7Encode',
    'HL7Decode',
  ].map(type => ({ type, reason: INTEGRATION })),
]
