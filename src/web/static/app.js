// The Cove console: VPCs, subnets, instances, security groups (with rules added and
// revoked from the page when the control plane allows it), cache clusters and
// replication groups with their nodes, NAT instances with their forwarding tables,
// per-node metrics and charts, the flow log and the event stream, kept up to date by
// polling. Resources come from the AWS Query API (api.js); figures from /metrics;
// what the API has no action for from /console/state.
//
// Everything is built with DOM calls and textContent, never HTML strings: resource
// names and tags are user input.

import { aws, all, list, AwsError } from './api.js';
import { parseMetrics, nodeFigures, chartPoint } from './prom.js';
import { lineChart, human } from './charts.js';

const RESOURCES_EVERY_MS = 5000;
const LIVE_EVERY_MS = 2000;
/** Chart points kept per node (about three minutes at LIVE_EVERY_MS). */
const HISTORY = 90;

const $ = (id) => document.getElementById(id);

/** h('td', {class: 'x'}, 'text', child, ...): an element with attributes and children. */
function h(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const k of kids.flat(Infinity)) {
    if (k === undefined || k === null || k === false) continue;
    e.append(k instanceof Node ? k : String(k));
  }
  return e;
}

function table(headers, rows, empty = 'none') {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty);
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))),
    h('tbody', {}, rows.map((r) => (r instanceof Node ? r : h('tr', {}, r.map((c) => h('td', {}, c)))))),
  );
}

const nameTag = (tags) => list(tags).find((t) => t.key === 'Name' || t.Key === 'Name')?.value ?? '';
const badge = (text, kind = text) => h('span', { class: `badge badge-${String(kind).replace(/[^a-z0-9-]/gi, '-').toLowerCase()}` }, text);
const endpoint = (e) => (e && e.Address ? `${e.Address}:${e.Port}` : '');

// ---- state --------------------------------------------------------------------------

const ui = {
  writable: false,
  credentialsRequired: false,
  res: null,
  rgAvailable: true,
  /** node key → [{t, figures}] */
  history: new Map(),
  roles: new Map(),
  figures: new Map(),
  /** section id → the data it was last drawn from (redraw only on change). */
  drawn: new Map(),
};

function draw(id, data, build) {
  const key = JSON.stringify(data);
  if (ui.drawn.get(id) === key) return;
  ui.drawn.set(id, key);
  $(id).replaceChildren(build());
}

function banner(message) {
  const b = $('banner');
  if (!message) {
    b.hidden = true;
    return;
  }
  b.textContent = message;
  b.hidden = false;
}

const AUTH_CODES = new Set(['MissingAuthenticationToken', 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'IncompleteSignature', 'AuthFailure']);
const CREDENTIALS_MESSAGE =
  'This control plane verifies AWS signatures (it was started with --credentials), and the console cannot sign requests. ' +
  'Use the AWS CLI or an SDK with your access key, or start `cove up` without --credentials to use the console.';

// ---- resources (AWS API) -------------------------------------------------------------

async function loadResources() {
  const [vpcs, subnets, groups, rules, reservations, clusters, events] = await Promise.all([
    all('ec2', 'DescribeVpcs', {}, 'vpcSet'),
    all('ec2', 'DescribeSubnets', {}, 'subnetSet'),
    all('ec2', 'DescribeSecurityGroups', {}, 'securityGroupInfo'),
    all('ec2', 'DescribeSecurityGroupRules', {}, 'securityGroupRuleSet'),
    all('ec2', 'DescribeInstances', {}, 'reservationSet'),
    all('elasticache', 'DescribeCacheClusters', { ShowCacheNodeInfo: 'true' }, 'CacheClusters', 'CacheCluster'),
    aws('elasticache', 'DescribeEvents', { Duration: 1440, MaxRecords: 100 }).then((r) => list(r.Events?.Event)),
  ]);
  let replicationGroups = [];
  if (ui.rgAvailable) {
    try {
      replicationGroups = await all('elasticache', 'DescribeReplicationGroups', {}, 'ReplicationGroups', 'ReplicationGroup');
    } catch (e) {
      // Not built yet on this control plane: the section says so.
      if (e instanceof AwsError && e.code === 'InvalidAction') ui.rgAvailable = false;
      else throw e;
    }
  }
  const instances = reservations.flatMap((r) => list(r.instancesSet));
  return { vpcs, subnets, groups, rules, instances, clusters, replicationGroups, events };
}

async function refreshResources() {
  try {
    ui.res = await loadResources();
    banner(null);
  } catch (e) {
    if (e instanceof AwsError && AUTH_CODES.has(e.code)) {
      ui.credentialsRequired = true;
      banner(CREDENTIALS_MESSAGE);
    } else banner(`The API did not answer: ${e.message}`);
    return;
  }
  renderResources();
  $('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
}

function renderResources() {
  const r = ui.res;
  if (!r) return;
  draw('vpcs', r.vpcs, () =>
    table(
      ['VPC', 'Name', 'CIDR', 'State', 'Default'],
      r.vpcs.map((v) => [h('code', {}, v.vpcId), nameTag(v.tagSet), v.cidrBlock, badge(v.state ?? ''), v.isDefault === 'true' ? 'yes' : '']),
      'no VPCs',
    ),
  );
  draw('subnets', r.subnets, () =>
    table(
      ['Subnet', 'Name', 'VPC', 'CIDR', 'Zone', 'Free addresses', 'Public IP on launch'],
      r.subnets.map((s) => [h('code', {}, s.subnetId), nameTag(s.tagSet), s.vpcId, s.cidrBlock, s.availabilityZone, s.availableIpAddressCount, s.mapPublicIpOnLaunch === 'true' ? 'yes' : '']),
      'no subnets',
    ),
  );
  draw('instances', r.instances, () =>
    table(
      ['Instance', 'Name', 'State', 'Image', 'Private IP', 'Public IP', 'Groups', 'Src/dst check'],
      r.instances.map((i) => [
        h('code', {}, i.instanceId),
        nameTag(i.tagSet),
        badge(i.instanceState?.name ?? ''),
        i.imageId,
        i.privateIpAddress,
        i.ipAddress ?? '',
        list(i.groupSet).map((g) => g.groupId).join(', '),
        i.sourceDestCheck === 'false' ? 'off' : 'on',
      ]),
      'no instances',
    ),
  );
  renderGroups();
  renderClusters();
  draw('replication-groups', { rg: r.replicationGroups, ok: ui.rgAvailable, roles: [...ui.roles] }, renderReplicationGroups);
  renderEvents();
}

// ---- security groups -------------------------------------------------------------------

function ruleSource(rule) {
  return rule.cidrIpv4 ?? rule.cidrIpv6 ?? rule.prefixListId ?? rule.referencedGroupInfo?.groupId ?? '';
}

function rulePorts(rule) {
  if (rule.ipProtocol === '-1') return 'all';
  if (rule.fromPort === undefined || rule.fromPort === '-1') return 'all';
  return rule.fromPort === rule.toPort ? rule.fromPort : `${rule.fromPort}-${rule.toPort}`;
}

const protocolName = (p) => ({ '-1': 'all', tcp: 'TCP', udp: 'UDP', icmp: 'ICMP', icmpv6: 'ICMPv6' })[p] ?? p;

function renderGroups() {
  const r = ui.res;
  const data = { groups: r.groups, rules: r.rules, writable: ui.writable };
  // The group picker keeps what the user chose while the list refreshes.
  const select = $('rule-group');
  const chosen = select.value;
  const options = r.groups.map((g) => `${g.groupId}|${g.groupName}|${g.vpcId}`).join('\n');
  if (select.dataset.options !== options) {
    select.replaceChildren(...r.groups.map((g) => h('option', { value: g.groupId }, `${g.groupId} (${g.groupName}, ${g.vpcId})`)));
    select.dataset.options = options;
    if (r.groups.some((g) => g.groupId === chosen)) select.value = chosen;
  }
  draw('groups', data, () =>
    h(
      'div',
      { class: 'cards' },
      r.groups.map((g) => {
        const mine = r.rules.filter((x) => x.groupId === g.groupId);
        const row = (rule, revocable) =>
          h(
            'tr',
            { 'data-rule-id': rule.securityGroupRuleId },
            h('td', {}, protocolName(rule.ipProtocol)),
            h('td', {}, rulePorts(rule)),
            h('td', {}, h('code', {}, ruleSource(rule))),
            h('td', {}, rule.description ?? ''),
            h('td', {}, h('code', { class: 'dim' }, rule.securityGroupRuleId)),
            h('td', {}, revocable && ui.writable ? h('button', { class: 'revoke', type: 'button', onclick: () => revoke(g.groupId, rule.securityGroupRuleId, rule.isEgress === 'true') }, 'Revoke') : ''),
          );
        const inbound = mine.filter((x) => x.isEgress !== 'true');
        const outbound = mine.filter((x) => x.isEgress === 'true');
        return h(
          'article',
          { class: 'card', 'data-group-id': g.groupId },
          h('h3', {}, h('code', {}, g.groupId), ' ', g.groupName, h('span', { class: 'dim' }, ` · ${g.vpcId}`)),
          h('p', { class: 'dim' }, g.groupDescription ?? ''),
          h('h4', {}, 'Inbound'),
          table(['Protocol', 'Ports', 'Source', 'Description', 'Rule', ''], inbound.map((x) => row(x, true)), 'no inbound rules: nothing may connect'),
          h('h4', {}, 'Outbound'),
          table(['Protocol', 'Ports', 'Destination', 'Description', 'Rule', ''], outbound.map((x) => row(x, true)), 'no outbound rules'),
        );
      }),
    ),
  );
}

function parseRuleForm() {
  const group = $('rule-group').value;
  const protocol = $('rule-protocol').value;
  const source = $('rule-source').value.trim();
  const description = $('rule-description').value.trim();
  if (!group) throw new Error('choose a group');
  if (!source) throw new Error('give a source: a CIDR (10.0.0.0/16, 203.0.113.5/32) or a security group id (sg-…)');
  const perm = { IpProtocol: protocol };
  if (protocol === 'tcp' || protocol === 'udp') {
    const from = Number($('rule-from').value.trim());
    const toText = $('rule-to').value.trim();
    const to = toText === '' ? from : Number(toText);
    if (!Number.isInteger(from) || from < 0 || from > 65535 || !Number.isInteger(to) || to < from || to > 65535) throw new Error('ports are whole numbers from 0 to 65535, from ≤ to');
    perm.FromPort = from;
    perm.ToPort = to;
  } else if (protocol === 'icmp') {
    perm.FromPort = -1;
    perm.ToPort = -1;
  }
  const desc = description ? { Description: description } : {};
  if (/^sg-[0-9a-f]+$/.test(source)) perm.Groups = [{ GroupId: source, ...desc }];
  else if (source.includes(':')) perm.Ipv6Ranges = [{ CidrIpv6: source, ...desc }];
  else perm.IpRanges = [{ CidrIp: source.includes('/') ? source : `${source}/32`, ...desc }];
  return { GroupId: group, IpPermissions: [perm] };
}

async function addRule(ev) {
  ev.preventDefault();
  const out = $('rule-result');
  out.className = '';
  try {
    const params = parseRuleForm();
    out.textContent = 'adding…';
    const r = await aws('ec2', 'AuthorizeSecurityGroupIngress', params);
    const ids = list(r.securityGroupRuleSet).map((x) => x.securityGroupRuleId);
    out.textContent = `added ${ids.join(', ')}`;
    out.className = 'ok';
  } catch (e) {
    out.textContent = e instanceof AwsError ? `${e.code}: ${e.message}` : e.message;
    out.className = 'error';
  }
  await refreshResources();
}

async function revoke(groupId, ruleId, egress) {
  const out = $('rule-result');
  try {
    await aws('ec2', egress ? 'RevokeSecurityGroupEgress' : 'RevokeSecurityGroupIngress', { GroupId: groupId, SecurityGroupRuleId: [ruleId] });
    out.textContent = `revoked ${ruleId}`;
    out.className = 'ok';
  } catch (e) {
    out.textContent = e instanceof AwsError ? `${e.code}: ${e.message}` : e.message;
    out.className = 'error';
  }
  await refreshResources();
}

// ---- caches ---------------------------------------------------------------------------------

function roleOf(cluster, node) {
  const r = ui.roles.get(`${cluster}/${node}`);
  return r === undefined ? '' : r ? 'replica' : 'primary';
}

function renderClusters() {
  const r = ui.res;
  const conns = [...ui.figures].map(([k, f]) => [k, f.connections ?? null, f.up ?? null]);
  draw('clusters', { c: r.clusters, roles: [...ui.roles], conns }, () =>
    r.clusters.length === 0
      ? h('p', { class: 'empty' }, 'no cache clusters')
      : h(
          'div',
          { class: 'cards' },
          r.clusters.map((c) => {
            const nodes = list(c.CacheNodes?.CacheNode);
            const sgs = list(c.SecurityGroups).map((s) => s.SecurityGroupId);
            return h(
              'article',
              { class: 'card', 'data-cluster-id': c.CacheClusterId },
              h('h3', {}, h('code', {}, c.CacheClusterId), ' ', badge(c.CacheClusterStatus ?? '')),
              h(
                'p',
                { class: 'dim' },
                `${c.Engine} ${c.EngineVersion} · ${c.CacheNodeType} · ${c.NumCacheNodes} node(s)`,
                c.ReplicationGroupId ? ` · replication group ${c.ReplicationGroupId}` : '',
                c.ConfigurationEndpoint ? ` · configuration endpoint ${endpoint(c.ConfigurationEndpoint)}` : '',
                sgs.length ? ` · ${sgs.join(', ')}` : '',
              ),
              table(
                ['Node', 'Status', 'Endpoint', 'Zone', 'Role', 'Connections'],
                nodes.map((n) => {
                  const f = [...ui.figures.values()].find((x) => x.cluster === c.CacheClusterId && x.node === n.CacheNodeId);
                  return h(
                    'tr',
                    { 'data-node': `${c.CacheClusterId}/${n.CacheNodeId}` },
                    h('td', {}, h('code', {}, n.CacheNodeId)),
                    h('td', {}, badge(n.CacheNodeStatus ?? '')),
                    h('td', {}, h('code', {}, endpoint(n.Endpoint))),
                    h('td', {}, n.CustomerAvailabilityZone ?? ''),
                    h('td', {}, roleOf(c.CacheClusterId, n.CacheNodeId)),
                    h('td', {}, f && f.up ? String(f.connections ?? 0) : '–'),
                  );
                }),
                'no nodes yet',
              ),
            );
          }),
        ),
  );
}

function renderReplicationGroups() {
  const r = ui.res;
  if (!ui.rgAvailable) return h('p', { class: 'empty' }, 'this control plane has no replication groups API yet (DescribeReplicationGroups)');
  if (r.replicationGroups.length === 0) return h('p', { class: 'empty' }, 'no replication groups');
  return h(
    'div',
    { class: 'cards' },
    r.replicationGroups.map((g) => {
      const groups = list(g.NodeGroups?.NodeGroup);
      const members = groups.flatMap((ng) => list(ng.NodeGroupMembers?.NodeGroupMember).map((m) => ({ ...m, ng })));
      return h(
        'article',
        { class: 'card', 'data-replication-group-id': g.ReplicationGroupId },
        h('h3', {}, h('code', {}, g.ReplicationGroupId), ' ', badge(g.Status ?? '')),
        h('p', { class: 'dim' }, g.Description ?? '', g.AutomaticFailover ? ` · automatic failover ${g.AutomaticFailover}` : ''),
        groups.map((ng) =>
          h(
            'p',
            {},
            ng.PrimaryEndpoint ? ['primary endpoint ', h('code', {}, endpoint(ng.PrimaryEndpoint))] : '',
            ng.ReaderEndpoint ? [' · reader endpoint ', h('code', {}, endpoint(ng.ReaderEndpoint))] : '',
          ),
        ),
        table(
          ['Cluster', 'Node', 'Role', 'Endpoint', 'Zone'],
          members.map((m) => [m.CacheClusterId, m.CacheNodeId, m.CurrentRole ?? roleOf(m.CacheClusterId, m.CacheNodeId), h('code', {}, endpoint(m.ReadEndpoint)), m.PreferredAvailabilityZone ?? '']),
          `members: ${list(g.MemberClusters?.ClusterId).join(', ') || 'none yet'}`,
        ),
      );
    }),
  );
}

// ---- live: /metrics and /console/state ---------------------------------------------------------

async function refreshLive() {
  let state;
  let text;
  try {
    [state, text] = await Promise.all([fetch('/console/state').then((r) => r.json()), fetch('/metrics').then((r) => r.text())]);
  } catch (e) {
    $('mode').textContent = 'control plane unreachable';
    $('mode').className = 'mode mode-down';
    return;
  }
  ui.writable = !!state.writable;
  if (state.credentialsRequired) {
    ui.credentialsRequired = true;
    banner(CREDENTIALS_MESSAGE);
  }
  $('mode').textContent = ui.writable ? 'read-write (this host)' : 'read-only';
  $('mode').className = ui.writable ? 'mode mode-rw' : 'mode mode-ro';
  $('mode').title = state.readOnlyReason ?? '';
  $('rule-form').hidden = !ui.writable;
  $('readonly-note').hidden = ui.writable;
  $('readonly-note').textContent = state.readOnlyReason ? `Read-only: ${state.readOnlyReason}.` : '';
  recordMetrics(text);
  draw('nat', state.nat ?? [], () => renderNat(state.nat ?? []));
  draw('flow-log', state.flowLogs ?? [], () => renderFlowLogs(state.flowLogs ?? []));
  ui.gatewayEvents = state.gatewayEvents ?? [];
  if (ui.res) {
    renderGroups();
    renderClusters();
    draw('replication-groups', { rg: ui.res.replicationGroups, ok: ui.rgAvailable, roles: [...ui.roles] }, renderReplicationGroups);
    renderEvents();
  }
  renderMetrics();
}

function recordMetrics(text) {
  const now = Date.now();
  const figures = nodeFigures(parseMetrics(text));
  ui.figures = figures;
  for (const [key, f] of figures) {
    if (f.replica !== undefined) ui.roles.set(`${f.cluster}/${f.node}`, f.replica === 1);
    const hist = ui.history.get(key) ?? [];
    const prev = hist[hist.length - 1];
    hist.push({ t: now, f, point: chartPoint(f, prev?.f, prev ? (now - prev.t) / 1000 : 0) });
    if (hist.length > HISTORY) hist.shift();
    ui.history.set(key, hist);
  }
  for (const key of [...ui.history.keys()]) if (!figures.has(key)) ui.history.delete(key);
}

function renderNat(nats) {
  if (nats.length === 0) return h('p', { class: 'empty' }, 'no NAT instances (launch one from the cove-nat image)');
  return h(
    'div',
    { class: 'cards' },
    nats.map((n) =>
      h(
        'article',
        { class: 'card', 'data-nat-id': n.instanceId },
        h('h3', {}, h('code', {}, n.instanceId), ' ', badge(n.state)),
        h(
          'p',
          { class: 'dim' },
          `Elastic IP ${n.publicIp ?? 'none'} · private ${n.privateIp} · ${n.vpcId} · source/dest check ${n.sourceDestCheck ? 'on' : 'off'} · ip_forward ${n.ipForward ? 1 : 0}${n.tls ? ' · TLS' : ''}`,
        ),
        n.counters
          ? h('p', {}, `${n.counters.active} open · ${n.counters.accepted} forwarded · ${n.counters.rejected} refused · ${human(n.counters.bytesIn ?? 0, 'bytes')} in · ${human(n.counters.bytesOut ?? 0, 'bytes')} out`)
          : '',
        table(
          ['Public port', 'Forwards to', 'Node', 'Only from', 'Listening', 'Rule'],
          n.forwarding.map((e) => {
            const l = n.listening.find((x) => x.port === e.publicPort);
            return [
              h('code', {}, `${n.publicIp ?? '?'}:${e.publicPort}`),
              h('code', {}, `${e.ip}:${e.port}`),
              e.node ? `${e.node.clusterId}/${e.node.nodeId}` : '',
              e.source ? `${e.source.negate ? 'not ' : ''}${e.source.cidr}` : '',
              l ? (l.error ? badge(l.error, 'error') : badge(l.servedBy === 'node' ? 'by the node' : 'yes', 'available')) : badge('no', 'error'),
              // A cove:forward tag names every node at once: its name is enough per row.
              h('code', { class: 'dim', title: e.text }, e.via === 'tag' ? `tag ${e.text.split('=')[0]}` : e.text),
            ];
          }),
          'no forwarding rules',
        ),
        n.notes.length ? h('ul', { class: 'notes' }, n.notes.map((x) => h('li', {}, x))) : '',
      ),
    ),
  );
}

function renderFlowLogs(flowLogs) {
  if (flowLogs.length === 0) return h('p', { class: 'empty' }, 'no flow logs: aws ec2 create-flow-logs --resource-type VPC --resource-ids vpc-… --traffic-type ALL --log-group-name NAME');
  return h(
    'div',
    {},
    flowLogs.map((f) =>
      h(
        'div',
        { class: 'flow', 'data-flow-log-id': f.id },
        h('h4', {}, h('code', {}, f.id), ` · ${f.resourceId} · ${f.trafficType}`),
        h('pre', { class: 'log' }, (f.fields ?? []).join(' ') + '  (newest first)\n', f.lines.slice(-60).reverse().map((l) => h('span', { class: / REJECT /.test(l) ? 'reject' : / ACCEPT /.test(l) ? 'accept' : '' }, l + '\n'))),
      ),
    ),
  );
}

function renderEvents() {
  const ec = (ui.res?.events ?? []).map((e) => ({ date: e.Date, source: `${e.SourceType} ${e.SourceIdentifier}`, message: e.Message }));
  const gw = (ui.gatewayEvents ?? []).map((e) => ({ date: e.time, source: `nat ${e.instanceId}`, message: e.message }));
  const rows = [...ec, ...gw].sort((a, b) => String(b.date).localeCompare(String(a.date))).slice(0, 100);
  draw('events', rows, () => table(['Time', 'Source', 'Event'], rows.map((e) => [h('span', { class: 'nowrap' }, new Date(e.date).toLocaleTimeString()), e.source, e.message]), 'no events yet'));
}

function renderMetrics() {
  const box = $('metrics');
  if (ui.history.size === 0) {
    box.replaceChildren(h('p', { class: 'empty' }, 'no nodes'));
    return;
  }
  box.replaceChildren(
    ...[...ui.history].map(([key, hist]) => {
      const f = hist[hist.length - 1].f;
      const pts = (k) => hist.map((x) => x.point[k]);
      const cw = [
        ['CurrConnections', f.connections],
        ['CacheHits', f.hits_total],
        ['CacheMisses', f.misses_total],
        ['Evictions', f.evictions_total],
        ['BytesUsedForCache', f.memory_bytes === undefined ? undefined : human(f.memory_bytes, 'bytes')],
        ['CurrItems', f.items],
        ['ReplicationLag', f.replication_lag_seconds === undefined ? (f.replica === 0 ? 'primary' : '–') : `${f.replication_lag_seconds} s`],
      ];
      return h(
        'article',
        { class: 'card node-metrics', 'data-node': `${f.cluster}/${f.node}` },
        h('h3', {}, h('code', {}, `${f.cluster}/${f.node}`), ' ', f.engine, ' ', f.up === 1 ? badge('up', 'available') : badge('down', 'error')),
        h('dl', { class: 'cw' }, cw.map(([k, v]) => h('div', { 'data-metric': k }, h('dt', {}, k), h('dd', {}, v === undefined ? '–' : String(v))))),
        h(
          'div',
          { class: 'charts' },
          lineChart('Connections', pts('connections'), 'count'),
          lineChart('Ops/s', pts('ops'), 'rate'),
          lineChart('Memory', pts('memory'), 'bytes'),
          lineChart('Hit ratio', pts('hitRatio'), 'ratio'),
          lineChart('Evictions/s', pts('evictions'), 'rate'),
        ),
      );
    }),
  );
}

// ---- start ----------------------------------------------------------------------------------------

function loop(fn, every) {
  const run = async () => {
    try {
      await fn();
    } finally {
      setTimeout(run, every);
    }
  };
  void run();
}

$('rule-form').addEventListener('submit', addRule);
loop(refreshLive, LIVE_EVERY_MS);
loop(refreshResources, RESOURCES_EVERY_MS);
