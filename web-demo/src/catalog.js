// What the demo knows about resource types: how to draw them, what the
// palette adds, which settings the properties pane offers (the settings the
// rules look at), and the remediations "Fix" can apply. Data only.

const WS = 'Microsoft.MachineLearningServices/workspaces';
const COMPUTE = 'Microsoft.MachineLearningServices/workspaces/computes';

// type (lower case) -> look. `glyph` is the short label in the tile icon.
export const TYPES = {
  'microsoft.machinelearningservices/workspaces': { label: 'Machine Learning workspace', glyph: 'ML', color: '#0078d4' },
  'microsoft.machinelearningservices/workspaces/computes': { label: 'Compute', glyph: 'CP', color: '#005ba1' },
  'microsoft.machinelearningservices/workspaces/onlineendpoints': { label: 'Online endpoint', glyph: 'EP', color: '#004e8c' },
  'microsoft.machinelearningservices/workspaces/outboundrules': { label: 'Outbound rule', glyph: 'OR', color: '#004e8c' },
  'microsoft.storage/storageaccounts': { label: 'Storage account', glyph: 'ST', color: '#2f8a3b' },
  'microsoft.keyvault/vaults': { label: 'Key vault', glyph: 'KV', color: '#b38600' },
  'microsoft.keyvault/vaults/keys': { label: 'Key', glyph: 'K', color: '#b38600' },
  'microsoft.keyvault/vaults/secrets': { label: 'Secret', glyph: 'S', color: '#b38600' },
  'microsoft.containerregistry/registries': { label: 'Container registry', glyph: 'CR', color: '#3f8cd1' },
  'microsoft.insights/components': { label: 'Application Insights', glyph: 'AI', color: '#7e56c2' },
  'microsoft.operationalinsights/workspaces': { label: 'Log Analytics', glyph: 'LA', color: '#5c2d91' },
  'microsoft.insights/diagnosticsettings': { label: 'Diagnostic setting', glyph: 'DS', color: '#5c2d91' },
  'microsoft.network/virtualnetworks': { label: 'Virtual network', glyph: 'VN', color: '#0078d4' },
  'microsoft.network/virtualnetworks/subnets': { label: 'Subnet', glyph: 'SN', color: '#0078d4' },
  'microsoft.network/privateendpoints': { label: 'Private endpoint', glyph: 'PE', color: '#8661c5' },
  'microsoft.network/privatednszones': { label: 'Private DNS zone', glyph: 'DNS', color: '#107c10' },
  'microsoft.network/privatednszones/virtualnetworklinks': { label: 'DNS zone VNet link', glyph: 'LK', color: '#107c10' },
  'microsoft.network/networksecuritygroups': { label: 'Network security group', glyph: 'NSG', color: '#605e5c' },
  'microsoft.network/routetables': { label: 'Route table', glyph: 'RT', color: '#605e5c' },
  'microsoft.network/publicipaddresses': { label: 'Public IP address', glyph: 'IP', color: '#605e5c' },
  'microsoft.network/azurefirewalls': { label: 'Firewall', glyph: 'FW', color: '#d13438' },
  'microsoft.network/bastionhosts': { label: 'Bastion', glyph: 'BA', color: '#038387' },
  'microsoft.network/virtualnetworkgateways': { label: 'VPN gateway', glyph: 'GW', color: '#038387' },
  'microsoft.containerservice/managedclusters': { label: 'Kubernetes service', glyph: 'AKS', color: '#326ce5' },
  'microsoft.containerinstance/containergroups': { label: 'Container instances', glyph: 'ACI', color: '#326ce5' },
  'microsoft.managedidentity/userassignedidentities': { label: 'Managed identity', glyph: 'MI', color: '#8a8886' },
  'microsoft.authorization/roleassignments': { label: 'Role assignment', glyph: 'RA', color: '#8a8886' },
  'microsoft.compute/virtualmachines': { label: 'Virtual machine', glyph: 'VM', color: '#005ba1' },
};

export function typeInfo(type) {
  const t = String(type || '').toLowerCase();
  return TYPES[t] || { label: t.split('/').pop() || 'resource', glyph: (t.split('/').pop() || '?').slice(0, 2).toUpperCase(), color: '#8a8886' };
}

// Palette entries: a new resource as a user would first declare it (Azure
// fills in the rest with its defaults, which is what the rules then judge).
export const PALETTE = [
  { group: 'Machine Learning', items: [
    { key: 'workspace', type: WS, name: 'mlw-new', make: (ctx) => ({ sku: { name: 'Basic', tier: 'Basic' }, identity: { type: 'SystemAssigned' },
      properties: { friendlyName: 'New workspace', ...ctx.dependencies() } }) },
    { key: 'compute-instance', type: COMPUTE, name: (ctx) => `${ctx.workspaceName()}/ci-new`, make: () => ({ properties: { computeType: 'ComputeInstance', properties: { vmSize: 'Standard_DS3_v2' } } }) },
    { key: 'compute-cluster', type: COMPUTE, name: (ctx) => `${ctx.workspaceName()}/cluster-new`, make: () => ({ properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_DS3_v2', scaleSettings: { minNodeCount: 0, maxNodeCount: 2 } } } }) },
    { key: 'aks', type: 'Microsoft.ContainerService/managedClusters', name: 'aks-new', make: () => ({ identity: { type: 'SystemAssigned' }, properties: { dnsPrefix: 'aks-new', agentPoolProfiles: [{ name: 'system', mode: 'System', count: 3, vmSize: 'Standard_D4s_v5' }] } }) },
  ] },
  { group: 'Dependencies', items: [
    { key: 'storage', type: 'Microsoft.Storage/storageAccounts', name: 'stnew001', make: () => ({ kind: 'StorageV2', sku: { name: 'Standard_LRS' }, properties: {} }) },
    { key: 'keyvault', type: 'Microsoft.KeyVault/vaults', name: 'kv-new-001', make: () => ({ properties: { tenantId: '00000000-0000-0000-0000-000000000000', sku: { family: 'A', name: 'standard' } } }) },
    { key: 'registry', type: 'Microsoft.ContainerRegistry/registries', name: 'crnew001', make: () => ({ sku: { name: 'Basic' }, properties: {} }) },
    { key: 'appinsights', type: 'Microsoft.Insights/components', name: 'appi-new', make: () => ({ kind: 'web', properties: { Application_Type: 'web' } }) },
    { key: 'loganalytics', type: 'Microsoft.OperationalInsights/workspaces', name: 'log-new', make: () => ({ properties: { sku: { name: 'PerGB2018' } } }) },
  ] },
  { group: 'Networking', items: [
    { key: 'vnet', type: 'Microsoft.Network/virtualNetworks', name: 'vnet-new', make: () => ({ properties: { addressSpace: { addressPrefixes: ['10.1.0.0/16'] } } }) },
    { key: 'subnet', type: 'Microsoft.Network/virtualNetworks/subnets', name: (ctx) => `${ctx.vnetName()}/snet-new`, make: () => ({ properties: { addressPrefix: '10.1.9.0/24' } }) },
    { key: 'private-endpoint', type: 'Microsoft.Network/privateEndpoints', name: 'pe-new', make: (ctx) => ({ properties: { subnet: ctx.firstSubnet(),
      privateLinkServiceConnections: [{ name: 'pe-new', properties: { privateLinkServiceId: ctx.workspaceId(), groupIds: ['amlworkspace'] } }] } }) },
    { key: 'dns-zone', type: 'Microsoft.Network/privateDnsZones', name: 'privatelink.api.azureml.ms', make: () => ({ location: 'global' }) },
    { key: 'nsg', type: 'Microsoft.Network/networkSecurityGroups', name: 'nsg-new', make: () => ({ properties: { securityRules: [] } }) },
    { key: 'firewall', type: 'Microsoft.Network/azureFirewalls', name: 'afw-new', make: (ctx) => ({ properties: { sku: { name: 'AZFW_VNet', tier: 'Standard' }, ipConfigurations: [{ name: 'ipconfig', properties: { subnet: ctx.firstSubnet() } }] } }) },
    { key: 'bastion', type: 'Microsoft.Network/bastionHosts', name: 'bas-new', make: (ctx) => ({ sku: { name: 'Standard' }, properties: { ipConfigurations: [{ name: 'ipconfig', properties: { subnet: ctx.firstSubnet() } }] } }) },
  ] },
];

// Settings shown in the properties pane, per type. `path` is dotted from the
// resource root; `[n]` indexes arrays. kind: enum | bool | text | number | ref
// (ref: choose another resource of `refType`; the value is its id, stored
// under `path` — an object `{id}` when `refObject`).
const NET_ACCESS = ['Enabled', 'Disabled'];
const common = [{ path: 'location', label: 'Location', kind: 'text' }];
export const SETTINGS = {
  'microsoft.machinelearningservices/workspaces': [
    { path: 'properties.publicNetworkAccess', label: 'Public network access', kind: 'enum', values: NET_ACCESS, rules: ['AML-NET-001'] },
    { path: 'properties.managedNetwork.isolationMode', label: 'Managed VNet isolation', kind: 'enum', values: ['Disabled', 'AllowInternetOutbound', 'AllowOnlyApprovedOutbound'], rules: ['AML-NET-008', 'AML-NET-017'] },
    { path: 'identity.type', label: 'Identity', kind: 'enum', values: ['SystemAssigned', 'UserAssigned', 'SystemAssigned,UserAssigned'], rules: ['AML-IAM-004'] },
    { path: 'properties.systemDatastoresAuthMode', label: 'System datastores auth', kind: 'enum', values: ['accessKey', 'identity'], rules: ['AML-IAM-006'] },
    { path: 'properties.hbiWorkspace', label: 'High business impact', kind: 'bool', rules: ['AML-DATA-002'] },
    { path: 'properties.encryption.status', label: 'Customer-managed key', kind: 'enum', values: ['Enabled', 'Disabled'], rules: ['AML-DATA-001'] },
    { path: 'properties.imageBuildCompute', label: 'Image build compute', kind: 'text', rules: ['AML-NET-019'] },
    { path: 'properties.storageAccount', label: 'Storage account', kind: 'ref', refType: 'microsoft.storage/storageaccounts' },
    { path: 'properties.keyVault', label: 'Key vault', kind: 'ref', refType: 'microsoft.keyvault/vaults' },
    { path: 'properties.containerRegistry', label: 'Container registry', kind: 'ref', refType: 'microsoft.containerregistry/registries' },
    { path: 'properties.applicationInsights', label: 'Application Insights', kind: 'ref', refType: 'microsoft.insights/components', rules: ['AML-MON-002'] },
    ...common,
  ],
  'microsoft.machinelearningservices/workspaces/computes': [
    { path: 'properties.computeType', label: 'Compute type', kind: 'enum', values: ['ComputeInstance', 'AmlCompute', 'AKS', 'Kubernetes'] },
    { path: 'properties.disableLocalAuth', label: 'Disable local auth', kind: 'bool', rules: ['AML-IAM-001'] },
    { path: 'identity.type', label: 'Managed identity', kind: 'enum', values: ['None', 'SystemAssigned', 'UserAssigned'], rules: ['AML-IAM-003'] },
    { path: 'properties.properties.subnet.id', label: 'Subnet', kind: 'ref', refType: 'subnet', rules: ['AML-NET-008'] },
    { path: 'properties.properties.enableNodePublicIp', label: 'Node public IP', kind: 'bool', rules: ['AML-NET-009'] },
    { path: 'properties.properties.vmSize', label: 'VM size', kind: 'text', rules: ['AML-CMP-004'] },
    { path: 'properties.properties.sshSettings.sshPublicAccess', label: 'SSH public access (instance)', kind: 'enum', values: NET_ACCESS, rules: ['AML-IAM-002'], when: 'ComputeInstance' },
    { path: 'properties.properties.idleTimeBeforeShutdown', label: 'Idle shutdown after', kind: 'text', rules: ['AML-CMP-001'], when: 'ComputeInstance' },
    { path: 'properties.properties.remoteLoginPortPublicAccess', label: 'SSH public access (cluster)', kind: 'enum', values: ['Enabled', 'Disabled', 'NotSpecified'], rules: ['AML-IAM-002'], when: 'AmlCompute' },
    { path: 'properties.properties.scaleSettings.minNodeCount', label: 'Min nodes', kind: 'number', rules: ['AML-CMP-002'], when: 'AmlCompute' },
    { path: 'properties.properties.scaleSettings.maxNodeCount', label: 'Max nodes', kind: 'number', rules: ['AML-NET-011'], when: 'AmlCompute' },
    { path: 'properties.properties.sslConfiguration.status', label: 'TLS on scoring', kind: 'enum', values: ['Enabled', 'Disabled', 'Auto'], rules: ['AML-DATA-007'], when: 'AKS' },
    { path: 'properties.properties.loadBalancerType', label: 'Load balancer', kind: 'enum', values: ['PublicIp', 'InternalLoadBalancer'], when: 'AKS' },
    ...common,
  ],
  'microsoft.machinelearningservices/workspaces/onlineendpoints': [
    { path: 'properties.publicNetworkAccess', label: 'Public network access', kind: 'enum', values: NET_ACCESS, rules: ['AML-NET-018'] },
    { path: 'properties.authMode', label: 'Auth mode', kind: 'enum', values: ['Key', 'AMLToken', 'AADToken'], rules: ['AML-IAM-010'] },
  ],
  'microsoft.storage/storageaccounts': [
    { path: 'properties.publicNetworkAccess', label: 'Public network access', kind: 'enum', values: NET_ACCESS },
    { path: 'properties.allowBlobPublicAccess', label: 'Allow blob public access', kind: 'bool', rules: ['AML-DATA-005'] },
    { path: 'properties.allowSharedKeyAccess', label: 'Allow shared key access', kind: 'bool', rules: ['AML-IAM-006'] },
    { path: 'properties.supportsHttpsTrafficOnly', label: 'HTTPS only', kind: 'bool', rules: ['AML-DATA-004'] },
    { path: 'properties.minimumTlsVersion', label: 'Minimum TLS version', kind: 'enum', values: ['TLS1_0', 'TLS1_1', 'TLS1_2'], rules: ['AML-DATA-004'] },
    { path: 'properties.networkAcls.defaultAction', label: 'Firewall default action', kind: 'enum', values: ['Allow', 'Deny'], rules: ['AML-NET-007'] },
    { path: 'properties.networkAcls.bypass', label: 'Firewall bypass', kind: 'enum', values: ['None', 'AzureServices', 'Logging, Metrics, AzureServices'], rules: ['AML-NET-007'] },
    ...common,
  ],
  'microsoft.keyvault/vaults': [
    { path: 'properties.publicNetworkAccess', label: 'Public network access', kind: 'enum', values: NET_ACCESS },
    { path: 'properties.enableSoftDelete', label: 'Soft delete', kind: 'bool', rules: ['AML-DATA-003'] },
    { path: 'properties.enablePurgeProtection', label: 'Purge protection', kind: 'bool', rules: ['AML-DATA-003'] },
    { path: 'properties.enableRbacAuthorization', label: 'RBAC authorization', kind: 'bool', rules: ['AML-IAM-011'] },
    { path: 'properties.networkAcls.defaultAction', label: 'Firewall default action', kind: 'enum', values: ['Allow', 'Deny'], rules: ['AML-NET-007'] },
    { path: 'properties.networkAcls.bypass', label: 'Firewall bypass', kind: 'enum', values: ['None', 'AzureServices'], rules: ['AML-NET-007'] },
    ...common,
  ],
  'microsoft.containerregistry/registries': [
    { path: 'sku.name', label: 'SKU', kind: 'enum', values: ['Basic', 'Standard', 'Premium'], rules: ['AML-NET-006'] },
    { path: 'properties.adminUserEnabled', label: 'Admin user', kind: 'bool', rules: ['AML-IAM-005'] },
    { path: 'properties.publicNetworkAccess', label: 'Public network access', kind: 'enum', values: NET_ACCESS, rules: ['AML-NET-006'] },
    ...common,
  ],
  'microsoft.insights/components': [
    { path: 'properties.publicNetworkAccessForIngestion', label: 'Public ingestion', kind: 'enum', values: NET_ACCESS, rules: ['AML-MON-004'] },
    { path: 'properties.publicNetworkAccessForQuery', label: 'Public query', kind: 'enum', values: NET_ACCESS, rules: ['AML-MON-004'] },
    { path: 'properties.WorkspaceResourceId', label: 'Log Analytics workspace', kind: 'ref', refType: 'microsoft.operationalinsights/workspaces' },
  ],
  'microsoft.operationalinsights/workspaces': [
    { path: 'properties.publicNetworkAccessForIngestion', label: 'Public ingestion', kind: 'enum', values: NET_ACCESS, rules: ['AML-MON-004'] },
    { path: 'properties.publicNetworkAccessForQuery', label: 'Public query', kind: 'enum', values: NET_ACCESS, rules: ['AML-MON-004'] },
  ],
  'microsoft.network/virtualnetworks': [
    { path: 'properties.addressSpace.addressPrefixes[0]', label: 'Address space', kind: 'text' },
    ...common,
  ],
  'microsoft.network/virtualnetworks/subnets': [
    { path: 'properties.addressPrefix', label: 'Address prefix', kind: 'text', rules: ['AML-NET-011'] },
    { path: 'properties.networkSecurityGroup.id', label: 'Network security group', kind: 'ref', refType: 'microsoft.network/networksecuritygroups', rules: ['AML-NET-016'] },
    { path: 'properties.routeTable.id', label: 'Route table', kind: 'ref', refType: 'microsoft.network/routetables', rules: ['AML-NET-017'] },
  ],
  'microsoft.network/privateendpoints': [
    { path: 'properties.subnet.id', label: 'Subnet', kind: 'ref', refType: 'subnet', rules: ['AML-NET-012', 'AML-NET-013'] },
    { path: 'properties.privateLinkServiceConnections[0].properties.privateLinkServiceId', label: 'Target resource', kind: 'ref', refType: 'any' },
    { path: 'properties.privateLinkServiceConnections[0].properties.groupIds[0]', label: 'Sub-resource', kind: 'enum', values: ['amlworkspace', 'blob', 'file', 'vault', 'registry'] },
    ...common,
  ],
  'microsoft.containerservice/managedclusters': [
    { path: 'properties.agentPoolProfiles[0].vnetSubnetID', label: 'Node subnet', kind: 'ref', refType: 'subnet', rules: ['AML-NET-010'] },
    { path: 'properties.agentPoolProfiles[0].count', label: 'Nodes', kind: 'number', rules: ['AML-NET-011'] },
    { path: 'properties.agentPoolProfiles[0].maxPods', label: 'Max pods per node', kind: 'number', rules: ['AML-NET-011'] },
    { path: 'properties.apiServerAccessProfile.enablePrivateCluster', label: 'Private cluster', kind: 'bool' },
    { path: 'properties.disableLocalAccounts', label: 'Disable local accounts', kind: 'bool' },
    ...common,
  ],
  'microsoft.network/azurefirewalls': [
    { path: 'properties.ipConfigurations[0].properties.subnet.id', label: 'Subnet', kind: 'ref', refType: 'subnet', rules: ['AML-NET-017'] },
  ],
  'microsoft.network/bastionhosts': [
    { path: 'properties.ipConfigurations[0].properties.subnet.id', label: 'Subnet', kind: 'ref', refType: 'subnet', rules: ['AML-NET-015'] },
  ],
  'microsoft.network/privatednszones/virtualnetworklinks': [
    { path: 'properties.virtualNetwork.id', label: 'Virtual network', kind: 'ref', refType: 'microsoft.network/virtualnetworks', rules: ['AML-NET-003'] },
  ],
};

// Remediations "Fix" applies, per rule id. `set`: properties to set on the
// flagged resource (by type when they differ). `endpoints`: private endpoints
// to add for a target (the flagged resource, or the workspace's dependency
// named by `via`). `dnsZones`: zones to create and link to the VNet of the
// workspace's private endpoint.
export const FIXES = {
  'AML-NET-001': { label: 'Disable public network access', set: { 'properties.publicNetworkAccess': 'Disabled' } },
  'AML-NET-002': { label: 'Add a workspace private endpoint', endpoints: [{ group: 'amlworkspace' }] },
  'AML-NET-003': { label: 'Create and link the private DNS zones', dnsZones: ['privatelink.api.azureml.ms', 'privatelink.notebooks.azure.net'] },
  'AML-NET-004': { label: 'Add blob and file private endpoints', endpoints: [{ group: 'blob', via: 'properties.storageAccount' }, { group: 'file', via: 'properties.storageAccount' }] },
  'AML-NET-005': { label: 'Add a key vault private endpoint', endpoints: [{ group: 'vault', via: 'properties.keyVault' }] },
  'AML-NET-006': { label: 'Premium SKU, public access off, private endpoint', via: 'properties.containerRegistry',
    set: { 'sku.name': 'Premium', 'properties.publicNetworkAccess': 'Disabled' }, endpoints: [{ group: 'registry', via: 'properties.containerRegistry' }] },
  'AML-NET-007': { label: 'Deny by default, allow trusted Microsoft services', set: { 'properties.networkAcls.defaultAction': 'Deny', 'properties.networkAcls.bypass': 'AzureServices' } },
  'AML-NET-009': { label: 'Remove the node public IP', set: { 'properties.properties.enableNodePublicIp': false } },
  'AML-NET-018': { label: 'Disable public access', set: { 'properties.publicNetworkAccess': 'Disabled' } },
  'AML-IAM-001': { label: 'Disable local authentication', set: { 'properties.disableLocalAuth': true } },
  'AML-IAM-002': { label: 'Disable SSH public access', byComputeType: {
    ComputeInstance: { 'properties.properties.sshSettings.sshPublicAccess': 'Disabled' },
    AmlCompute: { 'properties.properties.remoteLoginPortPublicAccess': 'Disabled' } } },
  'AML-IAM-003': { label: 'Use a system-assigned identity', set: { 'identity.type': 'SystemAssigned' } },
  'AML-IAM-005': { label: 'Disable the admin user', via: 'properties.containerRegistry', set: { 'properties.adminUserEnabled': false } },
  'AML-IAM-006': { label: 'Use identity-based datastore access', byType: {
    'microsoft.machinelearningservices/workspaces': { 'properties.systemDatastoresAuthMode': 'identity' },
    'microsoft.storage/storageaccounts': { 'properties.allowSharedKeyAccess': false } } },
  'AML-IAM-010': { label: 'Require Azure AD tokens', set: { 'properties.authMode': 'AADToken' } },
  'AML-IAM-011': { label: 'Use RBAC authorization', via: 'properties.keyVault', set: { 'properties.enableRbacAuthorization': true } },
  'AML-DATA-002': { label: 'Mark as high business impact', set: { 'properties.hbiWorkspace': true } },
  'AML-DATA-003': { label: 'Enable soft delete and purge protection', via: 'properties.keyVault', set: { 'properties.enableSoftDelete': true, 'properties.enablePurgeProtection': true } },
  'AML-DATA-004': { label: 'HTTPS only, TLS 1.2', via: 'properties.storageAccount', set: { 'properties.supportsHttpsTrafficOnly': true, 'properties.minimumTlsVersion': 'TLS1_2' } },
  'AML-DATA-005': { label: 'Disallow blob public access', via: 'properties.storageAccount', set: { 'properties.allowBlobPublicAccess': false } },
  'AML-DATA-007': { label: 'Enable TLS on scoring', set: { 'properties.properties.sslConfiguration.status': 'Enabled' } },
  'AML-CMP-001': { label: 'Shut down after 30 idle minutes', set: { 'properties.properties.idleTimeBeforeShutdown': 'PT30M' } },
  'AML-CMP-002': { label: 'Scale to zero nodes', set: { 'properties.properties.scaleSettings.minNodeCount': 0 } },
};

export const WORKSPACE_TYPE = WS.toLowerCase();
export const COMPUTE_TYPE = COMPUTE.toLowerCase();
