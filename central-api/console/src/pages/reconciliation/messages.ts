/** Cashier reconciliation page: every string in Simplified Chinese and English. */
import type { CollectionState } from './types.ts'

interface Messages {
  title: string
  refresh: string
  queue: string
  states: Record<CollectionState, string>
  none: string
  kiosk: string
  seal: string
  cycle: string
  closedAt: string
  receivedAt: string
  expected: string
  counted: string
  credited: string
  lateCredited: string
  variance: string
  over: string
  short: string
  balanced: string
  open: string
  denomination: string
  expectedCount: string
  countedCount: string
  amount: string
  total: string
  notes: string
  suspects: string
  suspectHelp: string
  suspectValueUnknown: string
  genuine: string
  absent: string
  reason: string
  reasonHelp: string
  submitCount: string
  countedBy: string
  approvedBy: string
  approve: string
  reject: string
  rejectNote: string
  sameApprover: string
  readOnly: string
  deposits: string
  depositHelp: string
  slipNo: string
  createDeposit: string
  depositTotal: string
  depositCreated: string
  slip: string
  createdAt: string
  zReport: string
  day: string
  shift: string
  shifts: Record<'day' | '1' | '2' | '3', string>
  groupBy: string
  byCashier: string
  byKiosk: string
  show: string
  downloadCsv: string
  downloadPdf: string
  awaitingApproval: string
  collections: string
  group: string
  failed: string
  saved: string
  errors: Record<string, string>
}

export const messages: Record<'zh-CN' | 'en', Messages> = {
  'zh-CN': {
    title: '现金对账',
    refresh: '刷新',
    queue: '收款批次',
    states: {
      awaitingCount: '待清点',
      awaitingApproval: '待审批',
      reconciled: '已对账',
      deposited: '已存银行',
    },
    none: '暂无',
    kiosk: '终端',
    seal: '封签号',
    cycle: '钱箱周期',
    closedAt: '取箱时间',
    receivedAt: '收到时间',
    expected: '应收',
    counted: '实点',
    credited: '已入账',
    lateCredited: '其中迟到交易',
    variance: '差异',
    over: '长款',
    short: '短款',
    balanced: '相符',
    open: '打开',
    denomination: '面额',
    expectedCount: '应有张数',
    countedCount: '实点张数',
    amount: '金额',
    total: '合计',
    notes: '张',
    suspects: '可疑纸币',
    suspectHelp: '断电时可能已压入钱箱但未入账的纸币：请逐张确认。',
    suspectValueUnknown: '面额未知',
    genuine: '在箱内，已点入',
    absent: '不在箱内',
    reason: '差异原因',
    reasonHelp: '有长款或短款时必须填写，并由另一位员工审批。',
    submitCount: '提交清点',
    countedBy: '清点人',
    approvedBy: '审批人',
    approve: '批准差异',
    reject: '退回重点',
    rejectNote: '退回说明',
    sameApprover: '清点人不能审批自己的差异，请由另一位员工审批。',
    readOnly: '只读：审计员可查看，不能操作。',
    deposits: '银行存款',
    depositHelp: '勾选已对账的批次，合并为一笔银行存款。',
    slipNo: '存款单号',
    createDeposit: '登记存款',
    depositTotal: '存款合计',
    depositCreated: '存款已登记',
    slip: '单号',
    createdAt: '登记时间',
    zReport: 'Z 报表',
    day: '营业日',
    shift: '班次',
    shifts: {
      day: '全天',
      '1': '早班 00:00–08:00',
      '2': '中班 08:00–16:00',
      '3': '晚班 16:00–24:00',
    },
    groupBy: '分组',
    byCashier: '按收银员',
    byKiosk: '按终端',
    show: '查看',
    downloadCsv: '下载 CSV',
    downloadPdf: '下载 PDF',
    awaitingApproval: '待审批',
    collections: '批次数',
    group: '分组',
    failed: '操作失败',
    saved: '已保存',
    errors: {
      ERR_CASH_REASON_REQUIRED: '有长款或短款，请填写原因。',
      ERR_CASH_SUSPECT_UNRESOLVED: '请确认每一张可疑纸币。',
      ERR_CASH_STATE: '该批次状态已变化，请刷新。',
      ERR_STAFF_SAME_APPROVER: '清点人不能审批自己的差异。',
      ERR_CASH_DEPOSIT_SLIP_REUSED: '该存款单号已登记。',
      ERR_STAFF_FORBIDDEN: '您的角色无权执行此操作。',
      ERR_EXPORT_FONT_MISSING: '服务器缺少中文字体，无法生成 PDF。',
      ERR_VALIDATION: '输入有误，请检查。',
    },
  },
  en: {
    title: 'Cash reconciliation',
    refresh: 'Refresh',
    queue: 'Collections',
    states: {
      awaitingCount: 'Awaiting count',
      awaitingApproval: 'Awaiting approval',
      reconciled: 'Reconciled',
      deposited: 'Deposited',
    },
    none: 'None',
    kiosk: 'Kiosk',
    seal: 'Seal no.',
    cycle: 'Cash cycle',
    closedAt: 'Box removed',
    receivedAt: 'Received',
    expected: 'Expected',
    counted: 'Counted',
    credited: 'Credited',
    lateCredited: 'of which late vends',
    variance: 'Variance',
    over: 'Over',
    short: 'Short',
    balanced: 'Balanced',
    open: 'Open',
    denomination: 'Denomination',
    expectedCount: 'Expected notes',
    countedCount: 'Counted notes',
    amount: 'Amount',
    total: 'Total',
    notes: 'notes',
    suspects: 'Suspect notes',
    suspectHelp:
      'Notes that may have been stacked without being credited (power cut): resolve each one.',
    suspectValueUnknown: 'value unknown',
    genuine: 'In the box, counted',
    absent: 'Not in the box',
    reason: 'Reason for the variance',
    reasonHelp: 'Required for an over or short; a second staff member must approve it.',
    submitCount: 'Submit count',
    countedBy: 'Counted by',
    approvedBy: 'Approved by',
    approve: 'Approve variance',
    reject: 'Send back for recount',
    rejectNote: 'Note',
    sameApprover: 'You counted this collection: another staff member must approve the variance.',
    readOnly: 'Read only: auditors can look but not act.',
    deposits: 'Bank deposits',
    depositHelp: 'Tick reconciled collections to batch them into one bank deposit.',
    slipNo: 'Deposit slip no.',
    createDeposit: 'Record deposit',
    depositTotal: 'Deposit total',
    depositCreated: 'Deposit recorded',
    slip: 'Slip',
    createdAt: 'Recorded',
    zReport: 'Z-report',
    day: 'Business day',
    shift: 'Shift',
    shifts: {
      day: 'Whole day',
      '1': 'Shift 1 00:00–08:00',
      '2': 'Shift 2 08:00–16:00',
      '3': 'Shift 3 16:00–24:00',
    },
    groupBy: 'Group by',
    byCashier: 'Cashier',
    byKiosk: 'Kiosk',
    show: 'Show',
    downloadCsv: 'Download CSV',
    downloadPdf: 'Download PDF',
    awaitingApproval: 'Awaiting approval',
    collections: 'Collections',
    group: 'Group',
    failed: 'The action failed',
    saved: 'Saved',
    errors: {
      ERR_CASH_REASON_REQUIRED: 'There is an over or short: enter the reason.',
      ERR_CASH_SUSPECT_UNRESOLVED: 'Resolve every suspect note.',
      ERR_CASH_STATE: 'This collection has changed meanwhile: refresh.',
      ERR_STAFF_SAME_APPROVER: 'Whoever counted cannot approve their own variance.',
      ERR_CASH_DEPOSIT_SLIP_REUSED: 'This deposit slip number is already recorded.',
      ERR_STAFF_FORBIDDEN: 'Your role may not do that.',
      ERR_EXPORT_FONT_MISSING: 'The server lacks the Chinese font needed for the PDF.',
      ERR_VALIDATION: 'Please check the input.',
    },
  },
}
