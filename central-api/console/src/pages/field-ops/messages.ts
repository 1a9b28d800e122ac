/** Field operations page: every string in Simplified Chinese and English. */
type Kind =
  | 'offline'
  | 'paperLow'
  | 'paperOut'
  | 'acceptorJam'
  | 'acceptorFault'
  | 'printerFault'
  | 'readerFault'
  | 'cassetteNearFull'
  | 'cassetteRemoved'
  | 'outboxBacklog'

interface Messages {
  title: string
  live: string
  connecting: string
  liveLost: string
  fleet: string
  kiosk: string
  status: string
  online: string
  offline: string
  neverHeard: string
  notEnrolled: string
  outOfService: string
  devices: string
  acceptor: string
  printer: string
  reader: string
  paper: string
  cashbox: string
  cashboxOut: string
  outbox: string
  openAlerts: string
  lastHeard: string
  history: string
  health: Record<'ok' | 'offline' | 'jammed' | 'fault' | 'disabled' | 'unknown', string>
  paperLevel: Record<'ok' | 'nearEnd' | 'out' | 'unknown', string>
  alerts: string
  noAlerts: string
  showCleared: string
  kind: string
  severity: string
  severities: Record<'critical' | 'warning', string>
  raised: string
  alertStatus: Record<'open' | 'acknowledged' | 'cleared', string>
  kinds: Record<Kind, string>
  acknowledge: string
  acknowledgedBy: string
  makeWorkOrder: string
  assignTo: string
  nobody: string
  note: string
  create: string
  cancel: string
  workOrders: string
  noWorkOrders: string
  workOrder: string
  state: string
  states: Record<'open' | 'assigned' | 'done', string>
  assignee: string
  assign: string
  addNote: string
  close: string
  closeNote: string
  noteRequired: string
  notes: string
  noteKinds: Record<'created' | 'assigned' | 'note' | 'closed', string>
  created: string
  updated: string
  historyOf: string
  heartbeats: string
  faults: string
  serviceEvents: string
  device: string
  code: string
  action: string
  actor: string
  at: string
  none: string
  closeHistory: string
  readOnly: string
  errors: Record<string, string>
  failed: string
}

export const messages: Record<'zh-CN' | 'en', Messages> = {
  'zh-CN': {
    title: '现场运维',
    live: '实时更新中',
    connecting: '正在连接…',
    liveLost: '实时连接已断开，正在重连',
    fleet: '终端机群',
    kiosk: '终端',
    status: '状态',
    online: '在线',
    offline: '离线',
    neverHeard: '从未上报',
    notEnrolled: '未注册',
    outOfService: '暂停服务',
    devices: '设备',
    acceptor: '纸币器',
    printer: '打印机',
    reader: '读卡器',
    paper: '打印纸',
    cashbox: '钱箱',
    cashboxOut: '钱箱已取出',
    outbox: '待发送',
    openAlerts: '未结告警',
    lastHeard: '最后上报',
    history: '历史',
    health: { ok: '正常', offline: '离线', jammed: '卡币', fault: '故障', disabled: '停用', unknown: '未知' },
    paperLevel: { ok: '充足', nearEnd: '将尽', out: '缺纸', unknown: '未知' },
    alerts: '告警',
    noAlerts: '没有未结告警',
    showCleared: '显示已恢复的告警',
    kind: '类型',
    severity: '级别',
    severities: { critical: '严重', warning: '警告' },
    raised: '发生时间',
    alertStatus: { open: '未处理', acknowledged: '已确认', cleared: '已恢复' },
    kinds: {
      offline: '终端离线',
      paperLow: '打印纸将尽',
      paperOut: '打印纸用完',
      acceptorJam: '纸币器卡币',
      acceptorFault: '纸币器故障',
      printerFault: '打印机故障',
      readerFault: '读卡器故障',
      cassetteNearFull: '钱箱将满',
      cassetteRemoved: '钱箱被取出',
      outboxBacklog: '待发送积压',
    },
    acknowledge: '确认',
    acknowledgedBy: '确认人',
    makeWorkOrder: '生成工单',
    assignTo: '指派给',
    nobody: '暂不指派',
    note: '备注',
    create: '创建工单',
    cancel: '取消',
    workOrders: '工单',
    noWorkOrders: '没有工单',
    workOrder: '工单',
    state: '状态',
    states: { open: '待指派', assigned: '已指派', done: '已完成' },
    assignee: '负责人',
    assign: '指派',
    addNote: '添加备注',
    close: '完成工单',
    closeNote: '处理结果',
    noteRequired: '请填写处理结果',
    notes: '记录',
    noteKinds: { created: '创建', assigned: '指派', note: '备注', closed: '完成' },
    created: '创建时间',
    updated: '更新时间',
    historyOf: '终端历史',
    heartbeats: '心跳',
    faults: '故障记录',
    serviceEvents: '维护操作',
    device: '设备',
    code: '代码',
    action: '操作',
    actor: '操作人',
    at: '时间',
    none: '无',
    closeHistory: '关闭',
    readOnly: '您的角色只能查看，不能操作。',
    errors: {
      ERR_WORK_ORDER_EXISTS: '该告警已有工单',
      ERR_WORK_ORDER_STATE: '工单当前状态不允许此操作',
      ERR_WORK_ORDER_ASSIGNEE: '工单只能指派给在职的现场或管理员人员',
      ERR_STAFF_FORBIDDEN: '您的角色无权执行此操作',
      ERR_VALIDATION: '输入有误',
      ERR_NOT_FOUND: '记录不存在',
      ERR_NETWORK: '无法连接中心服务器',
    },
    failed: '操作失败',
  },
  en: {
    title: 'Field operations',
    live: 'Live',
    connecting: 'Connecting…',
    liveLost: 'Live connection lost, reconnecting',
    fleet: 'Kiosk fleet',
    kiosk: 'Kiosk',
    status: 'Status',
    online: 'Online',
    offline: 'Offline',
    neverHeard: 'Never reported',
    notEnrolled: 'Not enrolled',
    outOfService: 'Out of service',
    devices: 'Devices',
    acceptor: 'Note acceptor',
    printer: 'Printer',
    reader: 'Card reader',
    paper: 'Paper',
    cashbox: 'Cash box',
    cashboxOut: 'Cash box removed',
    outbox: 'Outbox',
    openAlerts: 'Open alerts',
    lastHeard: 'Last heard',
    history: 'History',
    health: { ok: 'OK', offline: 'Offline', jammed: 'Jammed', fault: 'Fault', disabled: 'Disabled', unknown: 'Unknown' },
    paperLevel: { ok: 'OK', nearEnd: 'Low', out: 'Out', unknown: 'Unknown' },
    alerts: 'Alerts',
    noAlerts: 'No open alerts',
    showCleared: 'Show cleared alerts',
    kind: 'Kind',
    severity: 'Severity',
    severities: { critical: 'Critical', warning: 'Warning' },
    raised: 'Raised',
    alertStatus: { open: 'Open', acknowledged: 'Acknowledged', cleared: 'Cleared' },
    kinds: {
      offline: 'Kiosk offline',
      paperLow: 'Paper low',
      paperOut: 'Paper out',
      acceptorJam: 'Note acceptor jammed',
      acceptorFault: 'Note acceptor fault',
      printerFault: 'Printer fault',
      readerFault: 'Card reader fault',
      cassetteNearFull: 'Cash box nearly full',
      cassetteRemoved: 'Cash box removed',
      outboxBacklog: 'Outbox backlog',
    },
    acknowledge: 'Acknowledge',
    acknowledgedBy: 'Acknowledged by',
    makeWorkOrder: 'Make work order',
    assignTo: 'Assign to',
    nobody: 'Not yet',
    note: 'Note',
    create: 'Create work order',
    cancel: 'Cancel',
    workOrders: 'Work orders',
    noWorkOrders: 'No work orders',
    workOrder: 'Work order',
    state: 'State',
    states: { open: 'Open', assigned: 'Assigned', done: 'Done' },
    assignee: 'Assignee',
    assign: 'Assign',
    addNote: 'Add note',
    close: 'Close work order',
    closeNote: 'What was done',
    noteRequired: 'Say what was done',
    notes: 'Log',
    noteKinds: { created: 'Created', assigned: 'Assigned', note: 'Note', closed: 'Closed' },
    created: 'Created',
    updated: 'Updated',
    historyOf: 'Kiosk history',
    heartbeats: 'Heartbeats',
    faults: 'Faults',
    serviceEvents: 'Service actions',
    device: 'Device',
    code: 'Code',
    action: 'Action',
    actor: 'By',
    at: 'Time',
    none: 'None',
    closeHistory: 'Close',
    readOnly: 'Your role can look but not act.',
    errors: {
      ERR_WORK_ORDER_EXISTS: 'This alert already has a work order',
      ERR_WORK_ORDER_STATE: 'The work order is not in a state that allows this',
      ERR_WORK_ORDER_ASSIGNEE: 'Work orders go to active field or admin staff only',
      ERR_STAFF_FORBIDDEN: 'Your role may not do that',
      ERR_VALIDATION: 'Please check the input',
      ERR_NOT_FOUND: 'Not found',
      ERR_NETWORK: 'The central cannot be reached',
    },
    failed: 'That did not work',
  },
}
