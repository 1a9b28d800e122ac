/** Usage analytics page: every string in Simplified Chinese and English. */
type AlertKind = 'suddenDrop' | 'suddenRise' | 'zeroWithRelayClosed' | 'silent'
type Level = 'meter' | 'unit' | 'building' | 'site'

interface Messages {
  title: string
  scope: string
  everything: string
  groupBy: string
  levels: Record<Level, string>
  from: string
  to: string
  granularity: string
  granularities: Record<'day' | 'week' | 'month', string>
  reload: string
  loading: string
  failed: string
  csv: string
  consumption: string
  total: string
  coverage: string
  members: string
  key: string
  profile: string
  weekday: string
  weekend: string
  nightBase: string
  eveningPeak: string
  hour: string
  top: string
  share: string
  comparison: string
  thisPeriod: string
  previousPeriod: string
  change: string
  notComparable: string
  peers: string
  percentile: string
  forecasts: string
  daysLeft: string
  daysLeftMethod: string
  credit: string
  dailyUse: string
  days: string
  band: string
  simple: string
  noCredit: string
  insufficient: string
  sales: string
  weekStarting: string
  expectedEnergy: string
  expectedSales: string
  method: string
  heldOut: (weeks: number, mape: string, naive: string, skill: string) => string
  history: string
  forecast: string
  anomalies: string
  noAlerts: string
  showAcknowledged: string
  kinds: Record<AlertKind, string>
  severity: string
  severities: Record<'low' | 'medium' | 'high', string>
  since: string
  baseline: string
  observed: string
  ratio: string
  evidence: string
  /** Names of the detectors' figures (analytics/anomalies.ts). */
  evidenceNames: Record<string, string>
  yes: string
  acknowledge: string
  ackNote: string
  acknowledgedBy: string
  allocation: string
  month: string
  pool: string
  basis: Record<string, string>
  basisHeader: string
  area: string
  ownUse: string
  shared: string
  advice: string
  meter: string
  noAdvice: string
  peerClass: string
  levelNames: Record<'warning' | 'notice' | 'info', string>
}

export const messages: Record<'zh-CN' | 'en', Messages> = {
  'zh-CN': {
    title: '用电分析',
    scope: '范围',
    everything: '全部',
    groupBy: '按…汇总',
    levels: { meter: '电表', unit: '房屋', building: '楼栋', site: '小区/园区' },
    from: '开始日期',
    to: '结束日期',
    granularity: '粒度',
    granularities: { day: '日', week: '周', month: '月' },
    reload: '刷新',
    loading: '加载中…',
    failed: '加载失败',
    csv: '导出 CSV',
    consumption: '用电量',
    total: '合计（千瓦时）',
    coverage: '数据完整度',
    members: '电表数',
    key: '对象',
    profile: '日负荷曲线（按小时平均功率）',
    weekday: '工作日',
    weekend: '周末',
    nightBase: '夜间基础负荷',
    eveningPeak: '工作日晚高峰',
    hour: '小时',
    top: '用电排名',
    share: '占比',
    comparison: '同比上期与同类比较',
    thisPeriod: '本期（千瓦时）',
    previousPeriod: '上期（千瓦时）',
    change: '变化',
    notComparable: '数据不全，不可比',
    peers: '同类',
    percentile: '百分位',
    forecasts: '预测',
    daysLeft: '剩余电量可用天数',
    daysLeftMethod: '方法',
    credit: '剩余电量（千瓦时）',
    dailyUse: '日均（千瓦时）',
    days: '天数',
    band: '80% 区间',
    simple: '简单平均',
    noCredit: '无电量读数',
    insufficient: '数据不足',
    sales: '未来几周预计售电',
    weekStarting: '周起始',
    expectedEnergy: '预计电量（千瓦时）',
    expectedSales: '预计金额（元）',
    method: '方法',
    heldOut: (w, mape, naive, skill) =>
      `留出最近 ${w} 周检验：平均绝对百分比误差 ${mape}，“与上周相同”基准为 ${naive}（技能分 ${skill}）。`,
    history: '实际',
    forecast: '预测',
    anomalies: '异常告警',
    noAlerts: '没有未处理的告警',
    showAcknowledged: '显示已确认',
    kinds: {
      suddenDrop: '用电骤降（疑似窃电/旁路）',
      suddenRise: '用电骤增',
      zeroWithRelayClosed: '继电器闭合但零用电',
      silent: '电表长时间无数据',
    },
    severity: '严重度',
    severities: { low: '低', medium: '中', high: '高' },
    since: '开始于',
    baseline: '基线（千瓦时）',
    observed: '实际（千瓦时）',
    ratio: '比值',
    evidence: '证据',
    evidenceNames: {
      days: '窗口天数',
      baselineDaily: '基线日均',
      observedDaily: '实际日均',
      zScore: 'Z 值',
      peerRatio: '同类变化比',
      onsetDay: '起始日',
      relayClosedShare: '继电器闭合占比',
      tamperIntervals: '防窃电标志次数',
      windowMeanW: '窗口平均功率(瓦)',
      windowNightW: '窗口夜间功率(瓦)',
      windowEveningW: '窗口晚间功率(瓦)',
      baselineNightW: '基线夜间功率(瓦)',
      absenceLike: '疑似无人在家',
      zeroHours: '零用电小时',
      relay: '继电器',
      ongoing: '仍在持续',
      silentHours: '无数据小时',
      neverReported: '从未上报',
    },
    yes: '是',
    acknowledge: '确认',
    ackNote: '处理说明',
    acknowledgedBy: '已确认',
    allocation: '公摊分摊明细',
    month: '月份',
    pool: '公共电表',
    basisHeader: '分摊方式',
    basis: { area: '按面积', consumption: '按用电量', mixed: '面积与用电量各半', equal: '平均' },
    area: '面积（㎡）',
    ownUse: '自用（千瓦时）',
    shared: '公摊（千瓦时）',
    advice: '住户用电建议',
    meter: '电表',
    noAdvice: '暂无建议（数据不足或用电正常）',
    peerClass: '同类组',
    levelNames: { warning: '警告', notice: '提示', info: '信息' },
  },
  en: {
    title: 'Usage analytics',
    scope: 'Scope',
    everything: 'Everything',
    groupBy: 'Group by',
    levels: { meter: 'Meter', unit: 'Unit', building: 'Building', site: 'Site' },
    from: 'From',
    to: 'To',
    granularity: 'Granularity',
    granularities: { day: 'Day', week: 'Week', month: 'Month' },
    reload: 'Reload',
    loading: 'Loading…',
    failed: 'Could not load',
    csv: 'Export CSV',
    consumption: 'Consumption',
    total: 'Total (kWh)',
    coverage: 'Coverage',
    members: 'Meters',
    key: 'Key',
    profile: 'Load profile (average demand by hour)',
    weekday: 'Weekdays',
    weekend: 'Weekends',
    nightBase: 'Night base load',
    eveningPeak: 'Weekday evening peak',
    hour: 'Hour',
    top: 'Top consumers',
    share: 'Share',
    comparison: 'Against the previous period and similar units',
    thisPeriod: 'This period (kWh)',
    previousPeriod: 'Previous (kWh)',
    change: 'Change',
    notComparable: 'data incomplete, not comparable',
    peers: 'Peers',
    percentile: 'Percentile',
    forecasts: 'Forecasts',
    daysLeft: 'Days of credit left',
    daysLeftMethod: 'Method',
    credit: 'Credit (kWh)',
    dailyUse: 'Daily use (kWh)',
    days: 'Days',
    band: '80 % band',
    simple: 'Simple average',
    noCredit: 'no credit reading',
    insufficient: 'not enough data',
    sales: 'Expected sales, coming weeks',
    weekStarting: 'Week starting',
    expectedEnergy: 'Energy (kWh)',
    expectedSales: 'Sales (yuan)',
    method: 'Method',
    heldOut: (w, mape, naive, skill) =>
      `Tested on the last ${w} weeks held out: mean absolute percentage error ${mape}, against ${naive} for "same as last week" (skill ${skill}).`,
    history: 'Actual',
    forecast: 'Forecast',
    anomalies: 'Anomaly alerts',
    noAlerts: 'No open alerts',
    showAcknowledged: 'Show acknowledged',
    kinds: {
      suddenDrop: 'Sudden drop (possible bypass)',
      suddenRise: 'Sudden rise',
      zeroWithRelayClosed: 'Zero use, relay closed',
      silent: 'Meter silent',
    },
    severity: 'Severity',
    severities: { low: 'Low', medium: 'Medium', high: 'High' },
    since: 'Since',
    baseline: 'Baseline (kWh)',
    observed: 'Observed (kWh)',
    ratio: 'Ratio',
    evidence: 'Evidence',
    evidenceNames: {
      days: 'window days',
      baselineDaily: 'baseline per day',
      observedDaily: 'observed per day',
      zScore: 'z-score',
      peerRatio: 'peers’ change',
      onsetDay: 'onset',
      relayClosedShare: 'relay closed share',
      tamperIntervals: 'tamper flags',
      windowMeanW: 'window mean (W)',
      windowNightW: 'window night (W)',
      windowEveningW: 'window evening (W)',
      baselineNightW: 'baseline night (W)',
      absenceLike: 'looks like nobody home',
      zeroHours: 'hours at zero',
      relay: 'relay',
      ongoing: 'ongoing',
      silentHours: 'hours silent',
      neverReported: 'never reported',
    },
    yes: 'yes',
    acknowledge: 'Acknowledge',
    ackNote: 'What was done',
    acknowledgedBy: 'Acknowledged',
    allocation: 'Shared-area allocation (公摊)',
    month: 'Month',
    pool: 'Common meter',
    basisHeader: 'Basis',
    basis: {
      area: 'by floor area',
      consumption: 'by consumption',
      mixed: 'half area, half consumption',
      equal: 'equal parts',
    },
    area: 'Area (m²)',
    ownUse: 'Own use (kWh)',
    shared: 'Shared (kWh)',
    advice: 'Advice for residents',
    meter: 'Meter',
    noAdvice: 'No advice (not enough data, or nothing stands out)',
    peerClass: 'Peer class',
    levelNames: { warning: 'Warning', notice: 'Notice', info: 'Info' },
  },
}
